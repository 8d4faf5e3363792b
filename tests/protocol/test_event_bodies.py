"""Each event kind's TypedDict (protocol/event_bodies.py) says what the domain writes: the
run-time checker (protocol/event_check.py) finds nothing wrong in whole meetings' logs, and
it does find a missing key, an unknown key and a wrong type."""

from __future__ import annotations

import inspect
import json
import typing
from typing import Any, Literal, NotRequired, get_args, get_origin

import pytest

from protocol import event_bodies, event_shapes
from protocol.event_bodies import EVENT_BODIES
from protocol.event_check import check_event_body, check_value
from protocol.kinds import EVENT_KINDS
from rooms import attendance_state, ballots, documents, feedback, majority, settings, speakers
from rooms.agenda_items import KINDS, AgendaItem
from rooms.model import Event, Participant, Role
from tests.protocol.event_logs import demo_congress, every_feature, fixture_logs


@pytest.fixture(scope="module")
def logs() -> dict[str, list[Event]]:
    return {**fixture_logs(), "demo congress": demo_congress(), "every feature": every_feature()}


def test_every_event_kind_has_exactly_one_body_type() -> None:
    assert set(EVENT_BODIES) == EVENT_KINDS, "a kind is added in protocol/kinds.py and here"
    bodies = list(EVENT_BODIES.values())
    assert len(set(bodies)) == len(bodies), "two kinds share one body type"
    defined = {
        obj
        for name, obj in inspect.getmembers(event_bodies)
        if typing.is_typeddict(obj) and obj.__module__ == event_bodies.__name__
        and not name.startswith("_")
    }
    assert defined == set(bodies), "a body type that no kind uses"


def test_the_logs_hold_every_event_kind(logs: dict[str, list[Event]]) -> None:
    # So that every body type below is held against what the code really writes.
    seen = {event.kind for log in logs.values() for event in log}
    assert seen == EVENT_KINDS


def test_every_event_of_whole_meetings_fits_its_body_type(logs: dict[str, list[Event]]) -> None:
    problems = [
        f"{name} #{n}: {problem}"
        for name, log in logs.items()
        for n, event in enumerate(log, start=1)
        for problem in check_event_body(event.kind, event.body)
    ]
    assert not problems, "\n".join(problems)


def test_the_wire_form_of_the_logs_fits_too(logs: dict[str, list[Event]]) -> None:
    # What log.json and the WebSocket carry: tuples become lists, and so on.
    for log in logs.values():
        for event in log:
            body = json.loads(json.dumps(event.to_dict()))["body"]
            assert check_event_body(event.kind, body) == [], event.kind


# ---- the checker catches what it should ------------------------------------------------------


FOLLOWED = {"document": "bc", "version": 1, "page": 3}


def test_the_checker_finds_a_missing_required_key() -> None:
    body = {"document": "bc", "version": 1}
    assert check_event_body("floor.followed", body) == ["floor.followed: body.page: missing"]


def test_the_checker_finds_an_unknown_key() -> None:
    assert check_event_body("floor.followed", {**FOLLOWED, "pages": 3}) == [
        "floor.followed: body.pages: unknown key"]


def test_the_checker_finds_a_wrong_type() -> None:
    assert check_event_body("floor.followed", FOLLOWED) == []
    assert check_event_body("floor.followed", {**FOLLOWED, "page": "3"}) == [
        "floor.followed: body.page: expected int, got str"]
    assert check_event_body("floor.followed", {**FOLLOWED, "page": True}) == [
        "floor.followed: body.page: expected int, got bool"]


def test_the_checker_looks_inside_nested_maps_lists_and_choices() -> None:
    participant = Participant("D1", "Nguyễn Văn Ánh", Role.DELEGATE).to_dict()
    assert check_event_body("roster.imported", {"participants": [participant]}) == []
    bad = {**participant, "role": "guest"}
    del bad["weight"]
    assert check_event_body("roster.imported", {"participants": [participant, bad]}) == [
        "roster.imported: body.participants[1].weight: missing",
        "roster.imported: body.participants[1].role: 'guest' is not one of 'chair', "
        "'secretary', 'delegate', 'screen', 'observer'",
    ]
    assert check_event_body("agenda.current_changed", {"id": None, "previous": 1}) == [
        "agenda.current_changed: body.previous: expected str or null, got int"]
    # Of "a map or null", a map with a bad key is a map gone wrong: say what is wrong in it.
    assert check_value(event_shapes.Total | None, {"count": 1}, "quorum.present") == [
        "quorum.present.weight: missing"]
    assert check_event_body("meeting.opened", []) == [
        "meeting.opened: body: expected a map, got list"]
    assert check_event_body("meeting.deleted", {}) == ["meeting.deleted: not an event kind"]


def test_the_checker_reads_maps_of_values() -> None:
    assert check_value(dict[str, str], {"D1": "1"}, "voters") == []
    assert check_value(dict[str, str], {"D1": 1}, "voters") == [
        "voters['D1']: expected str, got int"]
    assert check_value(Any, object(), "x") == []


# ---- the words and shapes of protocol/event_shapes.py are the domain's ---------------------


def _words(literal: Any) -> set[str]:
    return set(get_args(literal))


@pytest.mark.parametrize(("words", "domain"), [
    (event_shapes.RoleName, {r.value for r in Role}),
    (event_shapes.AgendaKind, set(KINDS)),
    (event_shapes.Mime, set(documents.MIMES)),
    (event_shapes.PollMethod, set(ballots.METHODS)),
    (event_shapes.RuleBase, set(majority.BASES)),
    (event_shapes.AttendanceMode, _words(attendance_state.Mode)),
    (event_shapes.SpeakKind, {speakers.SPEAK, speakers.POINT_OF_ORDER}),
    (event_shapes.FeedbackStatus, set(feedback.STATUSES)),
    (event_shapes.DeviceCheckin, _words(settings.DeviceCheckin)),
])
def test_the_words_are_the_domains(words: Any, domain: set[str]) -> None:
    assert _words(words) == domain


def _keys(map_type: Any) -> set[str]:
    return set(map_type.__required_keys__) | set(map_type.__optional_keys__)


def test_the_maps_have_the_domains_fields() -> None:
    assert _keys(event_shapes.ParticipantMap) == set(Participant("x", "y", Role.CHAIR).to_dict())
    item = AgendaItem("1", "x", poll={})
    assert _keys(event_shapes.AgendaItemMap) == set(item.to_dict())
    assert _keys(event_shapes.AgendaItemChanges) == set(item.to_dict()) - {"id", "items", "poll"}


_SETTING_TYPES: dict[str, object] = {"bool": bool, "int": int, "text": str}


def test_the_settings_map_is_the_settings_table() -> None:
    hints = typing.get_type_hints(event_shapes.MeetingSettingsMap, include_extras=True)
    assert set(hints) == set(settings.SETTINGS), "a setting is added in rooms/settings.py and here"
    for name, spec in settings.SETTINGS.items():
        hint = hints[name]
        assert get_origin(hint) is NotRequired, name
        (hint,) = get_args(hint)
        expected = Literal[spec.choices] if spec.choices else _SETTING_TYPES[spec.kind]
        assert hint == expected, name
