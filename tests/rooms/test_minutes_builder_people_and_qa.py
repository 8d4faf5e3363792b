"""The minutes built from a log: who the minutes call absent, which documents they list, and
the Q&A's approved questions with their votes, per agenda item."""

from __future__ import annotations

from typing import Any

from rooms.minutes_builder import build_minutes
from rooms.minutes_model import Minutes, QuestionEntry
from tests.rooms.minutes_fixtures import ROSTER, Meeting

PLAN = {
    "items": [
        {
            "id": "1",
            "title": "Báo cáo chính trị",
            "kind": "report",
            # An imported plan names its documents by title before any file is uploaded.
            "documents": ["Dự thảo Báo cáo chính trị (PDF, ~60 trang)", "bc"],
        },
        {"id": "2", "title": "Thảo luận", "kind": "discussion"},
    ]
}
UPLOAD = {
    "id": "bc",
    "title": "Báo cáo chính trị",
    "item": "1",
    "sha256": "b" * 64,
    "size": 2000,
    "mime": "application/pdf",
    "filename": "bc.pdf",
    "pages": 60,
}


def _meeting(roster: list[dict[str, Any]] | None = None) -> Meeting:
    m = Meeting(roster)
    m.do("S1", "agenda.import", PLAN, minute=-30)
    for pid in ("D1", "D2"):
        m.do("S1", "checkin.manual", {"participant": pid}, minute=-10)
    m.do("C1", "meeting.open", minute=0)
    m.do("C1", "agenda.set_current", {"id": "1"}, minute=1)
    return m


def test_staff_who_worked_the_meeting_are_present_not_absent_delegates() -> None:
    # Nobody on the staff checks in: the chair opens the meeting, the secretary runs the
    # agenda. A second secretary on the roster never shows up and never acts.
    roster = [*ROSTER, {"id": "S2", "full_name": "Hà Văn Bình", "role": "secretary"}]
    m = _meeting(roster)
    m.do("C1", "meeting.close", minute=30)
    a = build_minutes(m.entries, final=True).attendance
    absent = [x.name for x in a.absent]
    assert "Trần Thị Loan" not in absent and "Lê Văn Hùng" not in absent
    # The screen is not a delegate at all; the idle secretary and two delegates are absent.
    assert absent == ["Hà Văn Bình", "Vũ Thị Ênh", "Đỗ Minh Quân"]
    assert (a.entitled, a.present, a.absent_count) == (7, 4, 3)
    assert len(a.absent) == a.absent_count


def test_only_uploaded_and_released_documents_are_listed() -> None:
    m = _meeting()
    before = build_minutes(m.entries, final=False).agenda[0]
    assert before.documents == ()  # the plan's titles alone are placeholders
    m.do("S1", "document.add", UPLOAD, minute=2)
    after = build_minutes(m.entries, final=False).agenda[0]
    assert [(d.title, d.version, d.pages) for d in after.documents] == [
        ("Báo cáo chính trị", "1", 60)
    ]


def _ask(m: Meeting, who: str, qid: str, text: str, minute: float, **body: Any) -> None:
    m.do(who, "question.ask", {"id": qid, "text": text, **body}, minute=minute)


def test_approved_questions_with_their_votes_per_item_most_supported_first() -> None:
    m = _meeting()
    _ask(m, "D1", "q1", "Chỉ tiêu việc làm năm tới là bao nhiêu?", 2)
    _ask(m, "D2", "q2", "Kinh phí cho Mặt trận cơ sở lấy từ đâu?", 3)
    _ask(m, "D2", "q3", "Câu hỏi không phù hợp", 3.5)
    _ask(m, "D1", "q4", "Khi nào có ý kiến trả lời bằng văn bản?", 4, item="2")
    _ask(m, "D2", "q5", "Câu hỏi chưa được duyệt", 4.5)
    for qid in ("q1", "q2", "q3", "q4"):
        m.do("S1", "question.approve", {"id": qid}, minute=5)
    m.do("S1", "question.hide", {"id": "q3"}, minute=6)
    for who in ("D1", "D2"):
        m.do(who, "question.vote", {"id": "q2", "up": True}, minute=7)
    m.do("D2", "question.vote", {"id": "q1", "up": True}, minute=7)
    m.do("S1", "question.answer", {"id": "q2"}, minute=8)
    minutes = build_minutes(m.entries, final=False)
    first, second = minutes.agenda
    assert first.questions == (
        QuestionEntry(
            "Kinh phí cho Mặt trận cơ sở lấy từ đâu?", "Phạm Thị Đào", "Cẩm Phả", 2, True
        ),
        QuestionEntry(
            "Chỉ tiêu việc làm năm tới là bao nhiêu?", "Nguyễn Văn Ánh", "Hạ Long", 1, False
        ),
    )
    # Asked for item 2 before it ran: the item is in the minutes for its question.
    assert [q.text for q in second.questions] == ["Khi nào có ý kiến trả lời bằng văn bản?"]
    assert minutes.questions == ()
    assert Minutes.from_dict(minutes.to_dict()) == minutes


def test_a_question_asked_with_no_item_current_is_a_general_question() -> None:
    m = Meeting()
    m.do("S1", "checkin.manual", {"participant": "D1"}, minute=-10)
    m.do("C1", "meeting.open", minute=0)
    _ask(m, "D1", "q1", "Đại hội có phát trực tuyến không?", 1)
    m.do("S1", "question.approve", {"id": "q1"}, minute=2)
    minutes = build_minutes(m.entries, final=False)
    assert minutes.agenda == ()
    assert [(q.text, q.author) for q in minutes.questions] == [
        ("Đại hội có phát trực tuyến không?", "Nguyễn Văn Ánh")
    ]


def test_files_written_before_the_qa_was_in_the_minutes_still_read() -> None:
    m = _meeting()
    data = build_minutes(m.entries, final=False).to_dict()
    del data["questions"]
    for item in data["agenda"]:  # type: ignore[attr-defined]
        del item["questions"]
    assert Minutes.from_dict(data).questions == ()
