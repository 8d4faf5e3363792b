"""Polls: the lifecycle table, definitions, the snapshot frozen at opening, eligibility, the
secret box's counters and the closing count — given events, when a command, then events."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest

from rooms import polls
from rooms.aggregate import authorize, evolve, fold, project, snapshot
from rooms.ballots import PollSpec, validate_ballot
from rooms.majority import parse_rule
from rooms.model import Actor, Command, Event, Rejected, Role
from rooms.polls import TRANSITIONS, BallotBox, NamedBallot, PollStatus
from rooms.state import MeetingState
from rooms.tally import Total, tally
from tests.rooms.contexts import decide, decide_create

T0 = 1_732_000_000_000
ADMIN = Actor.admin()
CHAIR = Actor("C1", Role.CHAIR)
SEC = Actor("S1", Role.SECRETARY)


def who(pid: str) -> Actor:
    role = {"C": Role.CHAIR, "S": Role.SECRETARY, "O": Role.OBSERVER, "H": Role.SCREEN}
    return Actor(pid, role.get(pid[0], Role.DELEGATE))


def given(
    *extra: Event, delegates: int = 6, weights: dict[str, str] | None = None,
    checked_in: tuple[str, ...] = ("C1", "S1", "D1", "D2", "D3"),
    proxies: dict[str, str] | None = None, settings: dict[str, Any] | None = None,
) -> list[Event]:
    """A meeting, open, with a chair, a secretary, delegates D1..Dn, an observer and a screen;
    `checked_in` are present and `proxies` maps an absent giver to a present holder."""
    body: dict[str, Any] = {"title": "Đại hội", "settings": settings or {}}
    created = decide_create("m1", Command("meeting.create", body, ADMIN), T0)
    people = [{"id": "C1", "full_name": "Chủ tọa", "role": "chair"},
              {"id": "S1", "full_name": "Thư ký", "role": "secretary"},
              {"id": "O1", "full_name": "Khách mời", "role": "observer"},
              {"id": "H1", "full_name": "Màn hình", "role": "screen"}]
    people += [{"id": f"D{n}", "full_name": f"Đại biểu {n}", "role": "delegate",
                "weight": (weights or {}).get(f"D{n}", "1")} for n in range(1, delegates + 1)]
    events = [*created, Event("roster.imported", {"participants": people}, "@admin", T0 + 1),
              Event("meeting.opened", {}, "C1", T0 + 2)]
    events += [Event("attendance.checked_in", {"participant": p, "mode": "in_person",
                                               "via": "manual"}, "S1", T0 + 3)
               for p in checked_in]
    events += [Event("proxy.granted", {"from": a, "to": h}, "S1", T0 + 4)
               for a, h in (proxies or {}).items()]
    return [*events, *extra]


def when(events: list[Event], kind: str, actor: Actor = CHAIR,
         body: dict[str, Any] | None = None, now: int = T0 + 100) -> list[Event]:
    return decide(fold(events), Command(kind, body or {}, actor), now)


def rejected(events: list[Event], kind: str, actor: Actor = CHAIR,
             body: dict[str, Any] | None = None) -> Rejected:
    with pytest.raises(Rejected) as info:
        when(events, kind, actor, body)
    return info.value


YNA = {"id": "p1", "title": "Thông qua chương trình", "method": "yes_no_abstain",
       "rule": "more than 1/2 of delegates present"}
ELECTION = {"id": "e1", "title": "Bầu Ủy ban", "method": "approval", "secret": True,
            "candidates": ["An", "Bình", "Chi", "Dũng"], "seats": 2,
            "rule": "more than 1/2 of valid ballots"}


def created(body: dict[str, Any] = YNA, **kw: Any) -> list[Event]:
    events = given(**kw)
    return events + when(events, "poll.create", CHAIR, body)


def opened(body: dict[str, Any] = YNA, **kw: Any) -> list[Event]:
    events = created(body, **kw)
    return events + when(events, "poll.open", CHAIR, {"poll": body["id"]}, now=T0 + 200)


def state_of(events: list[Event]) -> MeetingState:
    return fold(events)


def ballot(events: list[Event], voter: str, choice: Any, poll: str = "p1",
           on_behalf_of: str | None = None) -> polls.Ticket:
    body: dict[str, Any] = {"poll": poll, "choice": choice, "ballot_id": "b-" + voter}
    if on_behalf_of:
        body["on_behalf_of"] = on_behalf_of
    state = state_of(events)
    authorize(state, Command("ballot.cast", body, who(voter)))
    return polls.check_ballot(state, who(voter), body)


# ---- the lifecycle table -----------------------------------------------------------------


@pytest.mark.parametrize("status", list(PollStatus))
@pytest.mark.parametrize("kind", ["poll.open", "poll.close", "poll.publish", "poll.cancel"])
def test_the_table_allows_exactly_its_pairs(status: PollStatus, kind: str) -> None:
    if (status, kind) in TRANSITIONS:
        event, nxt = polls.transition(status, kind)
        if event:
            assert polls.EVENT_STATUS[event] == nxt
        else:
            # Stopping the ballots is a status in Redis only: no event leads to it.
            assert (kind, nxt) == ("poll.close", PollStatus.CLOSING)
            assert nxt not in polls.EVENT_STATUS.values()
    else:
        with pytest.raises(Rejected) as info:
            polls.transition(status, kind)
        assert info.value.code == "invalid_state"
        assert info.value.details == {"poll_status": status.value}


def test_closing_is_a_step_between_open_and_closed() -> None:
    assert polls.transition(PollStatus.OPEN, "poll.close") == ("", PollStatus.CLOSING)
    assert polls.transition(PollStatus.CLOSING, "poll.count") == (
        "poll.closed", PollStatus.CLOSED)
    for status in set(PollStatus) - {PollStatus.CLOSING}:
        with pytest.raises(Rejected):
            polls.transition(status, "poll.count")


def test_a_published_or_cancelled_poll_is_final() -> None:
    finals = {PollStatus.PUBLISHED, PollStatus.CANCELLED}
    assert not [pair for pair in TRANSITIONS if pair[0] in finals]


# ---- creating -----------------------------------------------------------------------------


def test_create_records_the_whole_definition() -> None:
    [event] = when(given(), "poll.create", SEC, ELECTION)
    assert event.kind == "poll.created" and event.actor == "S1"
    assert event.body == {
        "poll": "e1", "title": "Bầu Ủy ban", "method": "approval",
        "options": [{"id": "o1", "label": "An"}, {"id": "o2", "label": "Bình"},
                    {"id": "o3", "label": "Chi"}, {"id": "o4", "label": "Dũng"}],
        "min": 0, "max": None, "seats": 2, "allow_abstain": True, "secret": True,
        "rule": "more than 1/2 of valid ballots", "quorum": None, "allow_change": False,
        "live_tally": False, "timer": None, "agenda_item": None,
    }
    poll = polls.get_poll(fold([*given(), event]), "e1")
    assert poll.status == PollStatus.DRAFT
    assert poll.definition.spec == PollSpec.approval(("o1", "o2", "o3", "o4"), seats=2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rule": None}, "needs a majority rule"),
        ({"rule": "mostly everyone"}, "cannot read rule"),
        ({"quorum": "more than 1/2 of valid ballots"}, "quorum"),
        ({"options": ["x"]}, "takes no options"),
        ({"title": "  "}, "needs a title"),
        ({"id": "a b"}, "poll id"),
    ],
)
def test_create_refuses_a_poll_that_cannot_be_counted(change: dict[str, Any], message: str) -> None:
    body = {k: v for k, v in {**YNA, **change}.items() if v is not None}
    err = rejected(given(), "poll.create", CHAIR, body)
    assert err.code == "invalid" and message in err.message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seats": 5}, "seats"),
        ({"seats": None}, "seats"),
        ({"candidates": [{"id": "abstain", "label": "x"}]}, "option id"),
        ({"candidates": [{"id": "a|b", "label": "x"}]}, "option id"),
        ({"candidates": ["A", "A"], "seats": 1, "secret": False}, None),
        ({"allow_change": True}, "cannot allow changing"),
        ({"live_tally": True}, "never shows a live tally"),
    ],
)
def test_create_refuses_bad_elections(change: dict[str, Any], message: str | None) -> None:
    body = {k: v for k, v in {**ELECTION, **change}.items() if v is not None}
    if message is None:  # same labels, distinct ids: two people may share a name
        assert when(given(), "poll.create", CHAIR, body)
        return
    err = rejected(given(), "poll.create", CHAIR, body)
    assert err.code == "invalid" and message in err.message


def test_create_refuses_a_second_poll_with_the_same_id_and_delegates() -> None:
    assert rejected(created(), "poll.create", CHAIR, YNA).code == "duplicate"
    assert rejected(given(), "poll.create", who("D1"), YNA).code == "forbidden"


# ---- opening: the frozen snapshot ----------------------------------------------------------


def test_opening_freezes_entitled_present_and_who_casts_for_whom() -> None:
    events = created(weights={"D2": "1.5"}, checked_in=("C1", "S1", "D1", "D2", "O1"),
                     proxies={"D3": "D1", "D4": "D2"})
    [event] = when(events, "poll.open", CHAIR, {"poll": "p1"}, now=T0 + 500)
    assert event.kind == "poll.opened"
    snap = event.body["snapshot"]
    # Chair, secretary and six delegates are entitled; the observer and screen are not.
    assert snap["entitled"] == {"count": 8, "weight": "8.5"}
    assert snap["present"] == {"count": 4, "weight": "4.5"}
    assert snap["voters"] == {"C1": "1", "S1": "1", "D1": "1", "D2": "1.5", "D3": "1", "D4": "1"}
    assert snap["proxies"] == {"D3": "D1", "D4": "D2"}
    assert snap["eligible"] == {"count": 6, "weight": "6.5"}
    assert event.body["base"] == "present"
    assert event.body["rule"]["strict"] is True and event.body["rule"]["fraction"] == "1/2"
    assert event.body["quorum"]["required"] is False  # the meeting's rule, recorded
    assert event.body["closes_at"] is None
    poll = polls.get_poll(fold([*events, event]), "p1")
    assert poll.status == PollStatus.OPEN and poll.opened_at == T0 + 500


def test_attendance_after_opening_changes_nothing_in_the_poll() -> None:
    events = opened()
    later = Event("attendance.checked_in", {"participant": "D5", "mode": "in_person",
                                            "via": "manual"}, "S1", T0 + 300)
    state = fold([*events, later])
    assert "D5" not in polls.get_poll(state, "p1").snapshot.voters  # type: ignore[union-attr]
    # A ballot is decided like any command (rooms/poll_commands.py); this one names no poll.
    assert rejected([*events, later], "ballot.cast", who("D5")).code == "not_found"
    with pytest.raises(Rejected) as info:
        ballot([*events, later], "D5", "yes")
    assert info.value.details["reason"] == "not_eligible"
    assert "not checked in" in info.value.message


def test_a_required_quorum_refuses_to_open_and_records_nothing() -> None:
    body = {**YNA, "quorum": "more than 1/2 of all delegates"}
    # 8 entitled, 4 present: not more than half.
    err = rejected(created(body, checked_in=("C1", "S1", "D1", "D2")), "poll.open", CHAIR,
                   {"poll": "p1"})
    assert err.code == "invalid_state" and "no quorum" in err.message
    assert err.details["quorum"]["met"] is False
    [event] = when(created(body), "poll.open", CHAIR, {"poll": "p1"})  # 5 of 8
    assert event.body["quorum"] == {
        "rule": "more than 1/2 of all delegates", "required": True, "met": True,
        "present": {"count": 5, "weight": "5"}, "entitled": {"count": 8, "weight": "8"},
    }


def test_quorum_is_measured_on_weight() -> None:
    body = {**YNA, "quorum": "more than 1/2 of all delegates"}
    # 4 of 8 heads present, but D1 weighs 3: 6 of 10.
    events = created(body, checked_in=("C1", "S1", "D1", "D2"), weights={"D1": "3"})
    [event] = when(events, "poll.open", CHAIR, {"poll": "p1"})
    assert event.body["quorum"]["met"] is True


def test_a_poll_opens_only_in_an_open_meeting_and_with_someone_to_vote() -> None:
    events = created()
    adjourned = [*events, Event("meeting.adjourned", {}, "C1", T0 + 50)]
    assert rejected(adjourned, "poll.open", CHAIR, {"poll": "p1"}).code == "invalid_state"
    nobody = created(checked_in=())
    err = rejected(nobody, "poll.open", CHAIR, {"poll": "p1"})
    assert err.code == "invalid_state" and "nobody is eligible" in err.message


def test_without_required_check_in_every_entitled_delegate_votes() -> None:
    events = created(checked_in=(), settings={"require_check_in": False})
    [event] = when(events, "poll.open", CHAIR, {"poll": "p1"})
    snap = event.body["snapshot"]
    assert snap["present"] == snap["entitled"] == snap["eligible"] == {"count": 8, "weight": "8"}


def test_a_proxy_is_one_level_and_needs_a_present_holder() -> None:
    # D4 holds D5's proxy but is absent: D5's proxy lapses, nobody casts it.
    events = created(checked_in=("C1", "D1", "D2"), proxies={"D3": "D1", "D5": "D4"})
    [event] = when(events, "poll.open", CHAIR, {"poll": "p1"})
    assert event.body["snapshot"]["proxies"] == {"D3": "D1"}
    assert "D5" not in event.body["snapshot"]["voters"]


def test_a_timer_sets_the_deadline() -> None:
    events = created({**YNA, "timer": 90})
    [event] = when(events, "poll.open", CHAIR, {"poll": "p1"}, now=T0 + 1000)
    assert event.body["closes_at"] == T0 + 1000 + 90_000


# ---- eligibility of a ballot --------------------------------------------------------------


def test_a_present_delegate_casts_their_own_ballot_with_their_weight() -> None:
    events = opened(weights={"D2": "2.5"})
    ticket = ballot(events, "D2", "yes")
    assert (ticket.voter, ticket.by, ticket.weight, ticket.choice.selected) == (
        "D2", "D2", "2.5", ("yes",))
    assert ballot(events, "C1", "no").voter == "C1"  # the chair is a delegate too


def test_a_proxy_holder_casts_the_absent_delegates_ballot_separately() -> None:
    events = opened(proxies={"D4": "D1"})
    own, proxy = ballot(events, "D1", "yes"), ballot(events, "D1", "no", on_behalf_of="D4")
    assert (own.voter, own.by) == ("D1", "D1")
    assert (proxy.voter, proxy.by, proxy.choice.selected) == ("D4", "D1", ("no",))


@pytest.mark.parametrize(
    ("voter", "choice", "on_behalf_of", "code", "reason"),
    [
        ("D2", "yes", "D4", "forbidden", "no_proxy"),  # names a delegate without their proxy
        ("D2", "yes", "D3", "forbidden", "no_proxy"),  # another present delegate
        ("D4", "yes", None, "forbidden", "represented"),  # gave the proxy away
        ("D5", "yes", None, "forbidden", "not_eligible"),  # not checked in
        ("D1", "maybe", None, "invalid", "unknown_option"),
        ("D1", ["yes"], None, "invalid", "bad_choice"),
    ],
)
def test_ballots_that_are_refused(
    voter: str, choice: Any, on_behalf_of: str | None, code: str, reason: str
) -> None:
    events = opened(proxies={"D4": "D1"})
    with pytest.raises(Rejected) as info:
        ballot(events, voter, choice, on_behalf_of=on_behalf_of)
    assert (info.value.code, info.value.details["reason"]) == (code, reason)


@pytest.mark.parametrize("actor", ["O1", "H1"])
def test_observers_and_screens_never_vote(actor: str) -> None:
    events = opened(checked_in=("C1", "D1", "O1"))
    with pytest.raises(Rejected) as info:
        ballot(events, actor, "yes")
    assert info.value.code == "forbidden"


def test_ballots_for_unknown_draft_or_closed_polls_are_refused() -> None:
    with pytest.raises(Rejected) as info:
        ballot(opened(), "D1", "yes", poll="nope")
    assert info.value.code == "not_found"
    with pytest.raises(Rejected) as info:
        ballot(created(), "D1", "yes")
    assert info.value.code == "invalid_state" and info.value.details["poll_status"] == "draft"
    events = opened()
    closed = events + polls.decide_close(state_of(events), Command(
        "poll.close", {"poll": "p1"}, CHAIR), T0 + 300, BallotBox())
    with pytest.raises(Rejected) as info:
        ballot(closed, "D1", "yes")
    assert info.value.code == "invalid_state" and info.value.details["poll_status"] == "closed"


@pytest.mark.parametrize(
    ("choice", "reason"),
    [(["o1", "o2", "o3"], "too_many_choices"), (["o9"], "unknown_option"),
     (["o1", "o1"], "duplicate_choice"), ("o1", "bad_choice")],
)
def test_election_ballots_with_wrong_names_are_refused(choice: Any, reason: str) -> None:
    with pytest.raises(Rejected) as info:
        ballot(opened(ELECTION), "D1", choice, poll="e1")
    assert info.value.details["reason"] == reason


def test_multiple_choice_bounds() -> None:
    body = {"id": "m1", "title": "Chọn chủ đề", "method": "multiple",
            "options": ["A", "B", "C", "D"], "min": 2, "max": 3}
    events = opened(body)
    with pytest.raises(Rejected) as info:
        ballot(events, "D1", ["o1"], poll="m1")
    assert info.value.details["reason"] == "too_few_choices"
    assert ballot(events, "D1", ["o3", "o1"], poll="m1").choice.selected == ("o1", "o3")


# ---- the secret box -----------------------------------------------------------------------


def test_the_box_has_every_counter_from_the_opening_in_a_fixed_order() -> None:
    events = opened(ELECTION, weights={"D1": "2", "D2": "1.50"})
    poll = polls.get_poll(state_of(events), "e1")
    fields = polls.counter_fields(poll)
    per_weight = ["v|{w}", "b|{w}", *(f"o|{{w}}|o{n}" for n in range(1, 5))]
    assert fields == [f.format(w=w) for w in ("1", "1.5", "2") for f in per_weight]
    choice = validate_ballot(poll.definition.spec, ["o3", "o1"])
    assert polls.counter_increments(choice, "1.5") == ["v|1.5", "o|1.5|o1", "o|1.5|o3"]
    blank = validate_ballot(poll.definition.spec, [])
    assert polls.counter_increments(blank, "1") == ["v|1", "b|1"]
    assert not any(pid in f for f in fields for pid in ("C1", "S1", "D1", "D2"))


@pytest.mark.parametrize("seed", range(25))
def test_counters_give_the_same_result_as_the_ballots(seed: int) -> None:
    rng = random.Random(seed)
    spec = rng.choice([
        PollSpec.approval([f"c{n}" for n in range(7)], seats=rng.randint(1, 6)),
        PollSpec.multiple(["a", "b", "c", "d"], min=rng.randint(0, 2), max=4),
        PollSpec.single(["x", "y", "z"]),
        PollSpec.yes_no_abstain(),
    ])
    ballots = []
    counters: dict[str, int] = {}
    for _ in range(rng.randint(1, 60)):
        weight = rng.choice(["1", "1", "1", "2", "0.5"])
        if rng.random() < 0.15 and spec.allow_abstain:
            raw: Any = "abstain"
        elif spec.method in ("single", "yes_no_abstain"):
            raw = rng.choice(spec.choosable)
        else:
            low = spec.min if spec.method == "multiple" else 0
            raw = rng.sample(spec.choosable, rng.randint(low, spec.max_choices))
        choice = validate_ballot(spec, raw)
        ballots.append((choice, Decimal(weight)))
        for f in polls.counter_increments(choice, weight):
            counters[f] = counters.get(f, 0) + 1
    rule = parse_rule("more than 1/2 of valid ballots")
    snapshot = {"entitled": Total.of(200, 300), "present": Total.of(150, 250)}
    dealt = polls.ballots_from_counters(spec, counters)
    for choice, _ in dealt:  # every dealt ballot is one the poll would accept (blank: abstain)
        assert validate_ballot(spec, choice.to_json() if choice.selected else "abstain")
    assert tally(spec, rule, dealt, **snapshot) == tally(spec, rule, ballots, **snapshot)


# ---- closing and publishing ---------------------------------------------------------------


def close(events: list[Event], box: BallotBox, poll: str = "p1") -> Event:
    [event] = polls.decide_close(state_of(events), Command("poll.close", {"poll": poll}, CHAIR),
                                 T0 + 900, box)
    return event


def named(voter: str, choice: Any, weight: str = "1", by: str | None = None) -> NamedBallot:
    return NamedBallot(voter, by or voter, choice, weight, f"h-{voter}")


def test_closing_a_named_poll_records_every_ballot_and_the_result() -> None:
    events = opened(proxies={"D4": "D1"})
    box = BallotBox(named=(named("D2", "no"), named("D1", "yes"),
                           named("D4", "yes", by="D1"), named("C1", "abstain")))
    event = close(events, box)
    b = event.body
    assert b["ballots"] == [
        {"voter": "C1", "choice": "abstain", "weight": "1"},
        {"voter": "D1", "choice": "yes", "weight": "1"},
        {"voter": "D2", "choice": "no", "weight": "1"},
        {"voter": "D4", "choice": "yes", "weight": "1", "by": "D1"},
    ]
    # more than 1/2 of the 5 present: 2 yes is not enough.
    assert b["result"]["passed"] is False and b["outcome"] == {"decision": "failed"}
    assert b["result"]["base_total"] == {"count": 5, "weight": "5"}
    yes = b["result"]["options"][0]
    assert yes == {"option": "yes", "count": 2, "weight": "2", "percent_of_base": "40.00",
                   "percent_of_entitled": "25.00", "passed": False}
    assert b["counts"] == {"eligible": {"count": 6, "weight": "6"},
                           "voted": {"count": 4, "weight": "4"}, "ballots": 4, "receipts": 4}
    assert b["receipts"] == ["h-C1", "h-D1", "h-D2", "h-D4"]
    assert b["receipts_digest"] == polls.receipts_digest(["h-D4", "h-C1", "h-D2", "h-D1"])
    state = fold([*events, event])
    assert polls.get_poll(state, "p1").status == PollStatus.CLOSED


def test_a_stored_ballot_that_does_not_fit_the_snapshot_stops_the_count() -> None:
    events = opened()
    with pytest.raises(Rejected) as info:
        close(events, BallotBox(named=(named("D5", "yes"),)))  # D5 was not eligible
    assert info.value.code == "internal"
    with pytest.raises(Rejected):
        close(events, BallotBox(named=(named("D1", "yes", weight="2"),)))


def test_closing_a_secret_election_keeps_counts_and_reports_a_tie_at_the_last_seat() -> None:
    events = opened(ELECTION)
    poll = polls.get_poll(state_of(events), "e1")
    counters = dict.fromkeys(polls.counter_fields(poll), 0)
    # 5 ballots: An 4, Bình 3, Chi 3, Dũng 1 — Bình and Chi tie for the second seat.
    for names in (["o1", "o2"], ["o1", "o3"], ["o1", "o2"], ["o1", "o3"], ["o2", "o3"]):
        choice = validate_ballot(poll.definition.spec, names)
        for f in polls.counter_increments(choice, "1"):
            counters[f] += 1
    box = BallotBox(counters=counters, voted=frozenset({"D1", "D2", "D3", "C1", "S1"}),
                    receipts=frozenset({"r5", "r1", "r3", "r2", "r4"}))
    b = close(events, box, "e1").body
    assert b["outcome"] == {"decision": "tied", "elected": ["o1"], "tied": ["o2", "o3"],
                            "seats_open": 1}
    assert b["voted"] == ["C1", "D1", "D2", "D3", "S1"]
    assert b["receipts"] == ["r1", "r2", "r3", "r4", "r5"]
    assert "ballots" not in b
    assert b["counts"]["voted"] == {"count": 5, "weight": "5"}


def test_results_reach_delegates_and_the_screen_only_when_published() -> None:
    events = opened()
    closed = [*events, close(events, BallotBox(named=(named("D1", "yes"),)))]
    event = closed[-1]
    assert project(event, Role.CHAIR) == event.body
    for role in (Role.DELEGATE, Role.SCREEN, Role.OBSERVER):
        seen = project(event, role)
        assert seen is not None and "result" not in seen and "ballots" not in seen
        assert seen["counts"]["ballots"] == 1
    view = snapshot(fold(closed), Role.DELEGATE, "D1")["polls"][0]
    assert view["status"] == "closed" and "result" not in view
    assert rejected(closed, "poll.publish", who("D1"), {"poll": "p1"}).code == "forbidden"
    [published] = when(closed, "poll.publish", CHAIR, {"poll": "p1"})
    assert published.body["result"] == event.body["result"]
    assert "receipts" not in published.body and "ballots" not in published.body
    assert published.body["receipts_digest"] == event.body["receipts_digest"]
    state = fold([*closed, published])
    view = snapshot(state, Role.DELEGATE, "D1")["polls"][0]
    assert view["status"] == "published" and view["result"]["passed"] is False
    assert view["outcome"] == {"decision": "failed"}  # 1 yes of 5 present


def test_opening_event_tells_tablets_counts_not_every_voter() -> None:
    events = opened(proxies={"D4": "D1"})
    event = events[-1]
    assert "voters" in project(event, Role.SECRETARY)["snapshot"]  # type: ignore[index]
    seen = project(event, Role.DELEGATE)
    assert seen is not None and "voters" not in seen["snapshot"]
    assert seen["snapshot"]["eligible"] == {"count": 6, "weight": "6"}
    view = snapshot(fold(events), Role.DELEGATE, "D1")["polls"][0]
    assert view["may_cast_for"] == ["D1", "D4"]
    assert snapshot(fold(events), Role.DELEGATE, "D5")["polls"][0]["may_cast_for"] == []


def test_cancel_from_draft_or_open_but_never_after_closing() -> None:
    [event] = when(created(), "poll.cancel", CHAIR, {"poll": "p1", "reason": "nhầm"})
    assert event.body == {"poll": "p1", "reason": "nhầm"}
    assert when(opened(), "poll.cancel", CHAIR, {"poll": "p1"})[0].kind == "poll.cancelled"
    events = opened()
    closed = [*events, close(events, BallotBox())]
    assert rejected(closed, "poll.cancel", CHAIR, {"poll": "p1"}).code == "invalid_state"
    cancelled = [*created(), event]
    assert rejected(cancelled, "poll.open", CHAIR, {"poll": "p1"}).code == "invalid_state"
    assert polls.get_poll(fold(cancelled), "p1").status == PollStatus.CANCELLED


def test_the_admin_does_not_vote() -> None:
    with pytest.raises(Rejected) as info:
        polls.check_ballot(state_of(opened()), ADMIN, {"poll": "p1", "choice": "yes",
                                                       "ballot_id": "x"})
    assert info.value.code == "forbidden"


def test_evolve_keeps_the_polls_in_the_log_order() -> None:
    events = given()
    events += when(events, "poll.create", CHAIR, YNA)
    events += when(events, "poll.create", CHAIR, {**YNA, "id": "p0"})
    state = fold(events)
    assert list(polls.polls_of(state).polls) == ["p1", "p0"]
    assert evolve(state, Event("poll.cancelled", {"poll": "p0"}, "C1", T0)).seq == state.seq


def test_cast_by_reads_the_proxies_and_agrees_with_the_voter_list() -> None:
    rng = random.Random(7)
    voters = {f"D{i}": "1" for i in range(40)}
    absent = rng.sample(sorted(voters), 12)
    holders = [v for v in voters if v not in absent]
    proxies = {a: rng.choice(holders[:5]) for a in absent[:8]}
    snap = polls.Snapshot(entitled=Total(0, Decimal(0)), present=Total(0, Decimal(0)),
                          voters=voters, proxies=proxies, check_in_required=True)
    for pid in [*voters, "S1", "X"]:
        expected = sorted(v for v in voters if snap.caster(v) == pid)
        assert snap.cast_by(pid) == expected, pid
        # The shortcut a poll's opening takes for each tablet says the same.
        assert snap.casts_own_only(pid) == (expected == [pid]), pid
    holder = holders[0]
    assert holder in snap.cast_by(holder) and len(snap.cast_by(holder)) > 1
    assert snap.cast_by(absent[0]) == []  # gave its proxy away
    assert snap.cast_by("X") == []  # not a voter
