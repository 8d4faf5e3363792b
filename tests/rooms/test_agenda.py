"""The agenda: import from TOML and JSON, edit, reorder, the current item and its timer."""

from __future__ import annotations

from importlib import resources

import pytest

from rooms import agenda
from rooms.agenda import AgendaError, agenda_of, parse_json, parse_toml
from rooms.model import Event, Rejected, Role
from rooms.state import MeetingState
from tests.rooms.floor_fixtures import T0, ev, given, opened_meeting, sees, then_apply, when

CONGRESS = resources.files("server").joinpath("assets/demo/congress.toml").read_text("utf-8")

PLAN = [
    {"title": "Khai mạc", "kind": "procedural", "minutes": 10},
    {
        "title": "Báo cáo chính trị",
        "kind": "report",
        "minutes": 45,
        "documents": ["Dự thảo Báo cáo"],
        "items": [{"title": "Phần I"}, {"title": "Phần II", "minutes": 5}],
    },
    {"title": "Thảo luận", "kind": "discussion", "minutes": 60, "feedback": True},
]


def with_plan(*more: Event) -> MeetingState:
    items = [i.to_dict() for i in agenda.normalize(PLAN)]
    return given(*opened_meeting(), ev("agenda.imported", {"items": items}), *more)


# ---- parsing ---------------------------------------------------------------------------------


def test_congress_toml_parses_with_kinds_minutes_documents_and_speaking_time() -> None:
    items = parse_toml(CONGRESS)
    assert len(items) == 9
    assert [i.id for i in items] == [str(n) for n in range(1, 10)]
    assert items[0].kind == "procedural" and items[0].minutes == 15
    assert items[3].kind == "report"
    assert items[3].documents == ("Dự thảo Báo cáo chính trị (PDF, ~60 trang)",)
    discussion = items[4]
    assert discussion.kind == "discussion" and discussion.feedback is True
    assert discussion.speaker_seconds == 7 * 60
    assert items[6].kind == "election" and items[6].poll is not None
    assert items[6].poll["seats"] == 11


def test_toml_sub_items_get_dotted_ids() -> None:
    text = """
[[agenda]]
title = "Báo cáo"
kind = "report"
[[agenda.items]]
title = "Phần I"
[[agenda.items]]
title = "Phần II"
"""
    (item,) = parse_toml(text)
    assert [c.id for c in item.items] == ["1.1", "1.2"]
    assert [c.title for c in item.items] == ["Phần I", "Phần II"]


def test_json_accepts_a_list_or_an_object_with_agenda() -> None:
    assert [i.title for i in parse_json('[{"title": "A"}, {"title": "B"}]')] == ["A", "B"]
    assert [i.title for i in parse_json('{"agenda": [{"title": "A"}]}')] == ["A"]


@pytest.mark.parametrize(
    ("text", "then_message"),
    [
        ("not toml = = =", "not valid TOML"),
        ("[meeting]\ntitle='x'", r"no \[\[agenda\]\] items"),
        ("[[agenda]]\nkind='report'", "title is required"),
        ("[[agenda]]\ntitle='A'\nkind='party'", "kind must be one of"),
        ("[[agenda]]\ntitle='A'\nminutes=-3", "minutes must be"),
        ("[[agenda]]\nid='x'\ntitle='A'\n[[agenda]]\nid='x'\ntitle='B'", "repeats"),
        (
            "[[agenda]]\ntitle='A'\n[[agenda.items]]\ntitle='B'\n[[agenda.items.items]]\ntitle='C'",
            "sub-items may not have sub-items",
        ),
    ],
)
def test_bad_plans_are_refused_whole(text: str, then_message: str) -> None:
    with pytest.raises(AgendaError, match=then_message):
        parse_toml(text)


# ---- commands --------------------------------------------------------------------------------


def test_staff_import_replaces_the_agenda_and_everyone_sees_it() -> None:
    state = given(*opened_meeting())
    events = when(state, "s1", "agenda.import", {"items": PLAN})
    assert [e.kind for e in events] == ["agenda.imported"]
    assert all(sees(events[0], role) for role in Role)
    after = then_apply(state, events)
    assert [i.title for i in agenda_of(after).items] == [
        "Khai mạc",
        "Báo cáo chính trị",
        "Thảo luận",
    ]
    assert [i.id for i in agenda_of(after).items[1].items] == ["2.1", "2.2"]


def test_a_delegate_may_not_import_or_move_the_agenda() -> None:
    state = with_plan()
    for kind, body in (("agenda.import", {"items": PLAN}), ("agenda.set_current", {"id": "1"})):
        with pytest.raises(Rejected) as rej:
            when(state, "d1", kind, body)
        assert rej.value.code == "forbidden"


def test_chair_sets_the_current_item_and_the_run_is_recorded() -> None:
    state = with_plan()
    events = when(state, "c1", "agenda.set_current", {"id": "2"}, now=T0 + 5000)
    assert [(e.kind, dict(e.body)) for e in events] == [
        ("agenda.current_changed", {"id": "2", "previous": None})
    ]
    after = then_apply(state, events)
    assert agenda_of(after).current == "2"
    assert agenda_of(after).ran == (("2", T0 + 5000),)
    assert when(after, "c1", "agenda.set_current", {"id": "2"}) == []


def test_set_current_to_an_unknown_item_is_rejected() -> None:
    with pytest.raises(Rejected) as rej:
        when(with_plan(), "c1", "agenda.set_current", {"id": "99"})
    assert rej.value.code == "not_found"


def test_timer_is_started_at_plus_duration_and_defaults_to_planned_minutes() -> None:
    state = with_plan(ev("agenda.current_changed", {"id": "2", "previous": None}))
    events = when(state, "c1", "agenda.timer.start", now=T0 + 10_000)
    assert [(e.kind, dict(e.body)) for e in events] == [
        (
            "agenda.timer_started",
            {"item": "2", "started_at": T0 + 10_000, "duration_ms": 45 * 60_000},
        )
    ]
    running = then_apply(state, events)
    stopped = when(running, "c1", "agenda.timer.stop", now=T0 + 70_000)
    assert [(e.kind, e.body["elapsed_ms"]) for e in stopped] == [("agenda.timer_stopped", 60_000)]
    assert agenda_of(then_apply(running, stopped)).timer is None


def test_moving_to_another_item_stops_its_timer_first() -> None:
    state = with_plan(
        ev("agenda.current_changed", {"id": "1", "previous": None}),
        ev("agenda.timer_started", {"item": "1", "started_at": T0, "duration_ms": 600_000}),
    )
    events = when(state, "c1", "agenda.set_current", {"id": "3"}, now=T0 + 30_000)
    assert [e.kind for e in events] == ["agenda.timer_stopped", "agenda.current_changed"]
    assert events[0].body["elapsed_ms"] == 30_000
    assert agenda_of(then_apply(state, events)).timer is None


def test_timer_needs_a_current_item_and_some_time() -> None:
    with pytest.raises(Rejected) as rej:
        when(with_plan(), "c1", "agenda.timer.start", {"seconds": 60})
    assert rej.value.code == "invalid_state"
    state = with_plan(ev("agenda.current_changed", {"id": "2.1", "previous": None}))
    with pytest.raises(Rejected) as rej:
        when(state, "c1", "agenda.timer.start")  # Phần I has no planned minutes
    assert rej.value.code == "invalid"


def test_reorder_a_level_needs_every_item_of_it_once() -> None:
    state = with_plan()
    events = when(state, "c1", "agenda.reorder", {"order": ["3", "1", "2"]})
    after = then_apply(state, events)
    assert [i.id for i in agenda_of(after).items] == ["3", "1", "2"]
    sub = when(after, "c1", "agenda.reorder", {"parent": "2", "order": ["2.2", "2.1"]})
    assert [i.id for i in agenda_of(then_apply(after, sub)).items[2].items] == ["2.2", "2.1"]
    for bad in (["1", "2"], ["1", "2", "2"], ["1", "2", "3", "4"]):
        with pytest.raises(Rejected) as rej:
            when(state, "c1", "agenda.reorder", {"order": bad})
        assert rej.value.code == "invalid"


def test_add_update_and_remove_items() -> None:
    state = with_plan()
    added = when(
        state, "s1", "agenda.add", {"item": {"title": "Phần III"}, "parent": "2", "position": 0}
    )
    state = then_apply(state, added)
    new_id = added[0].body["item"]["id"]
    assert [i.id for i in agenda_of(state).items[1].items] == [new_id, "2.1", "2.2"]
    updated = when(
        state, "s1", "agenda.update", {"id": "1", "minutes": 20, "title": "Khai mạc Đại hội"}
    )
    assert updated[0].body == {"id": "1", "changes": {"title": "Khai mạc Đại hội", "minutes": 20}}
    state = then_apply(state, updated)
    assert agenda.find(agenda_of(state), "1").minutes == 20  # type: ignore[union-attr]
    state = then_apply(state, when(state, "s1", "agenda.remove", {"id": "2"}))
    assert [i.id for i in agenda.walk(agenda_of(state).items)] == ["1", "3"]


def test_the_current_item_cannot_be_removed() -> None:
    state = with_plan(ev("agenda.current_changed", {"id": "2.1", "previous": None}))
    with pytest.raises(Rejected) as rej:
        when(state, "s1", "agenda.remove", {"id": "2"})
    assert rej.value.code == "invalid_state"


def test_html_in_a_title_is_kept_as_typed() -> None:
    state = given(*opened_meeting())
    (event,) = when(
        state, "s1", "agenda.import", {"items": [{"title": "<script>alert(1)</script> Khai mạc"}]}
    )
    assert event.body["items"][0]["title"] == "<script>alert(1)</script> Khai mạc"


def test_snapshot_carries_items_current_and_timer() -> None:
    state = with_plan(
        ev("agenda.current_changed", {"id": "1", "previous": None}),
        ev("agenda.timer_started", {"item": "1", "started_at": T0, "duration_ms": 600_000}),
    )
    snap = agenda.snapshot(state, Role.SCREEN, "h1")["agenda"]
    assert snap["current"] == "1"
    assert snap["timer"] == {"item": "1", "started_at": T0, "duration_ms": 600_000}
    assert len(snap["items"]) == 3
