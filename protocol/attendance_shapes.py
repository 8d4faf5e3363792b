"""A participant's attendance record and the quorum, as both the snapshot state and the live
messages carry them (``protocol.snapshot_state``, ``protocol.live_bodies``)."""

# No ``from __future__ import annotations``: with string annotations Python 3.11 cannot see
# ``NotRequired`` when it builds a TypedDict (see protocol/command_bodies.py).

from typing import Literal, NotRequired, TypedDict

from protocol.event_shapes import AttendanceMode


class AttendanceRecordMap(TypedDict):
    """``rooms.attendance.record_dict``: one participant's attendance (times in ms)."""

    participant: str
    status: Literal["pending", "present", "out", "absent"]
    at: int  # when the status began
    first_in: int  # the first arrival; 0 if none
    mode: AttendanceMode
    via: str  # "" when never checked in
    reason: NotRequired[str]  # why absent
    proxy_to: NotRequired[str]  # the holder of this participant's proxy
    proxies_held: NotRequired[list[str]]  # the givers this participant holds a proxy for


class QuorumMap(TypedDict):
    """``rooms.quorum.Quorum.to_dict``; the live message leaves out ``at``."""

    rule: str
    entitled: int
    present: int
    in_person: int
    online: int
    proxies: int
    counts_proxies: bool
    weighted: bool
    met: bool | None  # None: the rule cannot be read (error says why)
    needed: int | None
    at: NotRequired[int]
    entitled_weight: NotRequired[str]  # decimal strings, when any weight is not 1
    present_weight: NotRequired[str]
    error: NotRequired[str]
