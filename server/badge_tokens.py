"""What a printed badge carries: its signed check-in token (purpose ``b``), valid until the
day after the meeting, and the fields of the card it is printed on."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rooms.model import Participant, Role
from rooms.state import MeetingState
from rooms.timezone import zone
from server.auth import Signer

if TYPE_CHECKING:  # server.badges draws with fpdf and Pillow: loaded only to print
    from server.badges import BadgeInfo


def badge_expiry(state: MeetingState, ttl: int, now_s: int) -> int:
    """Badges outlive join links: until the day after the meeting ends, and at least ``ttl``
    from ``now_s`` (seconds); rounded to the day so that a reprint carries the same token."""
    expiry = now_s + ttl
    with contextlib.suppress(ValueError):
        ends = datetime.fromisoformat(state.info.ends)
        if ends.tzinfo is None:
            ends = ends.replace(tzinfo=zone(state))
        expiry = max(expiry, int((ends + timedelta(days=1)).timestamp()))
    return (expiry // 86400 + 1) * 86400


def badge_token(signer: Signer, state: MeetingState, participant: Participant, ttl: int,
                now_s: int) -> str:
    return signer.issue(state.id, participant.id, participant.role,
                        badge_expiry(state, ttl, now_s), purpose="b")


def badge_infos(signer: Signer, state: MeetingState, ttl: int, now_s: int,
                only: set[str] | None = None) -> list[BadgeInfo]:
    """A card for everyone on the roster who checks in (not the hall screens), or for the
    participants in ``only``."""
    from server.badges import BadgeInfo

    return [
        BadgeInfo(code=p.id, full_name=p.full_name, delegation=p.delegation, title=p.title,
                  seat=p.seat, role=p.role.value,
                  token=badge_token(signer, state, p, ttl, now_s))
        for p in state.participants.values()
        if p.role != Role.SCREEN and (only is None or p.id in only)
    ]
