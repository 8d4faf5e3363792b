"""A draft poll is redefined whole with poll.update (a typo in the motion, a candidate left
out); an opened poll's definition is what the delegates voted on and never changes."""

from __future__ import annotations

from typing import Any

import pytest

from protocol.errors import ErrorCode
from rooms import polls
from rooms.aggregate import authorize
from rooms.model import Command, Rejected
from rooms.polls import PollStatus
from tests.rooms.test_polls import (
    CHAIR,
    ELECTION,
    SEC,
    YNA,
    created,
    opened,
    rejected,
    state_of,
    when,
    who,
)

FIXED = {**ELECTION, "title": "Bầu Ủy ban kiểm tra",
         "candidates": ["An", "Bình", "Chi", "Dũng", "Em"]}


def update_body(body: dict[str, Any]) -> dict[str, Any]:
    fields = {key: value for key, value in body.items() if key != "id"}
    return {"poll": body["id"], **fields}


def test_a_draft_takes_its_new_definition_whole() -> None:
    events = created(ELECTION)
    before = polls.get_poll(state_of(events), "e1")
    updated = when(events, "poll.update", SEC, update_body({**FIXED, "seats": 3}))
    assert [e.kind for e in updated] == ["poll.updated"]
    poll = polls.get_poll(state_of(events + updated), "e1")
    assert poll.definition.title == "Bầu Ủy ban kiểm tra"
    assert [o.label for o in poll.definition.labels] == ["An", "Bình", "Chi", "Dũng", "Em"]
    assert poll.definition.spec.seats == 3
    assert (poll.status, poll.created_at) == (PollStatus.DRAFT, before.created_at)
    # Nothing kept from before: what was sent is what it is (no rule now, so none).
    body = update_body({k: v for k, v in FIXED.items() if k != "rule"})
    poll = polls.get_poll(state_of(events + when(events, "poll.update", SEC, body)), "e1")
    assert poll.definition.rule_text is None


def test_the_updated_draft_opens_and_counts_as_defined() -> None:
    events = created(YNA)
    body = update_body({**YNA, "title": "Thông qua Nghị quyết"})
    events += when(events, "poll.update", CHAIR, body)
    events += when(events, "poll.open", CHAIR, {"poll": "p1"})
    poll = polls.get_poll(state_of(events), "p1")
    assert (poll.status, poll.definition.title) == (PollStatus.OPEN, "Thông qua Nghị quyết")


def test_an_opened_poll_cannot_be_redefined() -> None:
    events = opened(YNA)
    refused = rejected(events, "poll.update", CHAIR, update_body({**YNA, "title": "Khác"}))
    assert refused.code == ErrorCode.INVALID_STATE
    assert "only a draft" in refused.message
    assert polls.get_poll(state_of(events), "p1").definition.title == YNA["title"]


@pytest.mark.parametrize(("body", "code"), [
    (update_body({**YNA, "id": "nope"}), ErrorCode.NOT_FOUND),
    (update_body({**ELECTION, "live_tally": True}), ErrorCode.INVALID),
    (update_body({**YNA, "title": "  "}), ErrorCode.INVALID),
])
def test_a_bad_update_is_refused_and_changes_nothing(body: dict[str, Any], code: ErrorCode) -> None:
    events = created(ELECTION)
    events += when(events, "poll.create", CHAIR, YNA)
    assert rejected(events, "poll.update", SEC, body).code == code


def test_only_staff_redefine_a_poll() -> None:
    state = state_of(created(YNA))
    command = Command("poll.update", update_body({**YNA, "title": "Của tôi"}), who("D1"))
    with pytest.raises(Rejected) as info:
        authorize(state, command)
    assert info.value.code == ErrorCode.FORBIDDEN
