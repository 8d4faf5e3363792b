"""The attendance slice of the meeting state: each participant's record and the proxies, read
with ``attendance(state)``. Its own module so the settings guards, the quorum and the
attendance and proxy rules all read it without importing each other (rooms/attendance.py
evolves it, rooms/proxies.py its proxies)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from rooms.state import MeetingState, get_slice

SLICE = "attendance"

Status = Literal["pending", "present", "out", "absent"]
Mode = Literal["in_person", "online"]


@dataclass(frozen=True)
class Record:
    """One participant's attendance. ``pending`` (never checked in) is the default."""

    status: Status = "pending"
    at: int = 0  # when the current status began
    first_in: int = 0  # the first check-in of the meeting; 0 if never
    mode: Mode = "in_person"
    via: str = ""
    # The device the participant's tablet checked in from, and any other device that tried
    # while they were present (double presence, flagged once per device).
    device: str = ""
    others: tuple[str, ...] = ()
    reason: str = ""  # why absent

    @property
    def present(self) -> bool:
        return self.status == "present"


PENDING = Record()


@dataclass(frozen=True)
class Grant:
    """A proxy (ủy quyền): ``giver`` is absent and ``holder`` votes for them."""

    giver: str
    holder: str
    at: int
    by: str
    ended_at: int = 0
    end_reason: str = ""  # "revoked" or "arrived" (the giver checked in)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.giver, "to": self.holder, "at": self.at, "by": self.by}
        if self.ended_at:
            out |= {"ended_at": self.ended_at, "end_reason": self.end_reason}
        return out


@dataclass(frozen=True)
class AttendanceState:
    records: Mapping[str, Record] = field(default_factory=dict)
    # Active proxies by giver, and the givers each holder holds for (kept in step by evolve).
    proxies: Mapping[str, Grant] = field(default_factory=dict)
    held: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Proxies that ended, in order, for the minutes.
    ended: tuple[Grant, ...] = ()

    def record(self, participant_id: str) -> Record:
        return self.records.get(participant_id, PENDING)


def attendance(state: MeetingState) -> AttendanceState:
    return get_slice(state, SLICE, AttendanceState())
