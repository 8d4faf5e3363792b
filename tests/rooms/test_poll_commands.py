"""The poll commands as decisions, driven without Redis: given a state, when a command, then
these guards, reads and follow-up decisions — what the interpreter will carry out."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms import aggregate, poll_commands
from rooms.aggregate import fold
from rooms.decision import Decision, Guard, Read, Sealed
from rooms.model import Actor, Command, Event, Rejected
from rooms.polls import PollStatus, Ticket
from tests.rooms import contexts
from tests.rooms.test_polls import CHAIR, ELECTION, YNA, created, opened, who

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


def test_a_ballots_decision_and_its_steps_leave_no_reference_cycle() -> None:
    # Reference counting frees a ballot's decision as soon as it is answered; a cycle would
    # wait for the garbage collector, whose pass over a burst's 5,000 stalled every tablet.
    named, secret = opened(), opened(ELECTION)
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            d = cast(named, "D1", "yes")
            assert d.on_guard is not None
            look = d.on_guard(1, b"")
            assert look.then is not None
            look.then([None])
            s = cast(secret, "D1", ["o1"], poll="e1")
            assert s.on_guard is not None
            s.on_guard(1, b"1")
            del d, look, s
        assert gc.collect() == 0
    finally:
        gc.enable()


# ---- a secret ballot --------------------------------------------------------------------


def test_a_secret_ballot_records_who_voted_and_seals_what() -> None:
    d = cast(opened(ELECTION), "D1", ["o1"], poll="e1")
    assert [(g.op, g.key, g.field) for g in d.guards] == [
        ("eq", "polls", "e1"), ("setnx", "poll:e1:voters", "D1"), ("setnx", "poll:e1:sealed", "D1")]
    assert d.guards[1].value == "1"
    sealed = d.guards[2].value
    assert isinstance(sealed, Sealed)  # the shell encrypts it before it reaches Redis
    assert sealed.context == b"phonghop ballot|m1|e1"
    assert json.loads(sealed.plain) == {"c": ["o1"], "w": "1", "r": d.result["receipt_hash"]}


def test_every_sealed_ballot_of_a_poll_has_one_padded_size() -> None:
    events = opened(ELECTION)
    sizes = set()
    for voter, choice in (("D1", ["o1"]), ("D2", ["o1", "o2"]), ("D3", "abstain"), ("D1", [])):
        sealed = cast(events, voter, choice, poll="e1").guards[2].value
        assert isinstance(sealed, Sealed) and len(sealed.plain) <= sealed.size
        sizes.add(sealed.size)
    assert len(sizes) == 1


def test_a_secret_retry_is_told_apart_by_its_receipt() -> None:
    d = cast(opened(ELECTION), "D1", ["o1"], poll="e1")
    assert d.on_guard is not None
    look = d.on_guard(1, b"1")
    assert [r.op for r in look.reads] == ["hget", "sismember"]
    assert look.reads[0].sealed == b"phonghop ballot|m1|e1" and look.then is not None
    mine = json.dumps({"c": ["o1"], "w": "1", "r": d.result["receipt_hash"]}).encode()
    other_choice = json.dumps({"c": ["o2"], "w": "1", "r": d.result["receipt_hash"]}).encode()
    someone = json.dumps({"c": ["o1"], "w": "1", "r": "0" * 64}).encode()
    assert look.then([mine, False]).result["replayed"] is True
    assert refused(look.then, [other_choice, False]).code == "conflict"
    assert refused(look.then, [someone, False]).code == "duplicate"
    # A poll opened before ballots were sealed: its receipts set answers.
    assert look.then([None, True]).result["replayed"] is True
    assert refused(look.then, [None, False]).code == "duplicate"


def test_a_secret_poll_is_counted_from_its_opened_seals_and_they_are_dropped() -> None:
    events = opened(ELECTION)
    d = decide(events, "poll.close", CHAIR, {"poll": "e1"})
    assert [r.key for r in d.reads] == [
        "poll:e1:sealed", "poll:e1:voters", "poll:e1:box", "poll:e1:receipts"]
    assert d.then is not None
    sealed = {"D1": json.dumps({"c": ["o1"], "w": "1", "r": "a" * 64}).encode(),
              "D2": json.dumps({"c": ["o1", "o2"], "w": "1", "r": "b" * 64}).encode()}
    count = d.then([sealed, ["D1", "D2"], {}, []])
    [closed] = count.events
    assert closed.body["voted"] == ["D1", "D2"]
    assert closed.body["receipts"] == ["a" * 64, "b" * 64]
    assert "ballots" not in closed.body  # a secret poll lists nobody's choice
    assert Guard("drop", "poll:e1:sealed") in count.guards
    # More seals than voters (or fewer) is never counted.
    assert refused(d.then, [sealed, ["D1"], {}, []]).code == "internal"


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


# ---- the command rate of participants who are not staff ---------------------------------


def test_a_delegates_log_writing_command_carries_the_rate_guard_last() -> None:
    events = opened({**YNA, "allow_change": True})
    ctx = contexts.at(NOW)
    d = aggregate.decide(fold(events), Command("checkin.self", {}, who("D4")), ctx)
    assert d.events and d.guards[-1] == Guard("rate", "rate:cmd:D4", "10000", 30)
    assert d.on_guard is not None
    rej = refused(d.on_guard, len(d.guards) - 1, b"30")
    assert (rej.code, rej.details["limit"]) == ("rate_limited", 30)
    # The decision's own guards keep their places and meanings.
    assert refused(d.on_guard, 0, b"present|1|in_person|||").code in ("duplicate", "conflict")


def test_staff_commands_and_ballots_carry_no_command_rate() -> None:
    events = opened()
    chair = decide(events, "poll.create", CHAIR, {**YNA, "id": "p2"})
    assert not any(g.op == "rate" for g in chair.guards)
    ballot = cast(events, "D1", "yes")
    assert not any(g.op == "rate" for g in ballot.guards)


# ---- the stored records, put together from their parts ----------------------------------

_texts = st.text(max_size=40)
_choices = st.one_of(_texts, st.lists(_texts, max_size=5))


@given(_choices, _texts, _texts, _texts, _texts, st.lists(_texts, max_size=3))
def test_a_ballot_record_is_the_json_of_its_fields_in_key_order(
    choice: Any, weight: str, by: str, ballot_id: str, hashed: str, old: list[str]
) -> None:
    ticket = Ticket(poll=None, voter="V", by=by, weight=weight, choice=None)  # type: ignore[arg-type]
    record: dict[str, Any] = {"c": choice, "w": weight, "by": by, "b": ballot_id, "r": hashed}
    if old:
        record["old"] = old
    expected = json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert poll_commands._record(choice, ticket, ballot_id, hashed, old) == expected
    sealed = json.dumps({"c": choice, "r": hashed, "w": weight}, ensure_ascii=False,
                        separators=(",", ":"), sort_keys=True).encode()
    assert poll_commands._sealed_record(choice, weight, hashed) == sealed
