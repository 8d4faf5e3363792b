"""Feedback (góp ý) and its moderation and summary; Q&A with moderation and upvotes."""

from __future__ import annotations

from typing import Any

import pytest

from rooms import agenda, questions
from rooms.feedback import feedback_of, snapshot, summarize
from rooms.model import Rejected, Role
from rooms.state import MeetingState
from tests.rooms.floor_fixtures import T0, ev, given, opened_meeting, sees, then_apply, when

PLAN = [{"title": "Báo cáo chính trị", "kind": "report"}, {"title": "Thảo luận"}]
DOC = {
    "id": "d1",
    "title": "Dự thảo",
    "item": "1",
    "version": 1,
    "sha256": "a" * 64,
    "size": 10,
    "mime": "application/pdf",
    "filename": "x.pdf",
    "pages": 60,
    "by": "s1",
}


def meeting() -> MeetingState:
    items = [i.to_dict() for i in agenda.normalize(PLAN)]
    return given(
        *opened_meeting(),
        ev("agenda.imported", {"items": items}),
        ev("agenda.current_changed", {"id": "2", "previous": None}),
        ev("document.published", DOC),
    )


def submit(state: MeetingState, who: str, fid: str, text: str, **place: Any) -> MeetingState:
    return then_apply(
        state, when(state, who, "feedback.submit", {"id": fid, "text": text, **place})
    )


# ---- feedback ----------------------------------------------------------------------------------


def test_feedback_on_a_document_place_is_seen_live_by_staff_only() -> None:
    state = meeting()
    (event,) = when(
        state,
        "d1",
        "feedback.submit",
        {"id": "f1", "text": " Sửa câu 3 ", "document": "d1", "page": 12, "paragraph": 3},
    )
    assert event.kind == "feedback.submitted"
    assert dict(event.body) == {
        "id": "f1",
        "author": "d1",
        "item": "1",
        "text": "Sửa câu 3",
        "document": "d1",
        "version": 1,
        "page": 12,
        "paragraph": 3,
    }
    assert {r for r in Role if sees(event, r)} == {Role.CHAIR, Role.SECRETARY}


def test_feedback_defaults_to_the_current_item() -> None:
    state = submit(meeting(), "d1", "f1", "Ý kiến")
    assert feedback_of(state).entries["f1"].item == "2"


@pytest.mark.parametrize(
    ("body", "then_code"),
    [
        ({"text": "   "}, "invalid"),
        ({"text": "x" * 4001}, "invalid"),
        ({"text": "x", "item": "9"}, "not_found"),
        ({"text": "x", "document": "nope"}, "not_found"),
        ({"text": "x", "document": "d1", "page": 61}, "invalid"),
    ],
)
def test_bad_feedback_is_rejected(body: dict[str, Any], then_code: str) -> None:
    with pytest.raises(Rejected) as rej:
        when(meeting(), "d1", "feedback.submit", {"id": "f1", **body})
    assert rej.value.code == then_code


def test_markup_is_stored_as_the_text_typed() -> None:
    state = submit(meeting(), "d1", "f1", '<img src=x onerror="alert(1)">')
    assert feedback_of(state).entries["f1"].text == '<img src=x onerror="alert(1)">'


def test_a_delegate_sees_only_their_own_feedback() -> None:
    state = submit(submit(meeting(), "d1", "f1", "một"), "d2", "f2", "hai")
    assert [f["id"] for f in snapshot(state, Role.DELEGATE, "d1")["feedback"]] == ["f1"]
    assert [f["id"] for f in snapshot(state, Role.SECRETARY, "s1")["feedback"]] == ["f1", "f2"]
    assert snapshot(state, Role.SCREEN, "h1")["feedback"] == []


def test_secretary_tags_merges_and_marks_and_the_summary_counts_support() -> None:
    state = meeting()
    state = submit(state, "d1", "f1", "Bổ sung số liệu", item="1")
    state = submit(state, "d2", "f2", "Cần bổ sung số liệu", item="1")
    state = submit(state, "d3", "f3", "Thêm số liệu năm 2024", item="1")
    state = submit(state, "d3", "f4", "Sửa lỗi chính tả", item="1")
    state = submit(state, "d1", "f5", "Về thảo luận", item="2")
    state = then_apply(
        state,
        when(state, "s1", "feedback.tag", {"id": "f1", "tags": ["số liệu", "số liệu", "kinh tế"]}),
    )
    state = then_apply(state, when(state, "s1", "feedback.merge", {"id": "f2", "into": "f1"}))
    # Merging into a merged entry goes to its root.
    state = then_apply(state, when(state, "s1", "feedback.merge", {"id": "f3", "into": "f2"}))
    state = then_apply(
        state,
        when(
            state,
            "s1",
            "feedback.mark",
            {"id": "f1", "status": "accepted", "answer": "Đã tiếp thu"},
        ),
    )
    state = then_apply(
        state, when(state, "s1", "feedback.mark", {"id": "f4", "status": "answered"})
    )
    entries = feedback_of(state).entries
    assert entries["f1"].tags == ("số liệu", "kinh tế")
    assert entries["f3"].merged_into == "f1"
    summary = summarize(entries)
    first = summary["1"]
    assert (first.received, first.distinct) == (4, 2)
    assert dict(first.by_status) == {"new": 0, "accepted": 1, "answered": 1}
    assert dict(first.tags) == {"kinh tế": 1, "số liệu": 1}
    assert [(p.feedback.id, p.supporters) for p in first.points] == [
        ("f1", ("d1", "d2", "d3")),
        ("f4", ("d3",)),
    ]
    assert summary["2"].received == 1


def test_merge_and_mark_rules() -> None:
    state = submit(submit(meeting(), "d1", "f1", "a"), "d2", "f2", "b")
    with pytest.raises(Rejected):
        when(state, "s1", "feedback.merge", {"id": "f1", "into": "f1"})
    state = then_apply(state, when(state, "s1", "feedback.merge", {"id": "f2", "into": "f1"}))
    with pytest.raises(Rejected) as rej:
        when(state, "s1", "feedback.mark", {"id": "f2", "status": "accepted"})
    assert rej.value.code == "invalid_state"
    with pytest.raises(Rejected) as rej:
        when(state, "d1", "feedback.tag", {"id": "f1", "tags": ["x"]})
    assert rej.value.code == "forbidden"


# ---- Q&A -------------------------------------------------------------------------------------


def ask(
    state: MeetingState, who: str, qid: str, text: str = "Câu hỏi?", at: int = T0
) -> MeetingState:
    return then_apply(state, when(state, who, "question.ask", {"id": qid, "text": text}, now=at))


def test_a_question_reaches_delegates_and_the_screen_only_once_approved() -> None:
    state = meeting()
    (asked,) = when(state, "d1", "question.ask", {"id": "q1", "text": "<b>Vì sao?</b>"})
    assert {r for r in Role if sees(asked, r)} == {Role.CHAIR, Role.SECRETARY}
    state = then_apply(state, [asked])
    assert questions.snapshot(state, Role.SCREEN, "h1")["questions"] == []
    assert [q["id"] for q in questions.snapshot(state, Role.DELEGATE, "d1")["my_questions"]] == [
        "q1"
    ]
    (approved,) = when(state, "s1", "question.approve", {"id": "q1"})
    assert all(sees(approved, r) for r in Role)
    assert approved.body["text"] == "<b>Vì sao?</b>" and approved.body["votes"] == 0
    state = then_apply(state, [approved])
    assert [q["id"] for q in questions.snapshot(state, Role.SCREEN, "h1")["questions"]] == ["q1"]
    state = then_apply(state, when(state, "s1", "question.hide", {"id": "q1"}))
    assert questions.snapshot(state, Role.SCREEN, "h1")["questions"] == []
    assert questions.ranked(state) == []


def test_only_approved_questions_take_votes_and_the_screen_orders_by_votes() -> None:
    state = meeting()
    for n, qid in enumerate(("q1", "q2", "q3")):
        state = ask(state, "d1", qid, at=T0 + n)
    with pytest.raises(Rejected) as rej:
        when(state, "d2", "question.vote", {"id": "q1", "up": True})
    assert rej.value.code == "not_found"
    for qid in ("q1", "q2", "q3"):
        state = then_apply(state, when(state, "c1", "question.approve", {"id": qid}))
    for who, qid in (("d1", "q2"), ("d2", "q2"), ("d3", "q3")):
        (vote,) = when(state, who, "question.vote", {"id": qid, "up": True})
        assert {r for r in Role if sees(vote, r)} == {Role.CHAIR, Role.SECRETARY}
        state = then_apply(state, [vote])
    assert [(q.id, q.votes) for q in questions.ranked(state)] == [("q2", 2), ("q3", 1), ("q1", 0)]
    assert questions.snapshot(state, Role.DELEGATE, "d1")["my_votes"] == ["q2"]
    # Taking a vote back.
    state = then_apply(state, when(state, "d1", "question.vote", {"id": "q2", "up": False}))
    assert [(q.id, q.votes) for q in questions.ranked(state)] == [("q2", 1), ("q3", 1), ("q1", 0)]


def test_a_vote_folded_twice_counts_once() -> None:
    state = ask(meeting(), "d1", "q1")
    state = then_apply(state, when(state, "c1", "question.approve", {"id": "q1"}))
    vote = when(state, "d2", "question.vote", {"id": "q1", "up": True})
    state = then_apply(state, vote + vote)
    assert questions.questions_of(state).questions["q1"].votes == 1


def test_screen_and_staff_cannot_ask_or_vote() -> None:
    state = ask(meeting(), "d1", "q1")
    for who in ("h1", "c1"):
        with pytest.raises(Rejected) as rej:
            when(state, who, "question.ask", {"id": "q9", "text": "x"})
        assert rej.value.code == "forbidden"
    with pytest.raises(Rejected) as rej:
        when(state, "d1", "question.approve", {"id": "q1"})
    assert rej.value.code == "forbidden"
