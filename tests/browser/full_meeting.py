"""A meeting with every panel of every view filled, for the checks that walk a whole page
(touch targets, axe-core): the meeting open on its first item, a two-page document presented,
a speaker on the floor and others waiting, approved questions and one of the delegate's own
still pending, the delegate's feedback, and an election open in which the delegate has not
voted yet (its ballot is a list of label-wrapped checkboxes).

`DELEGATE` is the tablet these checks look at; the others are present and busy."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import ROOT
from tests.browser.hall import as_participant

DELEGATE = "DB0004"
OTHERS = ("DB0005", "DB0006", "DB0007")
SCREEN = "SCREEN1"
CANDIDATES = ("Nguyễn Thị Minh Khai", "Trần Văn Hùng", "Lê Thị Hồng Nhung")


def two_page_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(ROOT / "server" / "assets" / "fonts" / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", size=28)
    for n in (1, 2):
        pdf.add_page()
        pdf.cell(0, 20, f"Dự thảo Báo cáo chính trị — trang {n}")
    return bytes(pdf.output())


def upload_document(meeting: Any) -> str:
    response = meeting.request(
        "POST", f"/api/meetings/{meeting.id}/documents",
        params={"filename": "bao-cao.pdf", "title": "Dự thảo Báo cáo chính trị"},
        content=two_page_pdf(), headers={"Content-Type": "application/pdf"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["document"]["id"])


def full_meeting(new_meeting: Any) -> tuple[Any, dict[str, str]]:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("participant.add", {"id": SCREEN, "full_name": "Màn hình hội trường",
                                        "role": "screen"})
    meeting.command("meeting.open")
    meeting.command("agenda.import", {"items": [
        {"title": "Báo cáo chính trị", "kind": "report", "minutes": 20},
        {"title": "Bầu Ủy ban MTTQ tỉnh khóa XV", "kind": "election", "minutes": 30},
    ]})
    meeting.command("agenda.set_current", {"id": "1"})
    links = meeting.links()
    for pid in (DELEGATE, *OTHERS):
        meeting.command("checkin.manual", {"participant": pid})
    meeting.command("floor.follow", {"document": upload_document(meeting), "page": 1})
    for pid in OTHERS:
        as_participant(meeting, links[pid], "speakers.request", {})
    meeting.command("speakers.give_floor", {"participant": OTHERS[0]})
    for n, pid in enumerate(OTHERS, 1):
        ack = as_participant(meeting, links[pid], "question.ask",
                             {"text": f"Câu hỏi số {n} về nguồn kinh phí thực hiện Chương trình"})
        meeting.command("question.approve", {"id": ack["result"]["id"]})
    as_participant(meeting, links[DELEGATE], "question.ask",
                   {"text": "Đề nghị làm rõ chỉ tiêu chuyển đổi số của Mặt trận các cấp"})
    as_participant(meeting, links[DELEGATE], "feedback.submit",
                   {"text": "Đề nghị bổ sung số liệu năm 2024 vào phần đánh giá", "item": "1"})
    meeting.command("poll.create", {
        "id": "bau", "title": "Bầu Ủy ban MTTQ tỉnh khóa XV (2 người)", "method": "approval",
        "candidates": [{"id": f"c{n}", "label": name} for n, name in enumerate(CANDIDATES, 1)],
        "seats": 2, "secret": True, "agenda_item": "1",
        "rule": "more than 1/2 of valid ballots",
    })
    meeting.command("poll.open", {"poll": "bau"})
    as_participant(meeting, links[OTHERS[1]], "ballot.cast",
                   {"poll": "bau", "choice": ["c1"], "ballot_id": "bau-other"})
    return meeting, links
