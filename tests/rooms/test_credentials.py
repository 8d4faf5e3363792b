"""Credential generations (rooms/credentials.py): reissue and badge sign-in move a
participant to a new generation, in the log; removal too, so adding the same id back never
revives an old link — given events / when command / then events (or a rejection)."""

from __future__ import annotations

from typing import Any

import pytest

from rooms import aggregate
from rooms.aggregate import fold
from rooms.attendance import rows
from rooms.credentials import SIGN_IN_RATE, generation, is_device, pinned_session
from rooms.decision import Decision
from rooms.model import Actor, Command, Event, Rejected, Role
from rooms.quorum import quorum
from tests.rooms.contexts import at, decide
from tests.rooms.test_settings import ADMIN, DELEGATE, SECRETARY, T0, given


def decision(events: list[Event], kind: str, body: dict[str, Any],
             actor: Actor = SECRETARY) -> Decision:
    return aggregate.decide(fold(events), Command(kind, body, actor), at(T0 + 100))


def refusal(events: list[Event], kind: str, body: dict[str, Any],
            actor: Actor = SECRETARY) -> Rejected:
    with pytest.raises(Rejected) as info:
        decision(events, kind, body, actor)
    return info.value


def test_a_reissue_is_a_logged_event_with_the_next_generation() -> None:
    events = given()
    assert generation(fold(events), "D1") == 0
    first = decision(events, "participant.reissue", {"id": "D1"})
    assert [(e.kind, e.body) for e in first.events] == [
        ("participant.reissued", {"id": "D1", "generation": 1})]
    assert first.result == {"id": "D1", "generation": 1}
    events += first.events
    events += decision(events, "participant.reissue", {"id": "D1"}).events
    state = fold(events)
    assert (generation(state, "D1"), generation(state, "D2")) == (2, 0)
    assert aggregate.audience("participant.reissued") == frozenset({Role.CHAIR, Role.SECRETARY})


def test_only_staff_reissue_and_only_participants_on_the_roster() -> None:
    assert refusal(given(), "participant.reissue", {"id": "D2"}, DELEGATE).code == "forbidden"
    assert refusal(given(), "participant.reissue", {"id": "NOBODY"}).code == "not_found"


def test_removing_and_adding_back_never_revives_an_old_generation() -> None:
    events = given()
    events += decision(events, "participant.reissue", {"id": "D1"}).events  # generation 1
    events += decide(fold(events), Command("participant.remove", {"id": "D1"}, SECRETARY), T0)
    assert generation(fold(events), "D1") == 2
    events += decide(fold(events), Command("participant.add", {
        "id": "D1", "full_name": "Đại biểu 1", "role": "delegate"}, SECRETARY), T0)
    state = fold(events)
    assert "D1" in state.participants and generation(state, "D1") == 2


def _checked_in(*extra: Event, **settings: Any) -> list[Event]:
    events = given(*extra, **settings)
    events += decide(fold(events), Command("checkin.manual", {"participant": "D1"}, SECRETARY),
                     T0 + 50)
    return events


def test_badge_sign_in_by_default_only_for_a_delegate_checked_in_at_the_desk() -> None:
    rej = refusal(given(), "participant.sign_in", {"id": "D1", "via": "badge"}, ADMIN)
    assert (rej.code, rej.details["reason"]) == ("forbidden", "not_checked_in")
    events = _checked_in()
    signed = decision(events, "participant.sign_in", {"id": "D1", "via": "badge"}, ADMIN)
    assert [(e.kind, e.body) for e in signed.events] == [
        ("participant.signed_in", {"id": "D1", "via": "badge", "generation": 1})]
    # rate limited per badge, in the same atomic step as the event
    [guard] = signed.guards
    assert (guard.op, guard.key, guard.value) == ("rate", "signin:D1", SIGN_IN_RATE.limit)
    assert signed.on_guard is not None
    with pytest.raises(Rejected) as info:
        signed.on_guard(0, b"")
    assert info.value.code == "rate_limited"
    assert generation(fold([*events, *signed.events]), "D1") == 1
    assert aggregate.audience("participant.signed_in") == frozenset({Role.CHAIR, Role.SECRETARY})


def test_badge_sign_in_follows_the_meeting_setting() -> None:
    off = refusal(_checked_in(badge_sign_in="off"), "participant.sign_in", {"id": "D1"}, ADMIN)
    assert (off.code, off.details["reason"]) == ("forbidden", "badge_sign_in_off")
    assert decision(given(badge_sign_in="open"), "participant.sign_in", {"id": "D2"},
                    ADMIN).events[0].body["generation"] == 1


def test_nobody_but_the_shell_sends_a_sign_in() -> None:
    for actor in (DELEGATE, SECRETARY, Actor("CT01", Role.CHAIR)):
        assert refusal(_checked_in(), "participant.sign_in", {"id": "D1"}, actor).code == \
            "forbidden"


def test_a_delegates_link_signs_in_without_a_new_generation_and_pins_the_voting_session() -> None:
    # badge_sign_in is "off": a join link is the delegate's own, no badge rule applies.
    events = given(badge_sign_in="off")
    signed = decision(events, "participant.sign_in", {"id": "D1", "via": "link",
                                                      "session": "s1"}, ADMIN)
    assert [(e.kind, e.body) for e in signed.events] == [
        ("participant.signed_in", {"id": "D1", "via": "link", "session": "s1"})]
    events += signed.events
    state = fold(events)
    d1, chair = state.participants["D1"], state.participants["CT01"]
    assert (generation(state, "D1"), pinned_session(state, d1)) == (0, "s1")
    # A second device moves the pin; staff are never pinned (the desk on two laptops).
    events += decision(events, "participant.sign_in", {"id": "D1", "via": "link",
                                                       "session": "s2"}, ADMIN).events
    staff = decision(events, "participant.sign_in", {"id": "CT01", "via": "link",
                                                     "session": "c1"}, ADMIN)
    assert "session" not in staff.events[0].body
    events += staff.events
    assert (pinned_session(fold(events), d1), pinned_session(fold(events), chair)) == ("s2", "")
    # A new generation (here a reissue) drops the pin: the new link opens again.
    events += decision(events, "participant.reissue", {"id": "D1"}).events
    assert (generation(fold(events), "D1"), pinned_session(fold(events), d1)) == (1, "")


def test_under_seat_tablets_a_badge_signs_in_only_at_a_paired_seat_tablet() -> None:
    events = given(badge_sign_in="seat_tablets")
    # A photo of the badge, sent from any phone: refused, and nothing to append.
    for body in ({"id": "D1"}, {"id": "D1", "via": "badge"}):
        rej = refusal(events, "participant.sign_in", body, ADMIN)
        assert (rej.code, rej.details["reason"]) == ("forbidden", "not_a_seat_tablet")
    # At a seat tablet (the shell says so): signed in, no check-in at the desk needed, a new
    # generation ends the delegate's other sessions, and the log says where.
    signed = decision(events, "participant.sign_in", {"id": "D1", "via": "seat",
                                                      "session": "t1"}, ADMIN)
    assert [(e.kind, e.body) for e in signed.events] == [
        ("participant.signed_in", {"id": "D1", "via": "seat", "generation": 1,
                                   "session": "t1"})]
    state = fold([*events, *signed.events])
    assert (generation(state, "D1"), pinned_session(state, state.participants["D1"])) == \
        (1, "t1")
    # A join link is the delegate's own: no badge rule applies to it.
    assert decision(events, "participant.sign_in", {"id": "D1", "via": "link"},
                    ADMIN).events[0].body["via"] == "link"


def test_a_seat_tablet_follows_the_other_settings_as_a_badge_would() -> None:
    seat = {"id": "D1", "via": "seat"}
    off = refusal(_checked_in(badge_sign_in="off"), "participant.sign_in", seat, ADMIN)
    assert off.details["reason"] == "badge_sign_in_off"
    assert refusal(given(), "participant.sign_in", seat, ADMIN).details["reason"] == \
        "not_checked_in"
    assert decision(_checked_in(), "participant.sign_in", seat, ADMIN).events[0].body == \
        {"id": "D1", "via": "seat", "generation": 1}
    assert decision(given(badge_sign_in="open"), "participant.sign_in", seat,
                    ADMIN).events[0].body["generation"] == 1


def test_pairing_a_seat_tablet_adds_one_observer_that_attends_nothing() -> None:
    events = given()
    paired = decision(events, "device.pair", {"kind": "seat"})
    assert [(e.kind, e.body.get("id"), e.body.get("role")) for e in paired.events] == [
        ("participant.added", "SEATS", "observer"), ("device.paired", "SEATS", None)]
    assert paired.result == {"id": "SEATS", "kind": "seat", "role": "observer",
                             "generation": 0}
    events += paired.events
    # A second tablet pairs with the same participant and appends nothing.
    again = decision(events, "device.pair", {"kind": "seat"})
    assert (again.events, again.result["id"]) == ([], "SEATS")
    state = fold(events)
    assert is_device(state, "SEATS")
    assert "SEATS" not in [row.participant.id for row in rows(state)]
    assert quorum(state).entitled == quorum(fold(given())).entitled
    # Reissuing it moves every seat tablet's credential to a new generation.
    events += decision(events, "participant.reissue", {"id": "SEATS"}).events
    assert generation(fold(events), "SEATS") == 1
