"""The annex of named votes in every minutes format: built from a real log (named vote with a
proxy, secret election), written, then read back with python-docx, pypdf and json. A secret
poll's voters never appear next to a choice, in any format or language."""

from __future__ import annotations

import io
import json
import unicodedata
from dataclasses import replace
from decimal import Decimal

import docx
import pytest
from pypdf import PdfReader

from rooms.minutes_builder import build_minutes
from rooms.minutes_model import Minutes, NamedVote
from server.exports import render_docx, render_json, render_markdown, render_pdf
from tests.rooms.minutes_fixtures import Meeting, full_meeting, partial_named_meeting

# In Vietnamese order (by given name: Ánh, Đào, Hùng, Loan, Quân), written out by hand.
EXPECTED = {
    "vi": [
        ("D1", "Nguyễn Văn Ánh", "Tán thành", ""),
        ("D2", "Phạm Thị Đào", "Không tán thành", ""),
        ("S1", "Lê Văn Hùng", "Tán thành", ""),
        ("C1", "Trần Thị Loan", "Tán thành", ""),
        ("D3", "Đỗ Minh Quân", "Không biểu quyết", "do Nguyễn Văn Ánh bỏ phiếu thay"),
    ],
    "en": [
        ("D1", "Nguyễn Văn Ánh", "Yes", ""),
        ("D2", "Phạm Thị Đào", "No", ""),
        ("S1", "Lê Văn Hùng", "Yes", ""),
        ("C1", "Trần Thị Loan", "Yes", ""),
        ("D3", "Đỗ Minh Quân", "Abstain", "cast by Nguyễn Văn Ánh as proxy"),
    ],
}
ANNEX = {"vi": ("PHỤ LỤC", "KẾT QUẢ BIỂU QUYẾT CÔNG KHAI"), "en": ("ANNEX", "NAMED VOTES")}
CANDIDATES = ("Hoàng Văn Nam", "Bùi Thị Hạnh", "Ngô Đức Long")


@pytest.fixture(scope="module")
def minutes() -> Minutes:
    return build_minutes(full_meeting().entries, final=True)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _docx_tables(data: bytes) -> list[list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]


def _docx_paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def _pdf_lines(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    return [_nfc(line) for page in reader.pages for line in page.extract_text().splitlines()]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_docx_annex_table_lists_every_voter_in_order(minutes: Minutes, lang: str) -> None:
    data = render_docx(minutes, lang)
    paragraphs = _docx_paragraphs(data)
    title, subtitle = ANNEX[lang]
    start = paragraphs.index(title)
    assert paragraphs[start + 1] == subtitle
    # The annex starts on a new page, after the signatures and the log's seal.
    document = docx.Document(io.BytesIO(data))
    assert document.paragraphs[start].paragraph_format.page_break_before
    assert any("sha256" in p.lower() or "SHA-256" in p for p in paragraphs[:start])
    annex = [t for t in _docx_tables(data) if t[0][1] in ("Mã đại biểu", "Delegate code")]
    assert len(annex) == 1  # the named vote; the secret election has no table here
    rows = annex[0]
    assert rows[0][2:] == (
        ["Họ và tên", "Đoàn", "Lựa chọn", "Ghi chú"]
        if lang == "vi"
        else ["Full name", "Delegation", "Choice", "Note"]
    )
    assert [(r[1], r[2], r[4], r[5]) for r in rows[1:]] == EXPECTED[lang]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4", "5"]
    # Section III points to the annex.
    assert any(("Phụ lục" in p or "Annex" in p) for p in paragraphs[:start])


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pdf_annex_lists_every_voter_in_order(minutes: Minutes, lang: str) -> None:
    lines = _pdf_lines(render_pdf(minutes, lang))
    title, subtitle = ANNEX[lang]
    start = lines.index(title)
    assert lines[start + 1] == subtitle
    # Wrapped cells continue on the next lines: read each row up to where the next begins.
    annex = " ".join(" ".join(lines[start:]).split())
    rows = EXPECTED[lang]
    starts = [annex.index(f"{i} {code} {name} ") for i, (code, name, _, _) in enumerate(rows, 1)]
    assert starts == sorted(starts)
    for (_code, _name, choice, note), begin, end in zip(
        rows, starts, [*starts[1:], len(annex)], strict=True
    ):
        assert choice in annex[begin:end] and note in annex[begin:end], annex[begin:end]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_markdown_annex_rows(minutes: Minutes, lang: str) -> None:
    text = render_markdown(minutes, lang)
    title, subtitle = ANNEX[lang]
    annex = text[text.index(f"# {title}: {subtitle}") :]
    rows = [line for line in annex.splitlines() if line.startswith("| ") and "---" not in line]
    cells = [[c.strip() for c in r.strip("|").split("|")] for r in rows[1:]]
    assert [(c[1], c[2], c[4], c[5]) for c in cells] == EXPECTED[lang]


def test_json_named_votes_field(minutes: Minutes) -> None:
    data = json.loads(render_json(minutes))
    named, secret = data["polls"]
    assert [(v["code"], v["name"], v["choice"], v["cast_by"]) for v in named["named_votes"]] == [
        ("D1", "Nguyễn Văn Ánh", ["yes"], None),
        ("D2", "Phạm Thị Đào", ["no"], None),
        ("S1", "Lê Văn Hùng", ["yes"], None),
        ("C1", "Trần Thị Loan", ["yes"], None),
        ("D3", "Đỗ Minh Quân", ["abstain"], "Nguyễn Văn Ánh"),
    ]
    assert secret["secret"] is True and secret["named_votes"] == []


def test_the_secret_election_has_no_per_voter_line_in_any_format(minutes: Minutes) -> None:
    """In the same meeting as the named vote: no annex row holds a candidate, and the annex
    names only the named poll."""
    election = minutes.polls[1].title
    for lang in ("vi", "en"):
        docx_data = render_docx(minutes, lang)
        for table in _docx_tables(docx_data):
            if table[0][1] in ("Mã đại biểu", "Delegate code"):
                assert not any(c in cell for row in table for cell in row for c in CANDIDATES)
        paragraphs = _docx_paragraphs(docx_data)
        assert election not in "\n".join(paragraphs[paragraphs.index(ANNEX[lang][0]) :])
        pdf = _pdf_lines(render_pdf(minutes, lang))
        annex = "\n".join(pdf[pdf.index(ANNEX[lang][0]) :])
        assert election not in annex and not any(c in annex for c in CANDIDATES)
        md = render_markdown(minutes, lang)
        md_annex = md[md.index(f"# {ANNEX[lang][0]}") :]
        assert election not in md_annex and not any(c in md_annex for c in CANDIDATES)


def test_a_meeting_with_only_a_secret_poll_names_its_voters_nowhere() -> None:
    """The voters of this meeting are named only by the ballots they cast: if any export
    printed a name, it would be next to a secret choice."""
    m = Meeting()
    for pid in ("C1", "S1", "D1", "D2"):
        m.do("S1", "checkin.manual", {"participant": pid})
    m.do("C1", "meeting.open")
    m.do(
        "S1",
        "poll.create",
        {
            "id": "p",
            "title": "Bầu Trưởng ban",
            "method": "approval",
            "secret": True,
            "seats": 1,
            "rule": "more than 1/2 of valid ballots",
            "candidates": [
                {"id": "k1", "label": "Hoàng Văn Nam"},
                {"id": "k2", "label": "Bùi Thị Hạnh"},
            ],
        },
    )
    m.do("C1", "poll.open", {"poll": "p"})
    m.close_poll("p", {"C1": ["k1"], "S1": ["k2"], "D1": ["k1"], "D2": []}, minute=3)
    m.do("C1", "meeting.close", minute=5)
    built = build_minutes(m.entries, final=True)
    assert built.polls[0].named_votes == ()
    voters = ("Nguyễn Văn Ánh", "Phạm Thị Đào", '"D1"', '"D2"')
    for lang in ("vi", "en"):
        docx_data = render_docx(built, lang)
        texts = _docx_paragraphs(docx_data) + [
            cell for table in _docx_tables(docx_data) for row in table for cell in row
        ]
        outputs = {
            "docx": "\n".join(texts),
            "pdf": "\n".join(_pdf_lines(render_pdf(built, lang))),
            "md": render_markdown(built, lang),
            "json": render_json(built).decode("utf-8"),
        }
        for fmt, text in outputs.items():
            assert ANNEX[lang][0] not in text and ANNEX[lang][1] not in text, (fmt, lang)
            for voter in voters:
                assert voter not in text, (fmt, lang, voter)


def test_weights_seats_and_blank_ballots_are_shown(minutes: Minutes) -> None:
    named = minutes.polls[0]
    votes = (
        NamedVote("B1", "Nguyễn Văn Bình", ("yes",), Decimal("2.5"), "Đoàn Hạ Long", "A01"),
        NamedVote("B2", "Nguyễn Văn Bình", ("no",), Decimal(1), "Đoàn Uông Bí", "A02"),
    )
    weighted = replace(minutes, polls=(replace(named, named_votes=votes), minutes.polls[1]))
    rows = next(t for t in _docx_tables(render_docx(weighted)) if t[0][1] == "Mã đại biểu")
    assert rows[0] == ["STT", "Mã đại biểu", "Họ và tên", "Đoàn", "Ghế", "Lựa chọn", "Trọng số"]
    assert rows[1] == ["1", "B1", "Nguyễn Văn Bình", "Đoàn Hạ Long", "A01", "Tán thành", "2,5"]
    assert rows[2][-1] == "1"


def test_an_unfinished_meeting_gives_a_draft_annex() -> None:
    draft = build_minutes(full_meeting(close=False).entries, final=False)
    data = render_docx(draft)
    assert "DỰ THẢO" in docx.Document(io.BytesIO(data)).sections[0].header.paragraphs[0].text
    assert "PHỤ LỤC" in _docx_paragraphs(data)
    assert "PHỤ LỤC" in _pdf_lines(render_pdf(draft))


# --- the eligible who did not vote ---------------------------------------------------------

# partial_named_meeting: S1 casts nothing; D1 votes but not for D3, whose proxy they hold.
# Listed among the others by name; "Không bỏ phiếu", not "Không biểu quyết" (abstain, D4).
ROLL_CALL = {
    "vi": [
        ("D1", "Nguyễn Văn Ánh", "Tán thành", ""),
        ("D2", "Phạm Thị Đào", "Không tán thành", ""),
        ("D4", "Vũ Thị Ênh", "Không biểu quyết", ""),
        ("S1", "Lê Văn Hùng", "Không bỏ phiếu", ""),
        ("C1", "Trần Thị Loan", "Tán thành", ""),
        (
            "D3",
            "Đỗ Minh Quân",
            "Không bỏ phiếu",
            "Nguyễn Văn Ánh nhận ủy quyền nhưng không bỏ phiếu thay",
        ),
    ],
    "en": [
        ("D1", "Nguyễn Văn Ánh", "Yes", ""),
        ("D2", "Phạm Thị Đào", "No", ""),
        ("D4", "Vũ Thị Ênh", "Abstain", ""),
        ("S1", "Lê Văn Hùng", "Did not vote", ""),
        ("C1", "Trần Thị Loan", "Yes", ""),
        ("D3", "Đỗ Minh Quân", "Did not vote", "proxy held by Nguyễn Văn Ánh, not cast"),
    ],
}
# The line under the poll's heading in the annex, and section III's counts it must agree with.
ROLL_CALL_TOTALS = {
    "vi": (
        "Kết quả tổng hợp: xem mục III.1. Số đại biểu có quyền biểu quyết: 6; "
        "số phiếu thu về: 4; không bỏ phiếu: 2.",
        "- Số đại biểu có quyền biểu quyết: 6; số phiếu thu về: 4; hợp lệ: 4; không hợp lệ: 0.",
    ),
    "en": (
        "Totals: see III.1. Eligible to vote: 6; ballots cast: 4; did not vote: 2.",
        "- Eligible to vote: 6; ballots cast: 4; valid: 4; invalid: 0.",
    ),
}


@pytest.fixture(scope="module")
def partial() -> Minutes:
    return build_minutes(partial_named_meeting().entries, final=True)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_docx_roll_call_lists_every_eligible_voter_the_non_voters_marked(
    partial: Minutes, lang: str
) -> None:
    data = render_docx(partial, lang)
    annex = [t for t in _docx_tables(data) if t[0][1] in ("Mã đại biểu", "Delegate code")]
    assert len(annex) == 1  # the named vote; the secret election lists nobody
    rows = annex[0]
    assert [(r[1], r[2], r[4], r[5]) for r in rows[1:]] == ROLL_CALL[lang]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4", "5", "6"]
    paragraphs = _docx_paragraphs(data)
    totals, section_iii = ROLL_CALL_TOTALS[lang]
    assert section_iii in paragraphs[: paragraphs.index(ANNEX[lang][0])]
    assert totals in paragraphs[paragraphs.index(ANNEX[lang][0]) :]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pdf_roll_call_lists_every_eligible_voter_the_non_voters_marked(
    partial: Minutes, lang: str
) -> None:
    lines = _pdf_lines(render_pdf(partial, lang))
    start = lines.index(ANNEX[lang][0])
    body = " ".join(" ".join(lines[:start]).split())
    annex = " ".join(" ".join(lines[start:]).split())
    totals, section_iii = ROLL_CALL_TOTALS[lang]
    assert section_iii in body and totals in annex
    rows = ROLL_CALL[lang]
    starts = [annex.index(f"{i} {code} {name} ") for i, (code, name, _, _) in enumerate(rows, 1)]
    assert starts == sorted(starts)
    for (_code, _name, choice, note), begin, end in zip(
        rows, starts, [*starts[1:], len(annex)], strict=True
    ):
        assert choice in annex[begin:end] and note in annex[begin:end], annex[begin:end]
    assert not any(c in annex for c in CANDIDATES)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_markdown_roll_call_rows(partial: Minutes, lang: str) -> None:
    text = render_markdown(partial, lang)
    title, subtitle = ANNEX[lang]
    annex = text[text.index(f"# {title}: {subtitle}") :]
    rows = [line for line in annex.splitlines() if line.startswith("| ") and "---" not in line]
    cells = [[c.strip() for c in r.strip("|").split("|")] for r in rows[1:]]
    assert [(c[1], c[2], c[4], c[5]) for c in cells] == ROLL_CALL[lang]
    assert f"*{ROLL_CALL_TOTALS[lang][0]}*" in annex


def test_json_marks_who_did_not_vote_with_a_null_choice(partial: Minutes) -> None:
    data = json.loads(render_json(partial))
    named, secret = data["polls"]
    assert [(v["code"], v["choice"], v["cast_by"]) for v in named["named_votes"]] == [
        ("D1", ["yes"], None),
        ("D2", ["no"], None),
        ("D4", ["abstain"], None),
        ("S1", None, None),
        ("C1", ["yes"], None),
        ("D3", None, "Nguyễn Văn Ánh"),
    ]
    assert len(named["named_votes"]) == named["eligible"]
    assert sum(v["choice"] is not None for v in named["named_votes"]) == named["cast"]
    assert secret["secret"] is True and secret["named_votes"] == []
    assert Minutes.from_dict(data) == partial
