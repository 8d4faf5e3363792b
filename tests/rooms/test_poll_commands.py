"""The poll commands as decisions, driven without Redis: given a state, when a command, then
these guards, reads and follow-up decisions — what the interpreter will carry out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rooms import aggregate
from rooms.decision import Decision, Guard, Read
from rooms.model import Actor, Command, Event, Rejected
from rooms.polls import PollStatus
from tests.rooms import contexts
from tests.rooms.test_polls import CHAIR, ELECTION, YNA, created, fold, opened, who

NOW = 1_732_000_001_000


def decide(events: list[Event], kind: str, actor: Actor, body: dict[str, Any]) -> Decision:
    return aggregate.decide(fold(events), Command(kind, body, actor), contexts.at(NOW))


def cast(events: list[Event], voter: str, choice: Any, ballot_id: str = "b1",
         poll: str = "p1") -> Decision:
    body = {"poll": poll, "choice": choice, "ballot_id": ballot_id}
    return decide(events, "ballot.cast", who(voter), body)


def refused(step: Any, *args: Any) -> Rejected:
    with pytest.raises(Rejected) as info:
        step(*args)
    return info.value


# ---- a named ballot ---------------------------------------------------------------------


def test_a_named_ballot_claims_the_voters_slot_while_the_poll_is_open() -> None:
    d = cast(opened(), "D1", "yes")
    assert d.events == () and d.batch and not d.optimistic
    status, claim = d.guards
    assert status == Guard("eq", "polls", "p1", "open")
    assert (claim.op, claim.key, claim.field) == ("setnx", "poll:p1:ballots", "D1")
    record = json.loads(str(claim.value))
    assert (record["c"], record["b"], record["by"], record["w"]) == ("yes", "b1", "D1", "1")
    assert d.result["receipt"] == "r-p1-D1-b1" and d.result["voter"] == "D1"


def test_a_closed_poll_found_in_redis_refuses_the_ballot() -> None:
    d = cast(opened(), "D1", "yes")
    assert d.on_guard is not None
    rej = refused(d.on_guard, 0, b"closing")
    assert (rej.code, rej.details["poll_status"]) == ("invalid_state", "closing")


def test_a_taken_slot_is_read_and_a_retry_of_the_same_ballot_is_acked_again() -> None:
    d = cast(opened(), "D1", "yes")
    assert d.on_guard is not None
    look = d.on_guard(1, b"")
    assert look.reads == (Read("hget", "poll:p1:ballots", ("D1",)),) and look.then is not None
    stored = json.dumps({"c": "yes", "b": "b1", "by": "D1", "w": "1", "r": "x"}).encode()
    again = look.then([stored])
    assert again.guards == () and again.result["replayed"] is True


def test_the_same_ballot_id_with_another_choice_is_a_conflict() -> None:
    d = cast(opened(), "D1", "no")
    assert d.on_guard is not None
    look = d.on_guard(1, b"")
    stored = json.dumps({"c": "yes", "b": "b1", "by": "D1", "w": "1", "r": "x"}).encode()
    assert look.then is not None
    assert refused(look.then, [stored]).code == "conflict"


def test_a_second_ballot_is_a_duplicate_unless_the_poll_allows_a_change() -> None:
    stored = json.dumps({"c": "yes", "b": "b0", "by": "D1", "w": "1", "r": "x"}).encode()
    d = cast(opened(), "D1", "no")
    assert d.on_guard is not None
    look = d.on_guard(1, b"")
    assert look.then is not None
    assert refused(look.then, [stored]).code == "duplicate"

    changeable = opened({**YNA, "allow_change": True})
    d = cast(changeable, "D1", "no")
    assert d.on_guard is not None
    look = d.on_guard(1, b"")
    assert look.then is not None
    change = look.then([stored])
    assert change.guards[1] == Guard("eq", "poll:p1:ballots", "D1", stored)
    assert json.loads(str(change.guards[2].value))["old"] == ["b0"]
    assert change.result["replaced"] == "b0"
    # Someone else wrote in between: read again rather than overwrite.
    assert change.on_guard is not None
    assert change.on_guard(1, b"other").reads == look.reads


def test_a_ballot_on_a_poll_still_draft_here_is_a_stale_rejection() -> None:
    with pytest.raises(Rejected) as info:
        cast(created(), "D1", "yes")
    assert info.value.code == "invalid_state" and info.value.stale


# ---- a secret ballot --------------------------------------------------------------------


def test_a_secret_ballot_records_who_voted_apart_from_what() -> None:
    d = cast(opened(ELECTION), "D1", ["o1"], poll="e1")
    ops = [(g.op, g.key) for g in d.guards]
    assert ops[:3] == [("eq", "polls"), ("setnx", "poll:e1:voters"), ("sadd", "poll:e1:receipts")]
    assert d.guards[1].value == "1"
    assert all(g.key == "poll:e1:box" and g.op == "incr" for g in d.guards[3:])
    assert d.on_guard is not None
    retry = d.on_guard(1, b"1")
    assert retry.reads[0].op == "sismember" and retry.then is not None
    assert retry.then([True]).result["replayed"] is True
    assert refused(retry.then, [False]).code == "duplicate"


# ---- closing: two steps -----------------------------------------------------------------


def test_closing_stops_the_ballots_then_counts_what_the_box_holds() -> None:
    events = opened()
    d = decide(events, "poll.close", CHAIR, {"poll": "p1"})
    assert d.events == () and not d.optimistic
    assert list(d.guards) == [Guard("eq", "polls", "p1", "open"),
                              Guard("set", "polls", "p1", PollStatus.CLOSING.value)]
    assert d.reads == (Read("hgetall", "poll:p1:ballots"),) and d.then is not None
    ballots = {"D1": json.dumps({"c": "yes", "b": "b1", "by": "D1", "w": "1", "r": "h1"}).encode()}
    count = d.then([ballots])
    [closed] = count.events
    assert closed.kind == "poll.closed" and closed.body["voted"] == ["D1"]
    assert list(count.guards) == [Guard("set", "polls", "p1", "closed")]
    assert count.then is None and count.result["poll"] == "p1"


def test_a_close_that_finds_the_poll_closing_counts_and_one_finding_it_closed_is_refused() -> None:
    d = decide(opened(), "poll.close", CHAIR, {"poll": "p1"})
    assert d.on_guard is not None
    assert d.on_guard(0, b"closing").then is not None
    assert refused(d.on_guard, 0, b"closed").code == "invalid_state"
