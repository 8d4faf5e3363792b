"""server.exports: each format written, then read back with a real reader (python-docx,
pypdf and pdftotext, csv, openpyxl, json) and checked for the Vietnamese text and the counts."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from pypdf import PdfReader

from rooms.minutes_model import (
    AbsentDelegate,
    AgendaItem,
    Attendance,
    AttendanceRow,
    DocumentRef,
    FeedbackSample,
    FeedbackSummary,
    Language,
    LogSeal,
    MeetingInfo,
    Minutes,
    MinutesStatus,
    OptionResult,
    Outcome,
    PollResult,
    Proxy,
    QuorumCheck,
    Signatures,
    Speaker,
    percent,
    poll_result_rows,
)
from server.exports import (
    MEDIA_TYPES,
    attendance_csv,
    attendance_xlsx,
    poll_results_csv,
    poll_results_xlsx,
    render_docx,
    render_json,
    render_markdown,
    render_minutes,
    render_pdf,
)
from server.exports.i18n import fmt_date, fmt_number, fmt_percent

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
ROSTER = ROOT / "server" / "assets" / "demo" / "roster.csv"
ICT = timezone(timedelta(hours=7))

TITLE = "Đại hội đại biểu Mặt trận Tổ quốc Việt Nam tỉnh Quảng Ninh lần thứ XV, nhiệm kỳ 2024–2029"
ORGANISATION = "ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM TỈNH QUẢNG NINH"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
DATELINE = "Hạ Long, ngày 20 tháng 11 năm 2025"
LOG_HASH = hashlib.sha256("nhật ký".encode()).hexdigest()
CANDIDATES = [
    ("Nguyễn Thị Thảo", 320),
    ("Dương Xuân Hải", 315),
    ("Trần Kim Yến", 310),
    ("Lê Quang Vinh", 305),
    ("Phạm Thị Hồng Nhung", 300),
    ("Hoàng Đức Thắng", 298),
    ("Vũ Thị Ngọc Ánh", 290),
    ("Đặng Văn Lộc", 285),
    ("Bùi Thị Thu Hà", 280),
    ("Đỗ Mạnh Cường", 270),
    ("Ngô Thị Huyền Trang", 250),  # tied for the 11th seat …
    ("Lý Văn Sơn", 250),  # … with this one: reported, not broken
    ("Trịnh Thị Mỹ Duyên", 150),
    ("Hà Quốc Khánh", 120),
]
# Expected texts, written out by hand rather than computed with the code under test.
EXPECTED_COUNTS = ["330", "95,65%", "94,29%", "97,14%", "95,24%", "74,40%", "4.821"]


def at(hour: int, minute: int, day: int = 20) -> datetime:
    return datetime(2025, 11, day, hour, minute, tzinfo=ICT)


def _options(
    rows: list[tuple[str, str, int]], base: int, entitled: int
) -> tuple[OptionResult, ...]:
    return tuple(
        OptionResult(key, label, n, Decimal(n), percent(n, base), percent(n, entitled))
        for key, label, n in rows
    )


def sample_minutes(status: MinutesStatus = "draft", language: Language = "vi") -> Minutes:
    """A provincial congress: 350 convened, 345 present; a yes/no/abstain vote on the
    presidium, an approval election of 11 from 14 with a tie at the last seat, a resolution
    passed with more than 1/2 of all delegates."""
    entitled, present = 350, 345
    election = [(f"c{i:02d}", name, n) for i, (name, n) in enumerate(CANDIDATES, 1)]
    return Minutes(
        meeting=MeetingInfo(
            title=TITLE,
            organisation="Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Quảng Ninh",
            parent_organisation="Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam",
            reference="01/BB-MTTQ",
            place="Trung tâm Hội nghị tỉnh Quảng Ninh, TP. Hạ Long",
            city="Hạ Long",
            started_at=at(7, 30),
            ended_at=at(11, 35),
        ),
        attendance=Attendance(
            entitled=entitled,
            present=present,
            quorum=QuorumCheck(
                "Quá 1/2 tổng số đại biểu được triệu tập", True, present, entitled, at(7, 30)
            ),
            absent=(
                AbsentDelegate("Lê Văn Đức", "Đoàn thành phố Cẩm Phả", "Ốm, có đơn xin vắng"),
                AbsentDelegate("Phạm Thị Ngọc Ánh", "Đoàn huyện Vân Đồn", "Đi công tác"),
                AbsentDelegate("Hoàng Minh Tuấn", "Đoàn thành phố Uông Bí", ""),
                AbsentDelegate("Đinh Thị Ẩn", "Đoàn huyện Bình Liêu", "Việc gia đình"),
                AbsentDelegate("Ông Ích Khiêm", "Đoàn thị xã Quảng Yên", "Ốm"),
            ),
            proxies=(
                Proxy("Lê Văn Đức", "Nguyễn Văn Hùng", at(7, 10)),
                Proxy("Phạm Thị Ngọc Ánh", "Trần Thị Loan", at(7, 12)),
            ),
        ),
        agenda=(
            AgendaItem(
                1,
                "Chào cờ; tuyên bố lý do, giới thiệu đại biểu",
                "procedural",
                at(7, 30),
                at(7, 45),
            ),
            AgendaItem(
                2,
                "Biểu quyết thông qua Đoàn Chủ tịch, Đoàn Thư ký, Ban Thẩm tra tư cách đại biểu",
                "vote",
                at(7, 45),
                at(7, 55),
            ),
            AgendaItem(
                3,
                "Thảo luận, góp ý dự thảo Báo cáo chính trị",
                "discussion",
                at(8, 0),
                at(9, 50),
                speakers=(
                    Speaker("Nguyễn Thị Thảo", "Đoàn Chủ tịch", 412),
                    Speaker("Dương Xuân Hải", "Đoàn thành phố Hạ Long", 385),
                    Speaker("Trần Kim Yến", "Đoàn huyện Tiên Yên", 298),
                ),
                documents=(DocumentRef("Dự thảo Báo cáo chính trị", "3", 62),),
                feedback=FeedbackSummary(
                    47,
                    31,
                    12,
                    (
                        FeedbackSample(
                            "Đề nghị bổ sung chỉ tiêu về giám sát, phản biện xã hội ở cơ sở.",
                            "Đoàn huyện Đầm Hà",
                            23,
                        ),
                        FeedbackSample("Làm rõ cơ chế phối hợp <Mặt trận | đoàn thể>.", "", 9),
                    ),
                ),
                notes=("Đại hội nghỉ giải lao 15 phút lúc 09 giờ 00.",),
            ),
            AgendaItem(
                4, "Hiệp thương cử Ủy ban MTTQ tỉnh khóa XV", "election", at(9, 55), at(11, 5)
            ),
            AgendaItem(5, "Thông qua Nghị quyết Đại hội", "vote", at(11, 10), at(11, 25)),
        ),
        polls=(
            PollResult(
                "Thông qua Đoàn Chủ tịch, Đoàn Thư ký, Ban Thẩm tra tư cách đại biểu",
                "yes_no_abstain",
                False,
                "Quá 1/2 số đại biểu có mặt",
                "present",
                present,
                present,
                343,
                343,
                0,
                _options(
                    [("yes", "yes", 330), ("no", "no", 8), ("abstain", "abstain", 5)],
                    present,
                    entitled,
                ),
                Outcome("passed"),
                agenda_number=2,
                opened_at=at(7, 48),
                closed_at=at(7, 52),
            ),
            PollResult(
                "Bầu Ủy ban MTTQ tỉnh khóa XV",
                "approval",
                True,
                "Quá 1/2 tổng số phiếu hợp lệ",
                "valid",
                336,
                present,
                340,
                336,
                4,
                _options(election, 336, entitled),
                Outcome("elected", tuple(k for k, _, _ in election[:10]), ("c11", "c12"), 1),
                seats=11,
                agenda_number=4,
                opened_at=at(10, 0),
                closed_at=at(10, 40),
                receipts_digest=hashlib.sha256(b"receipts").hexdigest(),
            ),
            PollResult(
                "Thông qua Nghị quyết Đại hội",
                "yes_no_abstain",
                False,
                "Quá 1/2 tổng số đại biểu",
                "entitled",
                entitled,
                present,
                345,
                345,
                0,
                _options(
                    [("yes", "yes", 340), ("no", "no", 2), ("abstain", "abstain", 3)],
                    entitled,
                    entitled,
                ),
                Outcome("passed"),
                agenda_number=5,
            ),
        ),
        log=LogSeal(4821, LOG_HASH),
        signatures=Signatures(chair="Dương Xuân Hải", secretary="Trần Kim Yến"),
        status=status,
        language=language,
        generated_at=at(11, 40),
    )


def roster_rows() -> list[AttendanceRow]:
    """The demo roster (350 delegates) as attendance: every tenth one absent, proxies given."""
    rows: list[AttendanceRow] = []
    with ROSTER.open(encoding="utf-8", newline="") as f:
        for i, r in enumerate(csv.DictReader(f)):
            absent = i % 10 == 9
            rows.append(
                AttendanceRow(
                    code=r["code"],
                    full_name=r["full_name"],
                    delegation=r["delegation"],
                    title=r["title"],
                    seat=r["seat"],
                    status="absent" if absent else "present",
                    checked_in_at=None if absent else at(7, i % 30),
                    absence_reason="Ốm" if absent else "",
                    proxy_to="Nguyễn Văn Hùng" if absent else "",
                    weight=Decimal(r["weight"]),
                )
            )
    return rows


def save(name: str, data: bytes) -> Path:
    """Keep the file under test-artifacts/ (gitignored) for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(data)
    return path


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# --- DOCX ---------------------------------------------------------------------------------


def _docx_texts(document: docx.document.Document) -> Iterator[str]:
    def cells(table: docx.table.Table) -> Iterator[str]:
        for row in table.rows:
            for cell in row.cells:
                yield from (p.text for p in cell.paragraphs)
                for inner in cell.tables:
                    yield from cells(inner)

    for p in document.paragraphs:
        yield p.text
    for table in document.tables:
        yield from cells(table)


@pytest.fixture(scope="module")
def docx_vi() -> docx.document.Document:
    data = render_docx(sample_minutes())
    save("minutes-vi.docx", data)
    return docx.Document(io.BytesIO(data))


def test_docx_national_header_title_and_dateline(docx_vi: docx.document.Document) -> None:
    header = docx_vi.tables[0]
    left, right = header.rows[0].cells
    left_lines = [p.text for p in left.paragraphs if p.text]
    assert left_lines == [
        "ỦY BAN TRUNG ƯƠNG MẶT TRẬN TỔ QUỐC VIỆT NAM",
        ORGANISATION,
        "Số: 01/BB-MTTQ",
    ]
    org_run = left.paragraphs[1].runs[0]
    assert org_run.bold
    # The short rule under the organisation: an empty paragraph with a bottom border.
    assert left.paragraphs[2].text == "" and "w:pBdr" in left.paragraphs[2]._p.xml
    nation, motto = right.paragraphs
    assert nation.text == NATION and nation.runs[0].bold
    assert motto.text == MOTTO and motto.runs[0].bold and motto.runs[0].underline

    body = [p for p in docx_vi.paragraphs if p.text]
    assert body[0].text == DATELINE
    assert body[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT and body[0].runs[0].italic
    assert body[1].text == "BIÊN BẢN" and body[1].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert body[1].runs[0].bold and body[1].runs[0].font.size == Pt(14)
    assert body[2].text == TITLE


def test_docx_sections_names_items_and_counts(docx_vi: docx.document.Document) -> None:
    text = "\n".join(_docx_texts(docx_vi))
    headings = [p.text for p in docx_vi.paragraphs if p.style and p.style.name == "Heading 1"]
    assert headings == [
        "I. THÀNH PHẦN THAM DỰ",
        "II. NỘI DUNG VÀ DIỄN BIẾN",
        "III. KẾT QUẢ BIỂU QUYẾT VÀ BẦU CỬ",
        "IV. KẾT THÚC",
    ]
    for needle in [
        "Tổng số đại biểu được triệu tập: 350",
        "Số đại biểu có mặt: 345",
        "Khi khai mạc có 345/350 đại biểu có mặt (98,57%): đủ điều kiện tiến hành.",
        "Phạm Thị Ngọc Ánh",
        "Ốm, có đơn xin vắng",
        "Nguyễn Văn Hùng",
        "3. Thảo luận, góp ý dự thảo Báo cáo chính trị",
        "Dự thảo Báo cáo chính trị (phiên bản 3, 62 trang)",
        "Góp ý: 47 ý kiến; 31 ý kiến được tiếp thu; 12 ý kiến được giải trình.",
        "06:52",
        "Phương thức: bầu 11 trong số 14 người (gạch tên)",
        "Tán thành",
        "Không tán thành",
        "Trúng cử",
        "Bằng phiếu",
        "Kết quả: 10/11 người trúng cử",
        "Có 2 người bằng số phiếu ở vị trí cuối: Ngô Thị Huyền Trang, Lý Văn Sơn.",
        "Cuộc họp kết thúc vào hồi 11 giờ 35 phút, ngày 20 tháng 11 năm 2025.",
        LOG_HASH,
        *EXPECTED_COUNTS,
        *(name for name, _ in CANDIDATES),
    ]:
        assert needle in text, needle


def test_docx_poll_tables_hold_counts_and_percentages(docx_vi: docx.document.Document) -> None:
    def rows(table: docx.table.Table) -> list[list[str]]:
        return [[c.text for c in row.cells] for row in table.rows]

    tables = [rows(t) for t in docx_vi.tables]
    presidium = next(t for t in tables if t[0][:2] == ["STT", "Phương án"] and len(t[0]) == 5)
    assert presidium[1] == ["1", "Tán thành", "330", "95,65%", "94,29%"]
    election = next(t for t in tables if t[0][1] == "Ứng cử viên")
    assert election[0][-1] == "Kết quả" and len(election) == 15
    assert election[11] == ["11", "Ngô Thị Huyền Trang", "250", "74,40%", "71,43%", "Bằng phiếu"]
    assert election[14][-1] == ""
    # Base = all delegates: the two percentage columns would repeat, so there is one.
    resolution = [t for t in tables if t[0][:2] == ["STT", "Phương án"]][-1]
    assert resolution[1] == ["1", "Tán thành", "340", "97,14%"]


def test_docx_fonts_page_and_signatures(docx_vi: docx.document.Document) -> None:
    normal = docx_vi.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size == Pt(13)
    section = docx_vi.sections[0]
    width, height, left_margin = section.page_width, section.page_height, section.left_margin
    assert width is not None and height is not None and left_margin is not None
    assert (round(width.mm), round(height.mm), round(left_margin.mm)) == (210, 297, 30)
    assert "DỰ THẢO" in section.header.paragraphs[0].text
    footer = section.footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer and "Trang" in footer

    signatures = docx_vi.tables[-1].rows[0].cells
    left = [p.text for p in signatures[0].paragraphs if p.text]
    right = [p.text for p in signatures[1].paragraphs if p.text]
    assert left == ["THƯ KÝ", "(Ký, ghi rõ họ tên)", "Trần Kim Yến"]
    assert right == ["CHỦ TỌA", "(Ký, ghi rõ họ tên)", "Dương Xuân Hải"]
    # The log's hash comes last, after the signatures.
    assert LOG_HASH in docx_vi.paragraphs[-1].text


def test_docx_final_has_no_draft_mark_and_english_keeps_the_motto() -> None:
    final = docx.Document(io.BytesIO(render_docx(sample_minutes(status="final"))))
    assert "DỰ THẢO" not in "\n".join(p.text for p in final.sections[0].header.paragraphs)

    english = docx.Document(io.BytesIO(render_docx(sample_minutes(language="en"))))
    text = "\n".join(_docx_texts(english))
    for needle in [NATION, MOTTO, "MINUTES", "I. ATTENDANCE", "Hạ Long, 20 November 2025", "CHAIR"]:
        assert needle in text, needle
    assert "4,821" in text and "95.65%" in text
    assert "DRAFT" in english.sections[0].header.paragraphs[0].text
    # lang overrides the minutes' own language
    forced = docx.Document(io.BytesIO(render_docx(sample_minutes(), lang="en")))
    assert "MINUTES" in "\n".join(_docx_texts(forced))


# --- PDF ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_vi() -> Path:
    return save("minutes-vi.pdf", render_pdf(sample_minutes()))


PDF_NEEDLES = [
    NATION,
    MOTTO,
    ORGANISATION,
    DATELINE,
    "BIÊN BẢN",
    "I. THÀNH PHẦN THAM DỰ",
    "Nguyễn Thị Thảo",
    "Dương Xuân Hải",
    "Trần Kim Yến",
    "Ngô Thị Huyền Trang",
    "Đinh Thị Ẩn",
    "Bằng phiếu",
    "Trúng cử",
    "Tán thành",
    "THƯ KÝ",
    "CHỦ TỌA",
    "DỰ THẢO",
    LOG_HASH,
    *EXPECTED_COUNTS,
]


def _squash(text: str) -> str:
    # Extractors break lines where the layout wrapped them; compare with single spaces.
    return " ".join(nfc(text).split())


def test_pdf_text_with_pypdf(pdf_vi: Path) -> None:
    reader = PdfReader(pdf_vi)
    pages = [_squash(page.extract_text()) for page in reader.pages]
    whole = " ".join(pages)
    for needle in PDF_NEEDLES:
        assert needle in whole, needle
    total = len(pages)
    assert total >= 2
    for number, page in enumerate(pages, 1):
        assert f"Trang {number}/{total}" in page
        assert "DỰ THẢO" in page  # the draft mark is on every page
    assert reader.metadata is not None and reader.metadata.title is not None
    assert "BIÊN BẢN" in reader.metadata.title


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_text_with_pdftotext(pdf_vi: Path) -> None:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf_vi), "-"], capture_output=True, check=True
    )
    text = _squash(out.stdout.decode("utf-8"))
    for needle in PDF_NEEDLES:
        assert needle in text, needle
    assert re.search(r"Trang 1/\d", text)


def test_pdf_embeds_the_shipped_dejavu_fonts(pdf_vi: Path) -> None:
    reader = PdfReader(pdf_vi)
    fonts: set[str] = set()
    for page in reader.pages:
        resources = page["/Resources"]
        for font in resources["/Font"].values():  # type: ignore[index]
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("DejaVuSerif" in f for f in fonts), fonts


def test_pdf_english_and_final() -> None:
    data = render_pdf(sample_minutes(status="final", language="en"))
    save("minutes-en.pdf", data)
    text = " ".join(_squash(p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages)
    for needle in ["MINUTES", NATION, MOTTO, "Page 1/", "Nguyễn Thị Thảo", "4,821", "Elected"]:
        assert needle in text, needle
    assert "DRAFT" not in text and "DỰ THẢO" not in text


# --- Markdown and JSON --------------------------------------------------------------------


def test_markdown_has_header_and_tables() -> None:
    md = render_markdown(sample_minutes())
    save("minutes-vi.md", md.encode("utf-8"))
    assert md == nfc(md)
    for needle in [
        f"**{ORGANISATION}**",
        f"**{NATION}**",
        f"*{DATELINE}*",
        "# BIÊN BẢN",
        "## I. THÀNH PHẦN THAM DỰ",
        "| STT | Họ và tên | Đoàn | Lý do |",
        "| 1 | Tán thành | 330 | 95,65% | 94,29% |",
        "| 11 | Ngô Thị Huyền Trang | 250 | 74,40% | 71,43% | Bằng phiếu |",
        "| **THƯ KÝ** | **CHỦ TỌA** |",
        f"`{LOG_HASH}`",
        "> **DỰ THẢO**",
    ]:
        assert needle in md, needle
    # A delegate's text cannot inject HTML or break a table.
    assert "\\<Mặt trận \\| đoàn thể\\>" in md
    assert not re.search(r"(?<!\\)[<>|]M", md)


def test_json_is_utf8_nfc_and_round_trips() -> None:
    minutes = sample_minutes()
    data = render_json(minutes)
    text = data.decode("utf-8")
    assert "Nguyễn Thị Thảo" in text and "\\u" not in text
    assert text == nfc(text)
    assert Minutes.from_dict(json.loads(data)) == minutes


def test_render_minutes_dispatches_by_format() -> None:
    minutes = sample_minutes()
    assert render_minutes(minutes, "pdf").startswith(b"%PDF")
    assert render_minutes(minutes, "docx")[:2] == b"PK"
    assert render_minutes(minutes, "md").decode("utf-8").startswith("> **DỰ THẢO**")
    assert json.loads(render_minutes(minutes, "json"))["schema"] == "phonghop.minutes/1"
    assert set(MEDIA_TYPES) == {"docx", "pdf", "md", "json", "csv", "xlsx"}
    with pytest.raises(ValueError):
        render_minutes(minutes, "odt")  # type: ignore[arg-type]


def test_nfd_input_comes_out_nfc_in_every_format() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Thảo")
    minutes = sample_minutes()
    minutes = type(minutes)(
        **{**minutes.__dict__, "signatures": Signatures(chair=decomposed, secretary="Trần Kim Yến")}
    )
    assert minutes.signatures.chair == "Nguyễn Thị Thảo"
    assert "Nguyễn Thị Thảo" in render_markdown(minutes)
    pdf_text = " ".join(
        _squash(p.extract_text()) for p in PdfReader(io.BytesIO(render_pdf(minutes))).pages
    )
    assert "Nguyễn Thị Thảo" in pdf_text
    assert decomposed not in render_json(minutes).decode("utf-8")


# --- formats of numbers and dates ---------------------------------------------------------


def test_numbers_and_dates_per_language() -> None:
    assert fmt_number(12345, "vi") == "12.345" and fmt_number(12345, "en") == "12,345"
    assert fmt_number(Decimal("1234.5"), "vi") == "1.234,5"
    assert fmt_percent(Decimal("91.4"), "vi") == "91,40%"
    # Nghị định 30/2020: a leading zero for days below 10 and for months 1 and 2 only.
    assert fmt_date(datetime(2025, 2, 5, tzinfo=ICT), "vi") == "ngày 05 tháng 02 năm 2025"
    assert fmt_date(datetime(2025, 3, 5, tzinfo=ICT), "vi") == "ngày 05 tháng 3 năm 2025"
    assert fmt_date(datetime(2025, 11, 20, tzinfo=ICT), "en") == "20 November 2025"


# --- CSV / XLSX ---------------------------------------------------------------------------

ATTENDANCE_HEADER = [
    "Mã đại biểu",
    "Họ và tên",
    "Đoàn",
    "Chức vụ",
    "Ghế",
    "Trạng thái",
    "Giờ điểm danh",
    "Lý do vắng",
    "Ủy quyền cho",
    "Trọng số",
]


def test_attendance_csv_reads_back_with_bom_and_vietnamese_header() -> None:
    rows = roster_rows()
    data = attendance_csv(rows)
    save("attendance-vi.csv", data)
    assert data.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert records[0] == ATTENDANCE_HEADER
    assert len(records) == 1 + len(rows) == 351
    assert records[1] == [
        "DB0001",
        "Dương Xuân Hải",
        "Đoàn Chủ tịch",
        "Chủ tịch Hội Cựu chiến binh",
        "A01",
        "Có mặt",
        "2025-11-20 07:00:00",
        "",
        "",
        "1",
    ]
    assert records[10][5:] == ["Vắng mặt", "", "Ốm", "Nguyễn Văn Hùng", "1"]


def test_csv_keeps_formula_like_text_as_text() -> None:
    row = AttendanceRow(
        "DB9", '=HYPERLINK("http://x")', "Đoàn", "", "", "absent", absence_reason="-ốm"
    )
    records = list(csv.reader(io.StringIO(attendance_csv([row]).decode("utf-8-sig"))))
    assert records[1][1] == '\'=HYPERLINK("http://x")'
    assert records[1][7] == "'-ốm"


def test_attendance_csv_in_english() -> None:
    records = list(
        csv.reader(io.StringIO(attendance_csv(roster_rows()[:2], "en").decode("utf-8-sig")))
    )
    assert records[0][:3] == ["Delegate code", "Full name", "Delegation"]
    assert records[1][5] == "Present" and records[1][1] == "Dương Xuân Hải"


def test_attendance_xlsx_reads_back() -> None:
    rows = roster_rows()
    rows.append(AttendanceRow("DB9999", "=1+1", "Đoàn thử", "", "Z99", "present", at(8, 1)))
    data = attendance_xlsx(rows)
    save("attendance-vi.xlsx", data)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws is not None and ws.title == "Điểm danh"
    assert [c.value for c in ws[1]] == ATTENDANCE_HEADER
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width >= len("Nguyễn Thị Thảo")
    assert ws.max_row == 1 + len(rows)
    first = [c.value for c in ws[2]]
    assert first[:6] == [
        "DB0001",
        "Dương Xuân Hải",
        "Đoàn Chủ tịch",
        "Chủ tịch Hội Cựu chiến binh",
        "A01",
        "Có mặt",
    ]
    assert first[6] == datetime(2025, 11, 20, 7, 0)  # the meeting's local time
    assert first[9] == 1
    last = ws.cell(row=ws.max_row, column=2)
    assert last.value == "=1+1" and last.data_type == "s"  # text, not a formula


def test_poll_results_csv_and_xlsx() -> None:
    rows = poll_result_rows(sample_minutes().polls)
    records = list(csv.reader(io.StringIO(poll_results_csv(rows).decode("utf-8-sig"))))
    save("polls-vi.csv", poll_results_csv(rows))
    assert records[0] == [
        "Nội dung biểu quyết",
        "Phương thức",
        "Hình thức",
        "Cơ sở tính tỷ lệ",
        "Giá trị cơ sở",
        "Phương án / Ứng cử viên",
        "Số phiếu",
        "Trọng số",
        "Tỷ lệ trên cơ sở (%)",
        "Tỷ lệ trên tổng số đại biểu (%)",
        "Kết quả",
    ]
    assert len(records) == 1 + 3 + 14 + 3
    assert records[1][5:] == ["Tán thành", "330", "330", "95.65", "94.29", "Thông qua"]
    assert records[4][2] == "bỏ phiếu kín" and records[4][5] == "Nguyễn Thị Thảo"
    assert records[4][-1] == "Trúng cử"
    assert [r[-1] for r in records[14:16]] == ["Bằng phiếu", "Bằng phiếu"]
    assert records[17][-1] == "Không trúng cử"

    data = poll_results_xlsx(rows)
    save("polls-vi.xlsx", data)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws is not None and ws.title == "Kết quả biểu quyết"
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold
    values = [c.value for c in ws[2]]
    assert values[5:8] == ["Tán thành", 330, 330]
    assert isinstance(values[8], float) and values[8] == 95.65
    assert ws.cell(row=2, column=9).number_format == "0.00"
    assert ws.cell(row=15, column=6).value == "Ngô Thị Huyền Trang"
    assert ws.cell(row=15, column=11).value == "Bằng phiếu"


def test_sparse_and_unusual_minutes_render_in_every_format() -> None:
    """Nothing run yet, no end time, an unknown agenda kind and poll method, weighted votes:
    every renderer copes, prints unknown values as given and shows weights when they differ."""
    weighted = PollResult(
        "Chọn địa điểm tổ chức",
        "ranked",  # a method no catalogue knows
        False,
        "Nhiều phiếu nhất",
        "cast",
        10,
        10,
        10,
        10,
        0,
        (
            OptionResult("a", "Hạ Long", 6, Decimal("7.5"), Decimal("60.00"), Decimal("50.00")),
            OptionResult("b", "Cẩm Phả", 4, Decimal("4"), Decimal("40.00"), Decimal("33.33")),
        ),
        Outcome("passed", note="Chọn Hạ Long."),
    )
    sparse = Minutes(
        meeting=MeetingInfo("Họp tổ", "Tổ dân phố số 3", "Nhà văn hóa khu 3", at(19, 0)),
        attendance=Attendance(
            12,
            9,
            QuorumCheck("Quá 1/2", True, 9, 12),
            entitled_weight=Decimal("13.5"),
            present_weight=Decimal("10.5"),
        ),
        agenda=(AgendaItem(1, "Việc khác", "ceremony", at(19, 5)),),
        polls=(weighted,),
        log=LogSeal(0, ""),
        signatures=Signatures("", ""),
    )
    md = render_markdown(sparse)
    assert "ceremony" in md and "ranked" in md and "7,5" in md and "Trọng số" in md
    assert "(tổng trọng số 10,5/13,5)" in md and "chưa kết thúc" in md
    assert "KẾT THÚC" not in md  # no end time yet, no closing section
    text = "\n".join(_docx_texts(docx.Document(io.BytesIO(render_docx(sparse)))))
    assert "Nhà văn hóa khu 3, ngày 20 tháng 11 năm 2025" in text and "Chọn Hạ Long." in text
    pdf = " ".join(
        _squash(p.extract_text()) for p in PdfReader(io.BytesIO(render_pdf(sparse))).pages
    )
    assert "TỔ DÂN PHỐ SỐ 3" in pdf and "Trang 1/" in pdf
    assert "Chủ tọa:" not in pdf and "Mã băm" not in pdf  # nothing to print, no empty label
    assert Minutes.from_dict(json.loads(render_json(sparse))) == sparse
    empty = replace(sparse, agenda=(), polls=())
    assert "Không có nội dung biểu quyết hay bầu cử." in render_markdown(empty)
    assert render_pdf(empty).startswith(b"%PDF")
