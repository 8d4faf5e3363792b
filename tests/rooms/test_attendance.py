"""Attendance and proxies, pure: given events / when a command / then events or a rejection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pytest

from rooms import aggregate
from rooms import attendance as att
from rooms.attendance import rows, search, snapshot_part
from rooms.attendance_state import attendance
from rooms.model import Actor, Command, Event, Rejected, Role
from rooms.proxies import holders
from rooms.quorum import quorum
from rooms.quorum_history import quorum_at
from rooms.state import MeetingState
from tests.rooms import contexts

T0 = 1_763_598_600_000  # 2025-11-20 07:30 in Hà Nội
MIN = 60_000

SECRETARY = Actor("S1", Role.SECRETARY)


def person(
    pid: str, name: str, role: str = "delegate", weight: str = "1", **extra: str
) -> dict[str, str]:
    return {"id": pid, "full_name": name, "role": role, "delegation": extra.get("delegation", ""),
            "title": "", "seat": extra.get("seat", ""), "weight": weight}


ROSTER = [
    person("C1", "Dương Xuân Hải", "chair"),
    person("S1", "Trần Kim Yến", "secretary"),
    person("D1", "Nguyễn Văn Hùng", delegation="Đoàn Hạ Long", seat="B12"),
    person("D2", "Lê Thị Hoa", delegation="Đoàn Cẩm Phả"),
    person("D3", "Phạm Đức Anh", delegation="Đoàn Uông Bí"),
    person("D4", "Nguyễn Văn Hưng", delegation="Đoàn Hạ Long"),
    person("O1", "Khách Mời", "observer"),
    person("H1", "Màn hình hội trường", "screen"),
]


def created(quorum_rule: str = "more than 1/2 of delegates present", **settings: Any) -> Event:
    return Event("meeting.created", {"id": "m1", "title": "Đại hội", "quorum": quorum_rule,
                                     "settings": settings}, "@admin", T0 - 60 * MIN)


def given(*events: Event, roster: Iterable[Mapping[str, Any]] = ROSTER,
          **settings: Any) -> MeetingState:
    base = [created(**settings),
            Event("roster.imported", {"participants": list(roster)}, "@admin", T0 - 50 * MIN)]
    return aggregate.fold([*base, *events])


def when(state: MeetingState, kind: str, body: Mapping[str, Any], actor: Actor = SECRETARY,
         at: int = T0) -> list[Event]:
    return list(aggregate.decide(state, Command(kind, dict(body), actor), contexts.at(at)).events)


def rejected(state: MeetingState, kind: str, body: Mapping[str, Any],
             actor: Actor = SECRETARY) -> Rejected:
    with pytest.raises(Rejected) as info:
        when(state, kind, body, actor)
    return info.value


def checked_in(pid: str, at: int = T0, via: str = "badge", mode: str = "in_person",
               device: str = "") -> Event:
    body = {"participant": pid, "mode": mode, "via": via}
    if device:
        body["device"] = device
    return Event("attendance.checked_in", body, "S1", at)


def then_state(state: MeetingState, events: list[Event]) -> MeetingState:
    for event in events:
        state = aggregate.evolve(state, event)
    return state


# ---- check-in paths ------------------------------------------------------------------------


def test_a_scanned_badge_checks_the_delegate_in() -> None:
    events = when(given(), "checkin.scan", {"token": "badge:D1"})
    assert [(e.kind, dict(e.body)) for e in events] == [
        ("attendance.checked_in", {"participant": "D1", "mode": "in_person", "via": "badge"})
    ]
    record = attendance(then_state(given(), events)).record("D1")
    assert (record.status, record.at, record.first_in) == ("present", T0, T0)


def test_a_scan_without_a_verified_participant_is_refused() -> None:
    # The rule under the pipeline: a scan event needs the participant the shell read off
    # the badge, never a raw token.
    cmd = Command("checkin.scan", {"token": "whatever"}, Actor("S1", Role.SECRETARY))
    with pytest.raises(Rejected) as info:
        att.decide_scan(given(), cmd, T0)
    assert info.value.code == "invalid"


def test_an_unreadable_badge_is_refused_by_the_context() -> None:
    assert rejected(given(), "checkin.scan", {"token": "whatever"}).code == "bad_token"


def test_a_badge_of_someone_off_the_roster_is_not_found() -> None:
    rej = rejected(given(), "checkin.scan", {"token": "badge:GONE"})
    assert (rej.code, rej.details["reason"]) == ("not_found", "bad_badge")


def test_a_rescan_changes_nothing_and_says_when() -> None:
    state = given(checked_in("D1", at=T0 + 11 * MIN))
    rej = rejected(state, "checkin.scan", {"token": "badge:D1"})
    assert rej.code == "duplicate"
    assert rej.details["reason"] == "already_checked_in"
    assert rej.details["at"] == T0 + 11 * MIN
    assert rej.details["full_name"] == "Nguyễn Văn Hùng"


def test_the_secretary_checks_in_by_hand_including_online_in_a_hybrid_meeting() -> None:
    events = when(given(hybrid=True), "checkin.manual", {"participant": "D2", "mode": "online"})
    assert events[0].body == {"participant": "D2", "mode": "online", "via": "manual"}
    state = then_state(given(hybrid=True), events)
    assert quorum(state).online == 1


def test_online_attendance_is_refused_unless_the_meeting_is_hybrid() -> None:
    rej = rejected(given(), "checkin.manual", {"participant": "D2", "mode": "online"})
    assert rej.details["reason"] == "online_disabled"


def test_a_delegate_checks_in_from_their_own_tablet() -> None:
    delegate = Actor("D3", Role.DELEGATE)
    events = when(given(), "checkin.self", {"device": "tab-7"}, delegate)
    assert events[0].kind == "attendance.checked_in"
    assert events[0].body == {"participant": "D3", "mode": "in_person", "via": "device",
                              "device": "tab-7"}
    assert events[0].actor == "D3"


def test_device_check_in_can_be_switched_off() -> None:
    delegate = Actor("D3", Role.DELEGATE)
    rej = rejected(given(device_checkin="off"), "checkin.self", {}, delegate)
    assert rej.code == "forbidden"


def test_only_staff_and_kiosks_scan_badges_and_only_staff_check_others_in() -> None:
    delegate, kiosk = Actor("D3", Role.DELEGATE), Actor("O1", Role.OBSERVER)
    assert rejected(given(), "checkin.scan", {"token": "badge:D1"}, delegate).code == "forbidden"
    assert rejected(given(), "checkin.manual", {"participant": "D1"}, delegate).code == "forbidden"
    assert rejected(given(), "checkin.manual", {"participant": "D1"}, kiosk).code == "forbidden"
    assert when(given(), "checkin.scan", {"token": "badge:D1"}, kiosk)[0].actor == "O1"


def test_a_screen_does_not_check_in_and_unknown_people_are_not_found() -> None:
    assert rejected(given(), "checkin.manual", {"participant": "H1"}).code == "invalid"
    assert rejected(given(), "checkin.manual", {"participant": "X9"}).code == "not_found"


def test_no_check_in_after_the_meeting_closed() -> None:
    state = given(Event("meeting.closed", {}, "C1", T0))
    assert rejected(state, "checkin.manual", {"participant": "D1"}).code == "invalid_state"


def test_check_out_and_back_in_keeps_the_first_arrival() -> None:
    state = given(checked_in("D1", at=T0))
    out = when(state, "checkin.out", {"participant": "D1"}, at=T0 + 60 * MIN)
    assert out[0].kind == "attendance.checked_out"
    state = then_state(state, out)
    assert attendance(state).record("D1").status == "out"
    back = when(state, "checkin.manual", {"participant": "D1"}, at=T0 + 90 * MIN)
    state = then_state(state, back)
    record = attendance(state).record("D1")
    assert (record.status, record.at, record.first_in) == ("present", T0 + 90 * MIN, T0)


def test_checking_out_someone_not_present_is_refused() -> None:
    rej = rejected(given(), "checkin.out", {"participant": "D1"})
    assert rej.details["reason"] == "not_checked_in"


def test_absent_with_a_reason() -> None:
    events = when(given(), "checkin.absent", {"participant": "D2", "reason": "ốm"})
    state = then_state(given(), events)
    record = attendance(state).record("D2")
    assert (record.status, record.reason) == ("absent", "ốm")
    # the same again is not news
    assert when(state, "checkin.absent", {"participant": "D2", "reason": "ốm"}) == []


def test_someone_present_cannot_be_marked_absent() -> None:
    rej = rejected(given(checked_in("D2")), "checkin.absent", {"participant": "D2"})
    assert rej.details["reason"] == "already_checked_in"


def test_an_absent_delegate_who_arrives_is_present_without_the_reason() -> None:
    state = given(Event("attendance.absent", {"participant": "D2", "reason": "đi công tác"},
                        "S1", T0), checked_in("D2", at=T0 + MIN))
    record = attendance(state).record("D2")
    assert (record.status, record.reason) == ("present", "")


# ---- double presence -----------------------------------------------------------------------


def test_a_second_device_is_flagged_once_and_counted_once() -> None:
    delegate = Actor("D1", Role.DELEGATE)
    state = given(checked_in("D1", via="device", device="tab-A"))
    events = when(state, "checkin.self", {"device": "tab-B"}, delegate, at=T0 + MIN)
    assert [(e.kind, dict(e.body)) for e in events] == [
        ("attendance.double_presence", {"participant": "D1", "devices": ["tab-A", "tab-B"]})
    ]
    state = then_state(state, events)
    assert quorum(state).present == 1
    # the same second device again: already known, nothing new
    assert rejected(state, "checkin.self", {"device": "tab-B"}, delegate).code == "duplicate"
    # the first device reconnecting is not a second presence
    assert rejected(state, "checkin.self", {"device": "tab-A"}, delegate).code == "duplicate"
    staff = snapshot_part(state, Role.SECRETARY, "S1")["attendance"]
    assert staff["records"]["D1"]["double_presence"] == ["tab-A", "tab-B"]


def test_a_tablet_after_a_badge_scan_binds_its_device_then_a_second_one_is_flagged() -> None:
    delegate = Actor("D1", Role.DELEGATE)
    state = given(checked_in("D1", via="badge"))
    bind = when(state, "checkin.self", {"device": "tab-A"}, delegate)
    assert [e.kind for e in bind] == ["attendance.device"]
    state = then_state(state, bind)
    assert [e.kind for e in when(state, "checkin.self", {"device": "tab-Z"}, delegate)] == [
        "attendance.double_presence"
    ]


def test_device_ids_are_checked() -> None:
    delegate = Actor("D1", Role.DELEGATE)
    assert rejected(given(), "checkin.self", {"device": "a|b"}, delegate).code == "invalid"


# ---- quorum --------------------------------------------------------------------------------


def test_quorum_counts_voting_members_only_and_flips_past_half() -> None:
    # entitled: C1, S1, D1-D4 = 6; more than 1/2 needs 4
    state = given(checked_in("D1"), checked_in("D2"), checked_in("O1"))
    q = quorum(state)
    assert (q.entitled, q.present, q.needed, q.met) == (6, 2, 4, False)
    state = then_state(state, [checked_in("D3"), checked_in("C1")])
    q = quorum(state)
    assert (q.present, q.met) == (4, True)
    assert q.to_dict()["met"] is True


def test_quorum_by_weight_when_weights_are_used() -> None:
    roster = [person("A", "An", weight="3"), person("B", "Bình"), person("C", "Chi")]
    state = given(checked_in("A"), roster=roster)
    q = quorum(state)
    assert q.weighted and (q.present_weight, q.entitled_weight) == (Decimal(3), Decimal(5))
    assert q.met is True  # 3 of 5 by weight, though 1 of 3 by count


def test_an_unreadable_rule_reports_an_error_instead_of_a_verdict() -> None:
    q = quorum(given(quorum_rule="đa số"))
    assert q.met is None and "cannot read rule" in q.error


def test_quorum_at_any_past_moment_is_rebuilt_from_the_log() -> None:
    log = [
        created(),
        Event("roster.imported", {"participants": ROSTER}, "@admin", T0 - 50 * MIN),
        checked_in("D1", at=T0),
        checked_in("D2", at=T0 + 2 * MIN),
        checked_in("D3", at=T0 + 4 * MIN),
        checked_in("D4", at=T0 + 6 * MIN),
        Event("attendance.checked_out", {"participant": "D4", "via": "manual"}, "S1",
              T0 + 30 * MIN),
    ]
    assert quorum_at(log, T0 + MIN).present == 1
    assert quorum_at(log, T0 + 5 * MIN).met is False
    assert quorum_at(log, T0 + 6 * MIN).met is True
    assert quorum_at(log, T0 + 30 * MIN).met is False
    with pytest.raises(ValueError):
        quorum_at(log, T0 - 2 * 60 * MIN)


def test_quorum_follows_roster_changes() -> None:
    state = given(checked_in("D1"))
    state = then_state(state, [Event("participant.removed", {"id": "D1"}, "S1", T0 + MIN)])
    assert quorum(state).present == 0 and quorum(state).entitled == 5


# ---- proxies -------------------------------------------------------------------------------


def test_an_absent_delegate_gives_a_proxy_to_a_present_one() -> None:
    state = given(checked_in("D1"))
    events = when(state, "proxy.grant", {"from": "D2", "to": "D1"}, at=T0 + MIN)
    assert [(e.kind, dict(e.body), e.at) for e in events] == [
        ("proxy.granted", {"from": "D2", "to": "D1"}, T0 + MIN)
    ]
    state = then_state(state, events)
    assert holders(state) == {"D1": ("D2",)}
    assert quorum(state).proxies == 1 and quorum(state).present == 1
    assert snapshot_part(state, Role.DELEGATE, "D1")["attendance"]["me"]["proxies_held"] == ["D2"]
    assert snapshot_part(state, Role.DELEGATE, "D2")["attendance"]["me"]["proxy_to"] == "D1"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"from": "D1", "to": "D1"}, "proxy_to_self"),
        ({"from": "D1", "to": "D2"}, "giver_present"),  # D1 is present
        ({"from": "D3", "to": "D4"}, "holder_absent"),  # D4 never arrived
        ({"from": "O1", "to": "D1"}, "not_voting"),
    ],
)
def test_proxies_are_refused_with_the_reason(body: dict[str, str], reason: str) -> None:
    state = given(checked_in("D1"), checked_in("D2"))
    assert rejected(state, "proxy.grant", body).details["reason"] == reason


def test_no_chains_of_proxies() -> None:
    state = given(checked_in("D1"), checked_in("D2"),
                  Event("proxy.granted", {"from": "D3", "to": "D1"}, "S1", T0 + MIN),
                  Event("attendance.checked_out", {"participant": "D1"}, "S1", T0 + 2 * MIN))
    # D1 holds D3's vote and has left: they cannot pass votes on
    assert rejected(state, "proxy.grant", {"from": "D1", "to": "D2"}).details["reason"] == (
        "proxy_chain"
    )


def test_a_holder_holds_one_proxy_unless_the_meeting_allows_more() -> None:
    events = (checked_in("D1"), Event("proxy.granted", {"from": "D3", "to": "D1"}, "S1", T0))
    state = given(*events)
    assert rejected(state, "proxy.grant", {"from": "D4", "to": "D1"}).details["reason"] == (
        "proxy_limit"
    )
    assert when(given(*events, proxy_limit=2), "proxy.grant", {"from": "D4", "to": "D1"})


def test_a_giver_gives_once_and_the_same_grant_again_is_not_news() -> None:
    state = given(checked_in("D1"), checked_in("D2"),
                  Event("proxy.granted", {"from": "D3", "to": "D1"}, "S1", T0))
    assert when(state, "proxy.grant", {"from": "D3", "to": "D1"}) == []
    assert rejected(state, "proxy.grant", {"from": "D3", "to": "D2"}).details["reason"] == (
        "already_given"
    )


def test_revoke_and_the_giver_arriving_end_the_proxy() -> None:
    state = given(checked_in("D1"), Event("proxy.granted", {"from": "D3", "to": "D1"}, "S1", T0))
    revoke = when(state, "proxy.revoke", {"from": "D3"}, at=T0 + MIN)
    assert revoke[0].body == {"from": "D3", "to": "D1", "reason": "revoked"}
    assert holders(then_state(state, revoke)) == {}
    # The giver arrives: their proxy lapses in the same decision as their check-in.
    arrive = when(state, "checkin.scan", {"token": "badge:D3"}, at=T0 + 2 * MIN)
    assert [e.kind for e in arrive] == ["proxy.revoked", "attendance.checked_in"]
    assert arrive[0].body["reason"] == "arrived"
    after = then_state(state, arrive)
    assert holders(after) == {}
    ended = attendance(after).ended
    assert [(g.giver, g.holder, g.at, g.ended_at, g.end_reason) for g in ended] == [
        ("D3", "D1", T0, T0 + 2 * MIN, "arrived")
    ]
    assert rejected(after, "proxy.revoke", {"from": "D3"}).code == "not_found"


def test_proxies_count_for_quorum_only_if_the_meeting_says_so() -> None:
    events = (checked_in("D1"), checked_in("D2"), checked_in("D3"),
              Event("proxy.granted", {"from": "D4", "to": "D1"}, "S1", T0))
    # 6 entitled, 3 present: not more than half
    assert quorum(given(*events)).met is False
    assert quorum(given(*events, proxies_count_for_quorum=True)).met is True


# ---- views ---------------------------------------------------------------------------------


def test_search_ignores_diacritics_and_case() -> None:
    state = given()
    assert [p.id for p in search(state, "nguyen van hung")] == ["D1", "D4"]
    assert [p.id for p in search(state, "NGUYỄN VĂN HÙNG")] == ["D1", "D4"]
    assert [p.id for p in search(state, "hung ha long")] == ["D1", "D4"]
    assert [p.id for p in search(state, "b12")] == ["D1"]
    assert [p.id for p in search(state, "d2")] == ["D2"]
    assert search(state, "   ") == []
    assert search(state, "man hinh") == []  # screens are not people at the desk


def test_delegates_see_their_own_state_and_counts_staff_see_everything() -> None:
    state = given(checked_in("D1"), Event("attendance.absent",
                                          {"participant": "D2", "reason": "ốm"}, "S1", T0))
    mine = snapshot_part(state, Role.DELEGATE, "D1")["attendance"]
    assert mine["me"]["status"] == "present"
    assert (mine["present"], mine["entitled"]) == (1, 6)
    assert "records" not in mine and "quorum" not in mine
    screen = snapshot_part(state, Role.SCREEN, "H1")["attendance"]
    assert screen["quorum"]["present"] == 1 and "records" not in screen
    staff = snapshot_part(state, Role.CHAIR, "C1")["attendance"]
    assert staff["records"]["D2"]["reason"] == "ốm"


def test_attendance_events_reach_staff_and_screen_but_not_delegates() -> None:
    event = Event("attendance.absent", {"participant": "D2", "reason": "ốm"}, "S1", T0)
    assert aggregate.project(event, Role.DELEGATE) is None
    assert aggregate.project(event, Role.SECRETARY) == event.body
    assert aggregate.project(event, Role.SCREEN) == {"participant": "D2"}
    double = Event("attendance.double_presence", {"participant": "D1", "devices": ["a", "b"]},
                   "D1", T0)
    assert aggregate.project(double, Role.SCREEN) is None


def test_rows_list_everyone_but_screens_in_roster_order() -> None:
    state = given(checked_in("D1"), Event("proxy.granted", {"from": "D2", "to": "D1"}, "S1", T0))
    listed = rows(state)
    assert [r.participant.id for r in listed] == ["C1", "S1", "D1", "D2", "D3", "D4", "O1"]
    by_id = {r.participant.id: r for r in listed}
    assert by_id["D1"].record.status == "present" and by_id["D1"].proxies_held == ("D2",)
    assert by_id["D2"].proxy_to == "D1" and by_id["D2"].record.status == "pending"


def test_the_code_printed_on_the_badge_typed_at_the_kiosk_or_desk_checks_in() -> None:
    # Staff-attended: the code alone names the participant, in any letter case.
    for typed in ("D1", "d1", " D1 "):
        events = when(given(), "checkin.scan", {"token": typed})
        assert [(e.kind, e.body["participant"], e.body["via"]) for e in events] == [
            ("attendance.checked_in", "D1", "badge")]
    state = then_state(given(), when(given(), "checkin.scan", {"token": "d1"}))
    [out] = when(state, "checkin.out", {"token": "D1"})
    assert (out.kind, out.body["participant"]) == ("attendance.checked_out", "D1")
    # A code nobody has is read as a badge, and refused as one.
    assert rejected(given(), "checkin.scan", {"token": "D999"}).code == "bad_token"
