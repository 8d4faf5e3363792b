"""Meeting settings: the table checks them at creation and in ``meeting.update``, the state
holds every setting with defaults filled in, and some settings refuse to change in some states
— given events / when command / then events (or a rejection and no change)."""

from __future__ import annotations

from typing import Any

import pytest

from rooms.aggregate import fold, snapshot
from rooms.model import Actor, Command, Event, Rejected, Role
from rooms.settings import DEFAULTS, SETTINGS, MeetingSettings, settings_of
from tests.rooms.contexts import decide, decide_create

T0 = 1_732_000_000_000
ADMIN = Actor.admin()
CHAIR = Actor("CT01", Role.CHAIR)
SECRETARY = Actor("TK01", Role.SECRETARY)
DELEGATE = Actor("D1", Role.DELEGATE)


def given(*extra: Event, **settings: Any) -> list[Event]:
    body: dict[str, Any] = {"title": "Đại hội", "quorum": "more than 1/2 of delegates present"}
    if settings:
        body["settings"] = settings
    created = decide_create("m1", Command("meeting.create", body, ADMIN), T0)
    people = [
        {"id": "CT01", "full_name": "Dương Xuân Hải", "role": "chair"},
        {"id": "TK01", "full_name": "Trần Kim Yến", "role": "secretary"},
        *({"id": f"D{i}", "full_name": f"Đại biểu {i}", "role": "delegate"} for i in range(1, 5)),
    ]
    roster = Event("roster.imported", {"participants": people}, "@admin", T0 + 1)
    return [*created, roster, *extra]


def then(events: list[Event], kind: str, body: dict[str, Any], actor: Actor = SECRETARY,
         now: int = T0 + 100) -> list[Event]:
    """Decide ``kind`` on the state ``events`` give, and apply what it decided to ``events``."""
    new = decide(fold(events), Command(kind, body, actor), now)
    events.extend(new)
    return new


def rejected(events: list[Event], kind: str, body: dict[str, Any],
             actor: Actor = SECRETARY) -> Rejected:
    with pytest.raises(Rejected) as info:
        decide(fold(events), Command(kind, body, actor), T0 + 100)
    return info.value


def update(settings: dict[str, Any]) -> dict[str, Any]:
    return {"settings": settings}


# A value other than the default for every setting in the table, and values it refuses.
CHANGED: dict[str, Any] = {
    "device_checkin": "off",
    "hybrid": True,
    "badge_sign_in": "open",
    "proxy_limit": 3,
    "proxies_count_for_quorum": True,
    "require_check_in": False,
    "require_quorum_to_open": True,
    "majority": "at least 2/3 of all delegates",
    "parent_organisation": "Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh",
    "reference": "Số: 01/BB-MTTQ",
    "city": "Hạ Long",
}
BAD: list[tuple[str, Any, str]] = [
    ("device_checkin", "sometimes", "must be one of tap, connect, off"),
    ("device_checkin", True, "must be a text"),
    ("hybrid", "yes", "must be true or false"),
    ("badge_sign_in", "always", "must be one of off, checked_in, open"),
    ("hybrid", 1, "must be true or false"),
    ("proxy_limit", -1, "whole number from 0 to 100"),
    ("proxy_limit", 101, "whole number from 0 to 100"),
    ("proxy_limit", 1.5, "whole number"),
    ("proxy_limit", True, "whole number"),
    ("proxy_limit", "2", "whole number"),
    ("proxies_count_for_quorum", None, "must be true or false"),
    ("require_check_in", 0, "must be true or false"),
    ("require_quorum_to_open", "true", "must be true or false"),
    ("majority", "most of them", "cannot read rule"),
    ("majority", 1, "must be a text"),
    ("parent_organisation", 7, "must be a text"),
    ("reference", "x" * 501, "at most 500 characters"),
    ("city", ["Hạ Long"], "must be a text"),
]


def test_the_table_covers_every_setting_tested_here() -> None:
    assert set(CHANGED) == set(SETTINGS)
    assert {name for name, _, _ in BAD} == set(SETTINGS)
    for name, value in CHANGED.items():
        assert value != DEFAULTS[name]


def test_a_new_meeting_shows_every_setting_with_its_default() -> None:
    state = fold(given())
    assert dict(state.info.settings) == {
        "device_checkin": "tap", "hybrid": False, "badge_sign_in": "checked_in", "proxy_limit": 1,
        "proxies_count_for_quorum": False, "require_check_in": True,
        "require_quorum_to_open": False,
        "majority": "more than 1/2 of delegates present", "parent_organisation": "",
        "reference": "", "city": "",
    }
    for role, pid in ((Role.SECRETARY, "TK01"), (Role.DELEGATE, "D1"), (Role.SCREEN, "")):
        assert snapshot(state, role, pid)["info"]["settings"] == dict(DEFAULTS)


def test_creation_keeps_the_settings_given_and_fills_in_the_rest() -> None:
    events = given(hybrid=True, city="  Hạ Long ")
    assert events[0].body["settings"] == {"hybrid": True, "city": "Hạ Long"}
    assert fold(events).info.settings == {**DEFAULTS, "hybrid": True, "city": "Hạ Long"}


@pytest.mark.parametrize(("name", "value", "message"), BAD)
def test_creation_refuses_a_bad_value_naming_the_setting(name: str, value: Any,
                                                          message: str) -> None:
    with pytest.raises(Rejected) as info:
        given(**{name: value})
    assert info.value.code == "invalid"
    assert f"setting '{name}'" in info.value.message and message in info.value.message
    assert info.value.details["setting"] == name


@pytest.mark.parametrize("settings", [{"colour": "red"}, {"hybrid": True, "Hybrid": True}])
def test_creation_refuses_an_unknown_setting(settings: dict[str, Any]) -> None:
    with pytest.raises(Rejected) as info:
        decide_create("m1", Command("meeting.create", {"title": "x", "settings": settings},
                                    ADMIN), T0)
    assert info.value.code == "invalid"
    assert "unknown setting" in info.value.message
    assert "known settings: badge_sign_in, city, device_checkin, hybrid" in info.value.message


@pytest.mark.parametrize("settings", [[], "hybrid", 1])
def test_settings_must_be_a_map(settings: Any) -> None:
    with pytest.raises(Rejected) as info:
        decide_create("m1", Command("meeting.create", {"title": "x", "settings": settings},
                                    ADMIN), T0)
    assert (info.value.code, info.value.message) == (
        "invalid", "'settings' must be a map of setting names to values")


@pytest.mark.parametrize("name", sorted(CHANGED))
@pytest.mark.parametrize("actor", [CHAIR, SECRETARY])
def test_update_changes_one_setting_and_the_event_carries_only_it(name: str,
                                                                  actor: Actor) -> None:
    events = given()
    [event] = then(events, "meeting.update", update({name: CHANGED[name]}), actor)
    assert event == Event("meeting.updated", {"settings": {name: CHANGED[name]}},
                          actor.participant_id, T0 + 100)
    assert fold(events).info.settings == {**DEFAULTS, name: CHANGED[name]}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_setting_a_value_the_meeting_already_has_records_nothing(name: str) -> None:
    assert then(given(), "meeting.update", update({name: DEFAULTS[name]})) == []
    events = given(**{name: CHANGED[name]})
    assert then(events, "meeting.update", update({name: CHANGED[name]})) == []


def test_only_the_changed_settings_go_into_the_event_with_other_fields() -> None:
    events = given(hybrid=True)
    [event] = then(events, "meeting.update", {
        "place": "Hạ Long",
        "settings": {"hybrid": True, "require_check_in": True, "proxy_limit": 2},
    })
    assert event.body == {"place": "Hạ Long", "settings": {"proxy_limit": 2}}
    assert then(events, "meeting.update", {"settings": {}}) == []


def test_a_whole_number_setting_is_not_a_boolean() -> None:
    # True == 1 in Python; the table does not let one stand for the other.
    events = given()
    rej = rejected(events, "meeting.update", update({"proxy_limit": True}))
    assert rej.code == "invalid"


@pytest.mark.parametrize(("name", "value", "message"), BAD)
def test_update_refuses_a_bad_value_and_nothing_changes(name: str, value: Any,
                                                        message: str) -> None:
    events = given()
    # Even the good parts of a refused command are not applied.
    rej = rejected(events, "meeting.update", {"place": "Hạ Long",
                                               "settings": {"hybrid": True, name: value}})
    assert rej.code == "invalid"
    assert f"setting '{name}'" in rej.message and message in rej.message


def test_update_refuses_an_unknown_setting() -> None:
    rej = rejected(given(), "meeting.update", update({"require_quorum": True}))
    assert rej.code == "invalid"
    assert rej.message.startswith("unknown setting 'require_quorum'")


def test_delegates_do_not_change_settings() -> None:
    assert rejected(given(), "meeting.update", update({"hybrid": True}), DELEGATE).code == \
        "forbidden"


def test_turning_quorum_to_open_on_then_opening_without_a_quorum_is_refused() -> None:
    events = given()
    then(events, "meeting.update", update({"require_quorum_to_open": True}), CHAIR)
    rej = rejected(events, "meeting.open", {}, CHAIR)
    assert rej.code == "invalid_state" and "quorum not met: 0 of 6" in rej.message
    for pid in ("CT01", "TK01", "D1", "D2"):
        then(events, "checkin.manual", {"participant": pid})
    assert [e.kind for e in then(events, "meeting.open", {}, CHAIR)] == ["meeting.opened"]


def test_device_checkin_off_refuses_a_tablet_check_in_until_turned_back() -> None:
    events = given()
    then(events, "meeting.update", update({"device_checkin": "off"}))
    assert rejected(events, "checkin.self", {}, DELEGATE).code == "forbidden"
    then(events, "meeting.update", update({"device_checkin": "tap"}))
    assert [e.kind for e in then(events, "checkin.self", {}, DELEGATE)] == \
        ["attendance.checked_in"]


def test_hybrid_is_not_turned_off_while_someone_attends_online() -> None:
    events = given(hybrid=True)
    then(events, "checkin.manual", {"participant": "D1", "mode": "online"})
    rej = rejected(events, "meeting.update", update({"hybrid": False}))
    assert rej.code == "invalid_state"
    assert "1 participant(s) attend online" in rej.message
    then(events, "checkin.out", {"participant": "D1"})
    [event] = then(events, "meeting.update", update({"hybrid": False}))
    assert event.body == {"settings": {"hybrid": False}}


def test_the_proxy_limit_is_not_lowered_below_what_a_delegate_holds() -> None:
    events = given(proxy_limit=2)
    then(events, "checkin.manual", {"participant": "D1"})
    then(events, "proxy.grant", {"from": "D2", "to": "D1"})
    then(events, "proxy.grant", {"from": "D3", "to": "D1"})
    rej = rejected(events, "meeting.update", update({"proxy_limit": 1}))
    assert rej.code == "invalid_state"
    assert rej.details == {"setting": "proxy_limit", "holders": ["D1"]}
    assert then(events, "meeting.update", update({"proxy_limit": 5}))  # raising is fine
    then(events, "proxy.revoke", {"from": "D3"})
    [event] = then(events, "meeting.update", update({"proxy_limit": 1}))
    assert event.body == {"settings": {"proxy_limit": 1}}
    assert rejected(events, "proxy.grant", {"from": "D3", "to": "D1"}).details["reason"] == \
        "proxy_limit"


RUNNING = sorted(set(SETTINGS) - {"parent_organisation", "reference", "city"})


@pytest.mark.parametrize("name", RUNNING)
def test_a_closed_meeting_keeps_the_rules_it_ran_under(name: str) -> None:
    events = given(Event("meeting.closed", {}, "CT01", T0 + 50))
    rej = rejected(events, "meeting.update", update({name: CHANGED[name]}))
    assert rej.code == "invalid_state" and f"setting '{name}'" in rej.message


@pytest.mark.parametrize("name", ["parent_organisation", "reference", "city"])
def test_what_the_minutes_print_may_be_corrected_after_closing(name: str) -> None:
    events = given(Event("meeting.closed", {}, "CT01", T0 + 50))
    [event] = then(events, "meeting.update", update({name: CHANGED[name]}))
    assert event.body == {"settings": {name: CHANGED[name]}}


def test_a_log_from_before_settings_were_checked_still_folds() -> None:
    created = Event("meeting.created", {"id": "m1", "title": "Cũ",
                                        "settings": {"legacy": 1, "hybrid": True}}, "@admin", T0)
    assert fold([created]).info.settings == {**DEFAULTS, "legacy": 1, "hybrid": True}


# ---- the typed settings the rules read ---------------------------------------------------


def test_the_rules_read_every_setting_typed_with_the_tables_default() -> None:
    state = fold(given())
    assert settings_of(state) == MeetingSettings(**DEFAULTS)
    assert settings_of(state) is settings_of(state)  # memoised by state


@pytest.mark.parametrize("name", sorted(CHANGED))
def test_the_typed_settings_follow_meeting_update(name: str) -> None:
    events = given()
    then(events, "meeting.update", update({name: CHANGED[name]}))
    typed = settings_of(fold(events))
    assert getattr(typed, name) == CHANGED[name]
    assert typed == MeetingSettings(**{**DEFAULTS, name: CHANGED[name]})


def test_a_value_from_before_settings_were_checked_reads_as_the_rules_always_read_it() -> None:
    # What the call sites did before the typed read: truthiness for a switch, int() for a
    # number, anything but "off"/"connect" behaving as "tap", and "" for a text that is not.
    typed = MeetingSettings.of({
        "hybrid": 1, "require_check_in": 0, "proxy_limit": "3", "device_checkin": "sometimes",
        "city": 7, "reference": None, "legacy": "kept in the map, not read",
    })
    assert (typed.hybrid, typed.require_check_in, typed.proxy_limit) == (True, False, 3)
    assert (typed.device_checkin, typed.city, typed.reference) == ("tap", "", "")
    assert MeetingSettings.of({"proxy_limit": "two"}).proxy_limit == DEFAULTS["proxy_limit"]
