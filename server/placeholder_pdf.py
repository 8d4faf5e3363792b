"""Small placeholder PDFs, in Vietnamese, standing in for the documents a meeting definition
names (the definition holds titles, not files): the secretary uploads the real file later as
the document's next version. Drawn with fpdf2 in the shipped DejaVu fonts, which cover every
Vietnamese letter; the same title always gives the same bytes (fixed creation date), so an
imported definition stores each placeholder once."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from server.exports.pdf_minutes import FONTS

_FIXED_DATE = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Placeholder:
    data: bytes
    sha256: str
    filename: str


def placeholder(title: str, meeting: str, item: str) -> Placeholder:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font("DejaVuSans", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVuSans", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_title(title)
    pdf.set_margins(25, 25, 20)
    pdf.add_page()
    pdf.set_font("DejaVuSans", "", 10)
    pdf.multi_cell(0, 5, meeting, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if item:
        pdf.multi_cell(0, 5, f"Nội dung: {item}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(12)
    pdf.set_font("DejaVuSans", "B", 16)
    pdf.multi_cell(0, 8, title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)
    pdf.set_font("DejaVuSans", "", 11)
    pdf.multi_cell(0, 6, "Tài liệu giữ chỗ. Thư ký sẽ tải lên bản chính thức của tài liệu "
                   "này trước phiên họp; khi đó máy tính bảng của đại biểu tự cập nhật.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_text_color(90)
    pdf.multi_cell(0, 6, "Placeholder document: the secretary uploads the final version "
                   "before the session.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    data = bytes(pdf.output())
    return Placeholder(data, hashlib.sha256(data).hexdigest(), _filename(title))


def _filename(title: str) -> str:
    """An ASCII file name from the title: "Dự thảo Điều lệ" → "du-thao-dieu-le.pdf"."""
    plain = unicodedata.normalize("NFD", title.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-")
    return f"{slug or 'tai-lieu'}.pdf"
