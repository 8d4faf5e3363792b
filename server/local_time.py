"""Times as the meeting's room reads them: in the meeting's own timezone (rooms/timezone.py
says which, and what an unknown name falls back to), for tables and exports."""

from __future__ import annotations

from datetime import datetime

from rooms.state import MeetingState
from rooms.timezone import zone


def local(state: MeetingState, ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, zone(state))
