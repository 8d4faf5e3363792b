"""The meeting aggregate's state: everything the rules need, rebuilt by folding the log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from rooms.lifecycle import Status
from rooms.model import MeetingInfo, Participant


@dataclass(frozen=True)
class MeetingState:
    id: str
    info: MeetingInfo
    status: Status = Status.SCHEDULED
    # The last log seq folded into this state; 0 for a state that has no events yet.
    seq: int = 0
    created_at: int = 0
    participants: Mapping[str, Participant] = field(default_factory=dict)
    # (status, at) each time the status changed, for the minutes.
    history: tuple[tuple[str, int], ...] = ()
    # Each feature (attendance, polls, agenda, …) keeps its own immutable slice here, under
    # its name; the feature module owns the slice's type and reads it with ``get_slice``.
    slices: Mapping[str, Any] = field(default_factory=dict)


T = TypeVar("T")


def get_slice(state: MeetingState, name: str, default: T) -> T:
    value = state.slices.get(name)
    return default if value is None else value


def with_slice(state: MeetingState, name: str, value: object) -> MeetingState:
    return replace(state, slices={**state.slices, name: value})
