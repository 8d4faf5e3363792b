"""A congress-sized annex of named votes: hundreds of voters driven through the real domain,
the minutes written as DOCX and PDF, read back with python-docx and pypdf. The DOCX rows are
copies of one model row and the PDF table is drawn by `server.exports.pdf_table`, both for
speed (scripts/bench_minutes.py): every row must still hold its own voter, in order, with
the header row repeated on each page, the voters who cast nothing among them."""

from __future__ import annotations

import io
import random
import unicodedata
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt
from pypdf import PdfReader

from rooms.minutes_builder import build_minutes
from rooms.minutes_model import Minutes, NamedVote
from server.exports import render_docx, render_pdf
from server.exports.pdf_table import wrap
from tests.rooms.minutes_fixtures import ROSTER, Meeting

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Minh", "Đức", "Thu", "Quốc", "Ngọc", "Hữu")
GIVEN = ("Ánh", "Bình", "Cường", "Dũng", "Đào", "Giang", "Hạnh", "Hùng", "Khánh", "Loan",
         "Minh", "Nga", "Phúc", "Quân", "Sơn", "Thảo", "Uyên", "Việt", "Xuân", "Yến")
PROVINCES = ("Hà Nội", "Quảng Ninh", "Hải Phòng", "Thừa Thiên Huế", "Đà Nẵng", "Khánh Hòa",
             "Cần Thơ", "TP. Hồ Chí Minh", "Lâm Đồng", "Điện Biên")
CHOICES = ("yes", "yes", "yes", "no", "abstain")
LABELS = {"yes": "Tán thành", "no": "Không tán thành", "abstain": "Không biểu quyết"}
NOT_VOTED = "Không bỏ phiếu"
HEADER = ["STT", "Mã đại biểu", "Họ và tên", "Đoàn", "Ghế", "Lựa chọn", "Ghi chú"]


def congress(delegates: int, named_polls: int, seed: int = 7) -> Minutes:
    """Minutes of a congress of `delegates` (about 1 % absent, each with a proxy to the next
    one) and `named_polls` named yes/no/abstain votes answered by every voter but about 2 %
    (every 50th delegate, and the ballot of the second absent one, which its proxy holder does
    not cast): the annex lists them too. Shared with scripts/bench_minutes.py, which times
    the exports of 5,000."""
    rng = random.Random(seed)
    people: list[dict[str, Any]] = [p for p in ROSTER if p["role"] != "delegate"]
    for i in range(1, delegates + 1):
        people.append(
            {
                "id": f"DB{i:05d}",
                "full_name": f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                "role": "delegate",
                "delegation": f"Đoàn {PROVINCES[i % len(PROVINCES)]}",
                "seat": f"{chr(65 + i % 20)}{i % 250 + 1:03d}",
            }
        )
    m = Meeting(roster=people)
    codes = [p["id"] for p in people if p["role"] == "delegate"]
    absent = codes[:-1:97]
    for pid in ("C1", "S1", *codes):
        if pid not in absent:
            m.do("S1", "checkin.manual", {"participant": pid}, minute=-10)
    for pid in absent:
        m.do("S1", "checkin.absent", {"participant": pid, "reason": "Công tác"}, minute=-5)
        holder = codes[codes.index(pid) + 1]
        m.do("S1", "proxy.grant", {"from": pid, "to": holder}, minute=-4)
    m.do("C1", "meeting.open", minute=0)
    silent = {*codes[5::50], *absent[1:2]}
    for n in range(1, named_polls + 1):
        body = {
            "id": f"p{n}",
            "title": f"Thông qua nghị quyết số {n}",
            "method": "yes_no_abstain",
            "rule": "more than 1/2 of valid ballots",
        }
        m.do("S1", "poll.create", body, minute=10 * n)
        m.do("C1", "poll.open", {"poll": f"p{n}"}, minute=10 * n + 1)
        choices = {v: rng.choice(CHOICES) for v in ("C1", "S1", *codes)}
        ballots = {v: c for v, c in choices.items() if v not in silent}
        m.close_poll(f"p{n}", ballots, minute=10 * n + 3)
    m.do("C1", "meeting.close", minute=10 * named_polls + 20)
    return build_minutes(m.entries, final=True)


def expected_rows(votes: tuple[NamedVote, ...]) -> list[list[str]]:
    """The annex rows written out from the model, independently of server.exports.layout."""
    return [
        [
            str(i),
            v.code,
            v.name,
            v.delegation,
            v.seat,
            NOT_VOTED if v.choice is None else LABELS[v.choice[0]],
            ""
            if not v.cast_by
            else f"{v.cast_by} nhận ủy quyền nhưng không bỏ phiếu thay"
            if v.choice is None
            else f"do {v.cast_by} bỏ phiếu thay",
        ]
        for i, v in enumerate(votes, 1)
    ]


@pytest.fixture(scope="module")
def minutes() -> Minutes:
    return congress(298, 1)  # with the chair and the secretary, 300 voters


def test_the_congress_has_300_named_votes_with_proxies(minutes: Minutes) -> None:
    poll = minutes.polls[0]
    votes = poll.named_votes
    assert len(votes) == 300 == poll.eligible
    assert sum(1 for v in votes if v.cast_by) == 4  # DB00001, 98, 195, 292 were absent
    # DB00006, 56, ..., 256 did not vote, nor was DB00098's proxy used.
    silent = sorted(v.code for v in votes if v.choice is None)
    assert silent == ["DB00006", "DB00056", "DB00098", "DB00106", "DB00156", "DB00206", "DB00256"]
    assert poll.cast == 293


def test_docx_annex_rows_match_the_model_row_by_row(minutes: Minutes) -> None:
    document = docx.Document(io.BytesIO(render_docx(minutes)))
    table = next(t for t in document.tables if t.rows[0].cells[1].text == "Mã đại biểu")
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == HEADER
    assert rows[1:] == expected_rows(minutes.polls[0].named_votes)
    # Only the header row repeats at the top of each page Word lays out.
    marks = [row._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") for row in table.rows]
    assert marks[0] is not None and marks[0].get(qn("w:val")) == "true"
    assert all(mark is None for mark in marks[1:])
    # Every copied row keeps the model row's formatting: grid borders, widths, 12 pt, plain.
    assert table.style is not None and table.style.name == "Table Grid"
    widths = [c.width for c in table.rows[0].cells]
    for row in table.rows[1:]:
        assert [c.width for c in row.cells] == widths
        for cell in row.cells:
            for run in cell.paragraphs[0].runs:
                assert run.font.size == Pt(12) and not run.bold
    assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)


def test_pdf_annex_names_every_voter_under_a_header_on_each_page(minutes: Minutes) -> None:
    reader = PdfReader(io.BytesIO(render_pdf(minutes)))
    pages = [unicodedata.normalize("NFC", page.extract_text()) for page in reader.pages]
    start = next(i for i, text in enumerate(pages) if "PHỤ LỤC" in text)
    annex = pages[start:]
    assert len(annex) > 5
    # Spaces dropped: a code too wide for its narrow column wraps ("DB00" / "220").
    text = "".join("".join(annex).split())
    votes = minutes.polls[0].named_votes
    rows = [f"{i}{v.code}{v.name}".replace(" ", "") for i, v in enumerate(votes, 1)]
    positions = [text.index(row) for row in rows]
    assert positions == sorted(positions)  # every voter, in the model's order
    for page in annex:  # the header row again at the top of each page
        words = " ".join(page.split())
        assert "STT Mã đại biểu Họ và tên Đoàn Ghế Lựa chọn Ghi chú" in words


def test_wrap_breaks_at_spaces_and_cuts_a_word_too_long_for_the_cell() -> None:
    def width(text: str) -> float:
        return float(len(text))

    assert wrap("Nguyễn Văn Ánh", 20, width) == ["Nguyễn Văn Ánh"]
    assert wrap("Nguyễn Văn Ánh", 10, width) == ["Nguyễn Văn", "Ánh"]
    assert wrap("abcdefghij xy", 4, width) == ["abcd", "efgh", "ij", "xy"]
    assert wrap("một\ngiờ", 20, width) == ["một", "giờ"]
    assert wrap("", 5, width) == [""]
