"""The minutes of a 350-delegate congress opened with 5 present, built from its log and
rendered, then read back (pdftotext -layout and -bbox, python-docx, the Markdown and JSON
text): long lines wrap inside the margins, the absent list is compact, no heading ends a page,
the staff are not absent delegates, placeholder documents are not listed, and the Q&A is in
every format and both languages."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

import docx
import pytest

from rooms.minutes_builder import build_minutes
from rooms.minutes_model import AbsentDelegate, AgendaItem, Minutes
from server.exports import render_docx, render_json, render_markdown, render_pdf
from server.exports.blocks import Heading
from server.exports.layout import build_layout
from tests.rooms.minutes_fixtures import Meeting
from tests.server.test_exports import sample_minutes, save

ROSTER = Path(__file__).resolve().parents[2] / "server" / "assets" / "demo" / "roster.csv"
# No city is set, so the dateline is the venue's long name and the date.
PLACE = "Trung tâm Hội nghị - Văn hóa tỉnh Quảng Ninh, phường Hồng Hà, thành phố Hạ Long"
PRESENT = ("DB0004", "DB0005", "DB0006", "DB0007", "DB0008")
QUESTIONS = {
    "q1": ("DB0004", "Chỉ tiêu tạo việc làm mới trong nhiệm kỳ tới là bao nhiêu?"),
    "q2": ("DB0005", "Kinh phí hoạt động của Ban công tác Mặt trận ở khu dân cư lấy từ đâu?"),
    "q3": ("DB0006", "Câu hỏi bị ẩn vì không phù hợp"),
}
# Right edge of the text area: A4 is 595.28 pt wide, the right margin 15 mm (42.52 pt).
RIGHT_EDGE = 595.28 - 42.52


def _people() -> list[dict[str, Any]]:
    with ROSTER.open(encoding="utf-8", newline="") as f:
        return [
            {
                "id": r["code"],
                "full_name": r["full_name"],
                "role": r["role"],
                "delegation": r["delegation"],
                "seat": r["seat"],
            }
            for r in csv.DictReader(f)
        ]


def congress() -> Meeting:
    """The demo roster (chair DB0001, secretaries DB0002 and DB0003, 347 delegates). The
    secretaries run the desk and the agenda and never check in; 5 delegates do."""
    m = Meeting(_people(), place=PLACE)
    plan = {
        "items": [
            {
                "id": "1",
                "title": "Báo cáo chính trị",
                "kind": "report",
                "documents": ["Dự thảo Báo cáo chính trị (PDF, ~60 trang)"],
            },
            {
                "id": "2",
                "title": "Thảo luận, góp ý dự thảo Báo cáo chính trị",
                "kind": "discussion",
            },
        ]
    }
    m.do("DB0002", "agenda.import", plan, minute=-30)
    for pid in PRESENT:
        m.do("DB0003", "checkin.manual", {"participant": pid}, minute=-10)
    m.do("DB0001", "meeting.open", minute=0)
    m.do("DB0001", "agenda.set_current", {"id": "1"}, minute=1)
    m.do("DB0001", "agenda.set_current", {"id": "2"}, minute=20)
    for n, (qid, (who, text)) in enumerate(QUESTIONS.items()):
        m.do(who, "question.ask", {"id": qid, "text": text}, minute=21 + n)
        m.do("DB0002", "question.approve", {"id": qid}, minute=25)
    m.do("DB0002", "question.hide", {"id": "q3"}, minute=26)
    for who in ("DB0004", "DB0006", "DB0007"):
        m.do(who, "question.vote", {"id": "q2", "up": True}, minute=27)
    m.do("DB0008", "question.vote", {"id": "q1", "up": True}, minute=27)
    m.do("DB0002", "question.answer", {"id": "q2"}, minute=30)
    m.do("DB0001", "meeting.close", minute=60)
    return m


@pytest.fixture(scope="module")
def minutes() -> Minutes:
    return build_minutes(congress().entries, final=True)


def _pdftotext(pdf: bytes, *args: str) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return unicodedata.normalize("NFC", out.stdout.decode("utf-8"))


def _pages(pdf: bytes) -> list[str]:
    return _pdftotext(pdf, "-layout").split("\f")[:-1]


def _squash(text: str) -> str:
    return "".join(text.split())


# --- who is absent, which documents ----------------------------------------------------------


def test_staff_are_not_absent_and_placeholders_are_not_documents(minutes: Minutes) -> None:
    a = minutes.attendance
    absent = {x.name for x in a.absent}
    staff = {"Dương Xuân Hải", "Trần Kim Yến", "Nguyễn Thị Thảo"}  # DB0001-DB0003
    assert not staff & absent
    assert (a.entitled, a.present, len(a.absent)) == (350, 8, 342)
    assert all(item.documents == () for item in minutes.agenda)
    md = render_markdown(minutes)
    assert "Dự thảo Báo cáo chính trị (PDF" not in md and "Tài liệu:" not in md


# --- the PDF ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pdf_long_lines_wrap_inside_the_margin(minutes: Minutes, lang: str) -> None:
    pdf = render_pdf(minutes, lang)
    save(f"minutes-congress-{lang}.pdf", pdf)
    date = "ngày 20 tháng 11 năm 2025" if lang == "vi" else "20 November 2025"
    lines = [" ".join(line.split()) for line in _pdftotext(pdf, "-layout").splitlines()]
    # The date whole on one line, the venue (wrapped) in full above it.
    assert any(line.endswith(date) for line in lines), date
    assert _squash(PLACE + ",") in _squash(_pdftotext(pdf, "-f", "1", "-l", "1"))
    # No word of any page is drawn past the right margin (where it would be cut off).
    boxes = re.findall(
        r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"', _pdftotext(pdf, "-bbox")
    )
    assert boxes and max(float(x) for x in boxes) <= RIGHT_EDGE + 0.5


def test_pdf_absent_list_of_342_takes_at_most_3_pages(minutes: Minutes) -> None:
    pdf = render_pdf(minutes)
    # -raw: in the order drawn, so a name wrapped inside its cell is not split by the
    # neighbouring cells' text. The table's header row is repeated on every page it runs on.
    pages = [_squash(page) for page in _pdftotext(pdf, "-raw").split("\f")]
    holding = [i for i, page in enumerate(pages) if "Họvàtên(lýdovắng,nếucó)" in page]
    assert 1 <= len(holding) <= 3, holding
    assert "Danhsáchđạibiểuvắngmặt,theođoàn:" in pages[holding[0]]
    listed = "".join(pages[i] for i in holding)
    for x in minutes.attendance.absent:
        assert _squash(x.name) in listed, x.name


def test_pdf_345_absent_from_the_model_take_at_most_3_pages() -> None:
    """The issue's congress: 345 absent, a few of them with a reason given."""
    people = [p for p in _people() if p["role"] == "delegate"][:345]
    absent = tuple(
        AbsentDelegate(p["full_name"], p["delegation"], "Đi công tác" if i % 25 == 0 else "")
        for i, p in enumerate(people)
    )
    base = sample_minutes()
    minutes = replace(base, attendance=replace(base.attendance, present=5, absent=absent))
    pdf = render_pdf(minutes)
    pages = [_squash(page) for page in _pdftotext(pdf, "-raw").split("\f")]
    # The table's header row is repeated at the top of every page it runs onto.
    holding = [i for i, page in enumerate(pages) if "Họvàtên(lýdovắng,nếucó)" in page]
    assert 1 <= len(holding) <= 3, holding
    listed = "".join(pages[i] for i in holding)
    assert listed.count("(Đicôngtác)") == 14
    assert all(_squash(x.name) in listed for x in absent)


def _headings(minutes: Minutes) -> list[str]:
    return [_squash(b.text) for b in build_layout(minutes).body if isinstance(b, Heading)]


@pytest.mark.parametrize("notes", range(6, 14))
def test_pdf_no_heading_is_last_on_a_page(notes: int) -> None:
    """The same minutes with 6 to 13 notes in the first agenda item, which moves every later
    heading down the pages a line at a time; with 10 notes section III's heading used to be
    left alone at the foot of page 3, its first poll's heading on the next page."""
    base = sample_minutes()
    first = base.agenda[0]
    filler = tuple(f"Ghi chú số {i + 1} của thư ký." for i in range(notes))
    item = AgendaItem(**{**first.__dict__, "notes": filler})
    minutes = replace(base, agenda=(item, *base.agenda[1:]))
    headings = _headings(minutes)
    for page in _pages(render_pdf(minutes)):
        body = re.sub(r"Trang \d+/\d+\s*$", "", page.rstrip())
        text = _squash(body)
        assert not any(text.endswith(h) for h in headings), body[-300:]


# --- DOCX ------------------------------------------------------------------------------------


def test_docx_headings_and_table_introductions_keep_with_next(minutes: Minutes) -> None:
    document = docx.Document(io.BytesIO(render_docx(minutes)))
    headings = [p for p in document.paragraphs if p.style and p.style.name.startswith("Heading")]
    assert len(headings) >= 5
    assert all(p.paragraph_format.keep_with_next for p in headings)
    for p in document.paragraphs:
        if p.text.startswith(("Danh sách đại biểu vắng mặt", "Câu hỏi của đại biểu")):
            assert p.paragraph_format.keep_with_next, p.text
            assert p._p.getnext().tag.endswith("}tbl")
    # The absent list by delegation: a row per delegation, every name in it.
    table = next(t for t in document.tables if t.rows[0].cells[-1].text.startswith("Họ và tên ("))
    names = " ".join(row.cells[-1].text for row in table.rows[1:])
    assert all(x.name in names for x in minutes.attendance.absent)
    assert len(table.rows) - 1 == 17  # the demo roster's delegations
    delegations = [row.cells[1].text for row in table.rows[1:]]
    # In dictionary order (đ after d, before h); each delegation's names as people are sorted.
    assert delegations[:3] == ["Đoàn Chủ tịch", "H. Ba Chẽ", "H. Bình Liêu"]
    assert delegations[-1] == "TX. Quảng Yên"


# --- the Q&A in every format -----------------------------------------------------------------

QA = {
    "vi": ("Câu hỏi của đại biểu được đưa ra hội nghị (2 câu hỏi):", "Đã trả lời", "Chưa trả lời"),
    "en": ("Questions from delegates put to the meeting (2):", "Answered", "Not answered"),
}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_qa_is_in_every_format(minutes: Minutes, lang: str) -> None:
    intro, answered, open_ = QA[lang]
    q1, q2 = QUESTIONS["q1"][1], QUESTIONS["q2"][1]
    md = render_markdown(minutes, lang)
    assert intro in md
    assert f"| 1 | {q2} | Vũ Mạnh Cường (Đoàn Chủ tịch) | 3 | {answered} |" in md
    assert f"| 2 | {q1} | Trần Thị Loan (Đoàn Chủ tịch) | 1 | {open_} |" in md
    assert QUESTIONS["q3"][1] not in md  # hidden

    document = docx.Document(io.BytesIO(render_docx(minutes, lang)))
    rows = [
        [c.text for c in row.cells]
        for t in document.tables
        if len(t.columns) == 5 and t.rows[1].cells[1].text == q2
        for row in t.rows
    ]
    assert rows[1][1:] == [q2, "Vũ Mạnh Cường (Đoàn Chủ tịch)", "3", answered]

    text = _squash(_pdftotext(render_pdf(minutes, lang), "-raw"))
    for needle in (intro, q1, q2, answered, open_):
        assert _squash(needle) in text, needle
    assert _squash(QUESTIONS["q3"][1]) not in text

    data = json.loads(render_json(minutes))
    item = next(i for i in data["agenda"] if i["questions"])
    assert [(q["text"], q["votes"], q["answered"]) for q in item["questions"]] == [
        (q2, 3, True),
        (q1, 1, False),
    ]
