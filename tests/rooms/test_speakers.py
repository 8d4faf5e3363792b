"""The speakers' list: requests on the current item, points of order first, the floor."""

from __future__ import annotations

import pytest

from rooms import agenda, aggregate
from rooms.model import Rejected, Role
from rooms.speakers import snapshot, speakers_of, speeches_by_item
from rooms.state import MeetingState
from tests.rooms.floor_fixtures import T0, ev, given, opened_meeting, sees, then_apply, when

PLAN = [
    {"title": "Thảo luận", "kind": "discussion", "speaking": {"minutes_per_speaker": 7}},
    {"title": "Bế mạc"},
]


def discussing(*, opened: bool = True) -> MeetingState:
    items = [i.to_dict() for i in agenda.normalize(PLAN)]
    return given(
        *opened_meeting(opened=opened),
        ev("agenda.imported", {"items": items}),
        ev("agenda.current_changed", {"id": "1", "previous": None}),
    )


def queue(state: MeetingState, item: str = "1") -> list[tuple[str, str]]:
    return [(r.participant, r.kind) for r in speakers_of(state).queues.get(item, ())]


def test_delegates_ask_on_the_current_item_and_everyone_sees_the_list() -> None:
    state = discussing()
    (event,) = when(state, "d1", "speakers.request")
    assert (event.kind, dict(event.body)) == (
        "speakers.requested",
        {"participant": "d1", "full_name": "Người d1", "delegation": "", "item": "1",
         "kind": "speak"},
    )
    assert all(sees(event, r) for r in Role)
    state = then_apply(state, [event])
    state = then_apply(state, when(state, "d2", "speakers.request"))
    assert queue(state) == [("d1", "speak"), ("d2", "speak")]
    assert snapshot(state, Role.SCREEN, "h1")["speakers"]["queues"]["1"][0]["participant"] == "d1"


def test_asking_twice_is_a_duplicate() -> None:
    state = discussing()
    state = then_apply(state, when(state, "d1", "speakers.request"))
    with pytest.raises(Rejected) as rej:
        when(state, "d1", "speakers.request")
    assert rej.value.code == "duplicate"


def test_a_point_of_order_goes_to_the_top_after_earlier_points_of_order() -> None:
    state = discussing()
    for who, poo in (("d1", False), ("d2", True), ("d3", True)):
        state = then_apply(state, when(state, who, "speakers.request", {"point_of_order": poo}))
    assert queue(state) == [("d2", "point_of_order"), ("d3", "point_of_order"), ("d1", "speak")]


def test_withdraw_own_request_only() -> None:
    state = discussing()
    state = then_apply(state, when(state, "d1", "speakers.request"))
    with pytest.raises(Rejected) as rej:
        when(state, "d2", "speakers.withdraw", {"participant": "d1"})
    assert rej.value.code == "forbidden"
    with pytest.raises(Rejected) as rej:
        when(state, "d2", "speakers.withdraw")
    assert rej.value.code == "not_found"
    (withdrawn,) = when(state, "d1", "speakers.withdraw")
    assert dict(withdrawn.body) == {"participant": "d1", "full_name": "Người d1",
                                    "delegation": "", "item": "1"}
    state = then_apply(state, [withdrawn])
    assert queue(state) == []


def test_chair_reorders_gives_the_floor_and_ends_it_with_the_time_recorded() -> None:
    state = discussing()
    for who in ("d1", "d2", "d3"):
        state = then_apply(state, when(state, who, "speakers.request"))
    state = then_apply(state, when(state, "c1", "speakers.reorder", {"order": ["d3", "d1", "d2"]}))
    assert [p for p, _ in queue(state)] == ["d3", "d1", "d2"]
    given_floor = when(state, "c1", "speakers.give_floor", now=T0 + 10_000)
    assert [(e.kind, dict(e.body)) for e in given_floor] == [
        (
            "speakers.floor_given",
            {
                "participant": "d3",
                "full_name": "Người d3",
                "delegation": "",
                "item": "1",
                "kind": "speak",
                "started_at": T0 + 10_000,
                "seconds": 7 * 60,
            },  # the item's speaking time
        )
    ]
    state = then_apply(state, given_floor)
    assert [p for p, _ in queue(state)] == ["d1", "d2"]
    assert snapshot(state, Role.SCREEN, "h1")["speakers"]["floor"]["started_at"] == T0 + 10_000
    # Giving the floor to the next one ends the current speaker first.
    nxt = when(
        state, "c1", "speakers.give_floor", {"participant": "d2", "seconds": 120}, now=T0 + 250_000
    )
    assert [e.kind for e in nxt] == ["speakers.floor_ended", "speakers.floor_given"]
    assert nxt[0].body["spoke_ms"] == 240_000 and nxt[0].body["participant"] == "d3"
    assert nxt[0].body["full_name"] == "Người d3" and nxt[1].body["full_name"] == "Người d2"
    state = then_apply(state, nxt)
    ended = when(state, "c1", "speakers.end", now=T0 + 300_000)
    state = then_apply(state, ended)
    spoken = speeches_by_item(state)["1"]
    assert [(s.participant, s.spoke_ms) for s in spoken] == [("d3", 240_000), ("d2", 50_000)]
    assert speakers_of(state).floor is None


def test_reorder_must_list_everyone_once() -> None:
    state = discussing()
    for who in ("d1", "d2"):
        state = then_apply(state, when(state, who, "speakers.request"))
    for bad in (["d1"], ["d1", "d1"], ["d1", "d2", "d3"]):
        with pytest.raises(Rejected) as rej:
            when(state, "c1", "speakers.reorder", {"order": bad})
        assert rej.value.code == "invalid"


def test_queues_are_per_item() -> None:
    state = discussing()
    state = then_apply(state, when(state, "d1", "speakers.request"))
    state = then_apply(state, [ev("agenda.current_changed", {"id": "2", "previous": "1"})])
    assert queue(state, "2") == []
    with pytest.raises(Rejected) as rej:
        when(state, "c1", "speakers.give_floor")
    assert rej.value.code == "invalid_state"
    state = then_apply(state, when(state, "d1", "speakers.request"))
    assert queue(state, "1") == [("d1", "speak")] and queue(state, "2") == [("d1", "speak")]


def test_no_requests_before_the_meeting_opens_or_without_a_current_item() -> None:
    with pytest.raises(Rejected) as rej:
        when(discussing(opened=False), "d1", "speakers.request")
    assert rej.value.code == "invalid_state"
    with pytest.raises(Rejected) as rej:
        when(given(*opened_meeting()), "d1", "speakers.request")
    assert rej.value.code == "invalid_state"


def test_delegates_cannot_give_the_floor() -> None:
    state = discussing()
    with pytest.raises(Rejected) as rej:
        when(state, "d1", "speakers.give_floor", {"participant": "d1"})
    assert rej.value.code == "forbidden"


def test_events_and_snapshot_name_the_speaker_for_views_without_the_roster() -> None:
    """Delegates and the hall screen get no roster: the name travels with the speaker."""
    state = given(
        *opened_meeting(),
        ev("participant.updated", {"id": "d2", "full_name": "Trần Thị Loan", "role": "delegate",
                                   "delegation": "Đoàn Hạ Long"}),
        ev("agenda.imported", {"items": [i.to_dict() for i in agenda.normalize(PLAN)]}),
        ev("agenda.current_changed", {"id": "1", "previous": None}),
    )
    (asked,) = when(state, "d2", "speakers.request")
    assert (asked.body["full_name"], asked.body["delegation"]) == ("Trần Thị Loan", "Đoàn Hạ Long")
    assert sees(asked, Role.SCREEN) and sees(asked, Role.DELEGATE)
    state = then_apply(state, [asked])
    (given_floor,) = when(state, "c1", "speakers.give_floor")
    assert given_floor.body["full_name"] == "Trần Thị Loan"
    assert given_floor.body["delegation"] == "Đoàn Hạ Long"
    for role in (Role.SCREEN, Role.DELEGATE):
        projected = aggregate.project(given_floor, role)
        assert projected is not None and projected["full_name"] == "Trần Thị Loan"
    waiting = then_apply(state, when(state, "d1", "speakers.request"))
    view = snapshot(waiting, Role.SCREEN, "h1")["speakers"]
    assert view["queues"]["1"][1]["full_name"] == "Người d1"
    floor = snapshot(then_apply(state, [given_floor]), Role.SCREEN, "h1")["speakers"]["floor"]
    assert (floor["full_name"], floor["delegation"]) == ("Trần Thị Loan", "Đoàn Hạ Long")
