"""A delegate's own questions and feedback (rooms/my_items.py): what the personal live
message ``mine`` holds, and whom each event concerns — the author only."""

from __future__ import annotations

from rooms.model import Event
from rooms.my_items import changed_items, my_items
from rooms.state import MeetingState
from tests.rooms.floor_fixtures import T0, then_apply, when
from tests.rooms.test_feedback import meeting


def step(state: MeetingState, who: str, kind: str, body: dict[str, object]
         ) -> tuple[MeetingState, Event]:
    (event,) = when(state, who, kind, body)
    return then_apply(state, [event]), event


def test_each_event_goes_to_its_author_with_just_the_item_it_changed() -> None:
    state = meeting()
    state, asked = step(state, "d1", "question.ask", {"id": "q1", "text": "Vì sao?"})
    assert changed_items(state, asked) == {"d1": {"questions": [
        {"id": "q1", "author": "d1", "item": "2", "text": "Vì sao?", "at": T0 + 1000,
         "status": "pending", "answered": False, "votes": 0}], "feedback": []}}
    state, hidden = step(state, "s1", "question.hide", {"id": "q1"})
    assert changed_items(state, hidden)["d1"]["questions"][0]["status"] == "hidden"

    state, sent = step(state, "d2", "feedback.submit", {"id": "f1", "text": "Góp ý"})
    assert list(changed_items(state, sent)) == ["d2"]
    state, marked = step(state, "s1", "feedback.mark",
                         {"id": "f1", "status": "answered", "answer": "Đã bổ sung."})
    (entry,) = changed_items(state, marked)["d2"]["feedback"]
    assert (entry["status"], entry["answer"]) == ("answered", "Đã bổ sung.")


def test_a_merge_tells_the_author_of_the_duplicate() -> None:
    state = meeting()
    state, _ = step(state, "d1", "feedback.submit", {"id": "f1", "text": "Thêm chỉ tiêu"})
    state, _ = step(state, "d2", "feedback.submit", {"id": "f2", "text": "Thêm chỉ tiêu nữa"})
    state, merged = step(state, "s1", "feedback.merge", {"id": "f2", "into": "f1"})
    mine = changed_items(state, merged)
    assert list(mine) == ["d2"]
    assert mine["d2"]["feedback"][0]["merged_into"] == "f1"


def test_votes_and_other_kinds_concern_no_one() -> None:
    state = meeting()
    state, _ = step(state, "d1", "question.ask", {"id": "q1", "text": "Vì sao?"})
    state, _ = step(state, "s1", "question.approve", {"id": "q1"})
    state, voted = step(state, "d2", "question.vote", {"id": "q1", "up": True})
    assert changed_items(state, voted) == {}


def test_the_whole_list_is_the_authors_own_only() -> None:
    state = meeting()
    state, _ = step(state, "d1", "question.ask", {"id": "q1", "text": "Của d1"})
    state, _ = step(state, "d2", "question.ask", {"id": "q2", "text": "Của d2"})
    state, _ = step(state, "d1", "feedback.submit", {"id": "f1", "text": "Góp ý của d1"})
    state, _ = step(state, "d2", "feedback.submit", {"id": "f2", "text": "Góp ý của d2"})
    mine = my_items(state, "d1")
    assert [q["id"] for q in mine["questions"]] == ["q1"]
    assert [f["id"] for f in mine["feedback"]] == ["f1"]
    assert my_items(state, "d3") == {"questions": [], "feedback": []}
