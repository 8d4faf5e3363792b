"""A hub loaded from a checkpoint never showed its question votes to the live hook: the load
hook publishes them, exactly when a full fold's entries would have."""

from __future__ import annotations

from typing import Any

from rooms.model import ALL_ROLES
from rooms.state import MeetingState
from server import floor_live
from server.clock import ManualClock
from server.hub import WATCHERS
from server.metrics import Metrics
from tests.rooms import floor_fixtures
from tests.server.test_hub import hub_on


def asked(*, approve: bool) -> MeetingState:
    state = floor_fixtures.given(*floor_fixtures.opened_meeting())
    commands: list[tuple[str, str, dict[str, Any]]] = [
        ("s1", "agenda.import", {"items": [{"id": "1", "title": "Thảo luận"}]}),
        ("c1", "agenda.set_current", {"id": "1"}),
        ("d1", "question.ask", {"id": "q1", "text": "Khi nào có kết quả?"}),
    ]
    if approve:
        commands += [("c1", "question.approve", {"id": "q1"}),
                     ("d2", "question.vote", {"id": "q1", "up": True})]
    for who, kind, body in commands:
        state = floor_fixtures.then_apply(state, floor_fixtures.when(state, who, kind, body))
    return state


async def test_the_votes_of_questions_on_screen_are_published_on_load() -> None:
    hub = hub_on(ManualClock(), Metrics())
    hub.state = asked(approve=True)
    floor_live._on_load(hub)
    votes = {"votes": {"q1": 1}}
    assert hub._live == {("questions.votes", ALL_ROLES & WATCHERS): votes,
                         ("questions.votes", ALL_ROLES - WATCHERS): votes}


async def test_nothing_is_published_on_load_while_every_question_is_pending() -> None:
    hub = hub_on(ManualClock(), Metrics())
    hub.state = asked(approve=False)
    floor_live._on_load(hub)
    assert hub._live == {}
