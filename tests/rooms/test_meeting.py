"""The meeting aggregate: creation, lifecycle table, permissions — given events, when a
command, then events (or a rejection and no change)."""

from __future__ import annotations

import pytest

from rooms.aggregate import evolve, fold, project, snapshot
from rooms.lifecycle import TRANSITIONS, Status
from rooms.model import Actor, Command, Event, Rejected, Role
from tests.rooms.contexts import decide, decide_create

T0 = 1_732_000_000_000
ADMIN = Actor.admin()
CHAIR = Actor("DB0001", Role.CHAIR)
SECRETARY = Actor("DB0002", Role.SECRETARY)
DELEGATE = Actor("DB0004", Role.DELEGATE)


def given(*extra: Event) -> list[Event]:
    created = decide_create("m1", Command("meeting.create", {"title": "Đại hội"}, ADMIN), T0)
    roster = Event(
        "roster.imported",
        {
            "participants": [
                {"id": "DB0001", "full_name": "Dương Xuân Hải", "role": "chair"},
                {"id": "DB0002", "full_name": "Trần Kim Yến", "role": "secretary"},
                {"id": "DB0004", "full_name": "Trần Thị Loan", "role": "delegate"},
            ]
        },
        "@admin",
        T0 + 1,
    )
    return [*created, roster, *extra]


def when(
    events: list[Event],
    kind: str,
    actor: Actor,
    body: dict[str, object] | None = None,
    now: int = T0 + 100,
) -> list[Event]:
    return decide(fold(events), Command(kind, body or {}, actor), now)


def test_create_records_the_meeting_with_passed_in_time_and_id() -> None:
    [event] = decide_create("m9", Command("meeting.create", {"title": " Hội nghị "}, ADMIN), T0)
    assert event == Event(
        "meeting.created", {"id": "m9", "title": "Hội nghị", "settings": {}}, "@admin", T0
    )
    state = evolve(None, event, 1)
    assert (state.id, state.info.title, state.status, state.seq) == (
        "m9",
        "Hội nghị",
        Status.SCHEDULED,
        1,
    )


def test_only_the_admin_creates_and_a_title_is_required() -> None:
    with pytest.raises(Rejected) as info:
        decide_create("m1", Command("meeting.create", {"title": "x"}, CHAIR), T0)
    assert info.value.code == "forbidden"
    with pytest.raises(Rejected) as info:
        decide_create("m1", Command("meeting.create", {"title": "  "}, ADMIN), T0)
    assert info.value.code == "invalid"


def test_chair_opens_a_scheduled_meeting() -> None:
    assert when(given(), "meeting.open", CHAIR) == [Event("meeting.opened", {}, "DB0001", T0 + 100)]


LIFECYCLE = [
    ([], "meeting.open", "meeting.opened", Status.OPEN),
    (["meeting.opened"], "meeting.adjourn", "meeting.adjourned", Status.ADJOURNED),
    (["meeting.opened", "meeting.adjourned"], "meeting.resume", "meeting.resumed", Status.OPEN),
    (["meeting.opened"], "meeting.close", "meeting.closed", Status.CLOSED),
    (["meeting.opened", "meeting.adjourned"], "meeting.close", "meeting.closed", Status.CLOSED),
]


@pytest.mark.parametrize(("history", "command", "event_kind", "status"), LIFECYCLE)
def test_lifecycle_transitions(
    history: list[str], command: str, event_kind: str, status: Status
) -> None:
    past = given(*[Event(k, {}, "DB0001", T0 + i) for i, k in enumerate(history, start=10)])
    [event] = when(past, command, CHAIR)
    assert event.kind == event_kind
    assert fold([*past, event]).status == status


@pytest.mark.parametrize(
    ("history", "command"),
    [
        ([], "meeting.resume"),
        ([], "meeting.adjourn"),
        (["meeting.opened"], "meeting.open"),
        (["meeting.opened"], "meeting.resume"),
        (["meeting.opened", "meeting.closed"], "meeting.open"),
        (["meeting.opened", "meeting.closed"], "meeting.close"),
    ],
)
def test_transitions_not_in_the_table_are_rejected(history: list[str], command: str) -> None:
    past = given(*[Event(k, {}, "DB0001", T0 + i) for i, k in enumerate(history, start=10)])
    with pytest.raises(Rejected) as info:
        when(past, command, CHAIR)
    assert info.value.code == "invalid_state"


def test_transition_table_is_closed_over_status() -> None:
    for (status, _), (_, nxt) in TRANSITIONS.items():
        assert isinstance(status, Status) and isinstance(nxt, Status)


@pytest.mark.parametrize("actor", [DELEGATE, SECRETARY, Actor("NOBODY", Role.DELEGATE)])
def test_only_the_chair_drives_the_lifecycle(actor: Actor) -> None:
    with pytest.raises(Rejected) as info:
        when(given(), "meeting.open", actor)
    assert info.value.code == "forbidden"


def test_admin_may_do_what_staff_may() -> None:
    assert [e.kind for e in when(given(), "meeting.open", ADMIN)] == ["meeting.opened"]


def test_update_records_only_changes() -> None:
    past = given()
    assert when(past, "meeting.update", SECRETARY, {"title": "Đại hội"}) == []
    [event] = when(past, "meeting.update", SECRETARY, {"place": "Hạ Long"})
    assert event.body == {"place": "Hạ Long"}
    assert fold([*past, event]).info.place == "Hạ Long"


def test_unknown_command_kind_is_rejected() -> None:
    with pytest.raises(Rejected) as info:
        when(given(), "meeting.explode", CHAIR)
    assert info.value.code == "unknown_kind"


def test_roster_events_are_for_staff_only_and_lifecycle_for_everyone() -> None:
    roster_event = given()[1]
    assert project(roster_event, Role.SECRETARY) is not None
    assert project(roster_event, Role.DELEGATE) is None
    assert project(roster_event, Role.SCREEN) is None
    opened = Event("meeting.opened", {}, "DB0001", T0)
    assert all(project(opened, role) == {} for role in Role)


def test_snapshot_per_audience() -> None:
    state = fold(given())
    staff = snapshot(state, Role.SECRETARY, "DB0002")
    delegate = snapshot(state, Role.DELEGATE, "DB0004")
    assert len(staff["participants"]) == 3
    assert "participants" not in delegate
    assert delegate["me"]["full_name"] == "Trần Thị Loan"
    assert delegate["status"] == "scheduled"
    assert delegate["seq"] == 2


def test_history_records_each_status_with_its_time() -> None:
    past = given(
        Event("meeting.opened", {}, "DB0001", T0 + 10),
        Event("meeting.closed", {}, "DB0001", T0 + 20),
    )
    assert fold(past).history == (("open", T0 + 10), ("closed", T0 + 20))


def test_a_meeting_that_requires_its_quorum_opens_only_with_it() -> None:
    created = decide_create(
        "m1",
        Command(
            "meeting.create",
            {
                "title": "Đại hội",
                "quorum": "more than 1/2 of delegates present",
                "settings": {"require_quorum_to_open": True},
            },
            ADMIN,
        ),
        T0,
    )
    people = [{"id": f"D{i}", "full_name": f"Đại biểu {i}", "role": "delegate"} for i in range(4)]
    roster = Event("roster.imported", {"participants": people}, "@admin", T0 + 1)
    chair = Actor.admin()
    with pytest.raises(Rejected) as info:
        decide(fold([*created, roster]), Command("meeting.open", {}, chair), T0 + 2)
    assert info.value.code == "invalid_state"
    assert "quorum not met: 0 of 4" in info.value.message
    checkins = [
        *decide(
            fold([*created, roster]),
            Command("checkin.manual", {"participant": "D0"}, chair),
            T0 + 3,
        ),
    ]
    state = fold([*created, roster, *checkins])
    for pid in ("D1", "D2"):
        [event] = decide(state, Command("checkin.manual", {"participant": pid}, chair), T0 + 4)
        state = fold([*created, roster, *checkins, event])
        checkins.append(event)
    [opened] = decide(state, Command("meeting.open", {}, chair), T0 + 5)
    assert opened.kind == "meeting.opened"  # 3 of 4 is more than half
