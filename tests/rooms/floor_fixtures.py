"""Shared givens for the floor's domain tests: a meeting with a small roster, opened."""

from __future__ import annotations

from typing import Any

from rooms import aggregate
from rooms.model import Actor, Command, Event, Participant, Role
from rooms.state import MeetingState
from tests.rooms import contexts

T0 = 1_763_600_000_000  # 2025-11-20, ms

PEOPLE = {
    "c1": Role.CHAIR,
    "s1": Role.SECRETARY,
    "d1": Role.DELEGATE,
    "d2": Role.DELEGATE,
    "d3": Role.DELEGATE,
    "h1": Role.SCREEN,
}


def ev(kind: str, body: dict[str, Any], actor: str = "c1", at: int = T0) -> Event:
    return Event(kind, body, actor, at)


def opened_meeting(*, opened: bool = True) -> list[Event]:
    events = [
        ev("meeting.created", {"id": "m1", "title": "Đại hội", "settings": {}}, "@admin"),
        ev(
            "roster.imported",
            {
                "participants": [
                    Participant(pid, f"Người {pid}", role).to_dict()
                    for pid, role in PEOPLE.items()
                ]
            },
            "@admin",
        ),
    ]
    if opened:
        events.append(ev("meeting.opened", {}))
    return events


def given(*events: Event) -> MeetingState:
    return aggregate.fold(events)


def when(
    state: MeetingState,
    who: str,
    kind: str,
    body: dict[str, Any] | None = None,
    now: int = T0 + 1000,
) -> list[Event]:
    actor = Actor(who, PEOPLE[who]) if who in PEOPLE else Actor.admin()
    return contexts.decide(state, Command(kind, body or {}, actor), now)


def then_apply(state: MeetingState, events: list[Event]) -> MeetingState:
    for event in events:
        state = aggregate.evolve(state, event)
    return state


def sees(event: Event, role: Role) -> bool:
    return aggregate.project(event, role) is not None
