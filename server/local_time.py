"""Times as the meeting's room reads them: in the meeting's own timezone (its
``info.timezone``, Vietnam's by default), for messages, tables and exports."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rooms.state import MeetingState


def zone(state: MeetingState) -> ZoneInfo:
    try:
        return ZoneInfo(state.info.timezone or "Asia/Ho_Chi_Minh")
    except (ZoneInfoNotFoundError, ValueError):
        # A bad name must not stop a check-in: the time still prints, in UTC.
        return ZoneInfo("UTC")


def local(state: MeetingState, ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, zone(state))


def clock(state: MeetingState, ms: int, now: int) -> str:
    """"07:41", or "07:41 20/11" when it was not today."""
    when, today = local(state, ms), local(state, now)
    text = f"{when:%H:%M}"
    return text if when.date() == today.date() else f"{text} {when:%d/%m}"
