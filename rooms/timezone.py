"""The meeting's time zone: one rule for every time of day the core and the shell print
(minutes, attendance lists, "already checked in at 07:41").
"""

from __future__ import annotations

from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rooms.state import MeetingState

# phonghop is made for Vietnamese meetings: a meeting created without a zone, or with one this
# machine's tz database does not know, is far more likely to sit in Vietnam than anywhere else,
# and the product's home zone shows its hall clock. UTC would put every printed time of day
# seven hours off for the meetings this serves; refusing would cost the minutes of a meeting
# already held. The same fallback everywhere keeps the minutes and the desk's lists agreeing.
HOME_ZONE: Final = "Asia/Ho_Chi_Minh"


def meeting_zone(name: str) -> ZoneInfo:
    """The zone named ``name`` if this machine knows it, else the product's home zone."""
    try:
        return ZoneInfo(name or HOME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(HOME_ZONE)


def zone(state: MeetingState) -> ZoneInfo:
    """The meeting's zone (``MeetingInfo.timezone``), by the rule of ``meeting_zone``."""
    return meeting_zone(state.info.timezone)
