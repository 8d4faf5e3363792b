"""The minutes as PDF, drawn with fpdf2 in the shipped DejaVu fonts (they cover every
precomposed Vietnamese letter); same content and structure as the DOCX, "Trang x/y" below."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

from rooms.minutes_model import Minutes
from rooms.vietnamese import nfc
from server.exports.blocks import (
    Annex,
    Block,
    Heading,
    Layout,
    Paragraph,
    Run,
    Signature,
    Table,
)
from server.exports.i18n import Lang, t
from server.exports.layout import build_layout
from server.exports.pdf_table import draw_table, opening_height

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
SERIF, SANS = "DejaVuSerif", "DejaVuSans"
# DejaVu Serif sets larger than Times New Roman at the same size; these read like 13/14 pt TNR.
BODY_PT, TITLE_PT, HEAD_PT, TABLE_PT, SMALL_PT = 11, 13, 10.5, 9.5, 8
LINE = 5.6  # mm per body line
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20, 20, 30, 15
MAX_KEEP = 120  # mm: the most a heading or an introduction keeps with it
LEFT_COLUMN = 68  # mm, the organisation's side of the header
# No italic face is shipped, so italics are drawn slanted (a shear of the upright face).
SLANT_DEG = 12
_RED = (192, 0, 0)
_PT_PER_MM = 72 / 25.4
SIGN_ROOM = 24  # mm between the hint "(Ký, ghi rõ họ tên)" and the name: the signing place


@dataclass(frozen=True)
class SigningPlace:
    """Where a signer signs: the room between their role's hint and their printed name, as a
    PDF rectangle (points, origin bottom left) on ``page`` (from 0), for a signature field."""

    page: int
    box: tuple[int, int, int, int]


class _MinutesPDF(FPDF):
    def __init__(self, lang: Lang, draft_mark: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.export_lang = lang  # not "lang": FPDF uses that for the document language
        self.draft_mark = draft_mark
        self.signing_places: list[SigningPlace] = []  # in the layout's order
        for family, style, file in (
            (SERIF, "", "DejaVuSerif.ttf"),
            (SERIF, "B", "DejaVuSerif-Bold.ttf"),
            (SANS, "", "DejaVuSans.ttf"),
            (SANS, "B", "DejaVuSans-Bold.ttf"),
        ):
            self.add_font(family, style, str(FONTS / file))
        self.set_margins(MARGIN_LEFT, MARGIN_TOP, MARGIN_RIGHT)
        self.set_auto_page_break(True, MARGIN_BOTTOM)

    def header(self) -> None:
        if not self.draft_mark:
            return
        # Every page, top right, boxed in red: a draft must not pass for the signed minutes.
        self.set_font(SANS, "B", 10)
        self.set_text_color(*_RED)
        self.set_draw_color(*_RED)
        width = self.get_string_width(self.draft_mark) + 6
        self.set_xy(self.w - MARGIN_RIGHT - width, 8)
        self.cell(width, 7, self.draft_mark, border=1, align=Align.C)
        self.set_text_color(0)
        self.set_draw_color(0)
        self.set_xy(MARGIN_LEFT, MARGIN_TOP)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(SERIF, "", 9)
        # "{nb}" is fpdf2's alias, replaced by the page count when the document is closed.
        self.cell(
            0, 5, t(self.export_lang, "page", page=self.page_no(), pages="{nb}"), align=Align.C
        )

    # --- text primitives ------------------------------------------------------------------

    def slanted_line(self, text: str, x: float, w: float, h: float, align: Align) -> None:
        """One line of faux italic: the upright face sheared about the line's baseline."""
        y = self.get_y()
        with self.skew(ax=SLANT_DEG, x=x, y=y + h * 0.75):
            self.set_xy(x, y)
            self.cell(w, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def slanted_lines(self, text: str, x: float, w: float, h: float, align: Align) -> None:
        """Faux italic wrapped to ``w``: each line sheared on its own, else later lines drift
        sideways; a line never runs past ``w`` (cell() would draw it off the page)."""
        lines = self.multi_cell(
            w - 2, h, text, dry_run=True, output=MethodReturnValue.LINES, align=align
        )
        assert isinstance(lines, list)
        for line in lines:
            if self.will_page_break(h):
                self.add_page()
            self.slanted_line(line, x, w, h, Align.L if align == Align.J else align)

    def text_block(
        self,
        text: str,
        *,
        size: float = BODY_PT,
        bold: bool = False,
        italic: bool = False,
        indent: float = 0,
        align: Align = Align.J,
        h: float = LINE,
        family: str = SERIF,
    ) -> None:
        self.set_font(family, "B" if bold else "", size)
        x, w = self.l_margin + indent, self.epw - indent
        if not italic:
            self.set_x(x)
            self.multi_cell(w, h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            return
        self.slanted_lines(text, x, w, h, align)


def render_pdf(minutes: Minutes, lang: str | None = None) -> bytes:
    """The minutes as PDF bytes, in `lang` or the minutes' own language."""
    return render_pdf_with_places(minutes, lang)[0]


def render_pdf_with_places(
    minutes: Minutes, lang: str | None = None
) -> tuple[bytes, tuple[SigningPlace, ...]]:
    """The PDF and its signing places, left (secretary) then right (chair), as the layout
    orders ``signatures``: server/minutes_signing.py puts a signature field on each."""
    layout = build_layout(minutes, lang)
    pdf = _MinutesPDF(layout.lang, layout.draft_mark)
    pdf.set_title(nfc(f"{layout.title} – {layout.subtitle}"))
    pdf.set_subject(layout.organisation)
    pdf.set_author("phonghop")
    pdf.set_creator("phonghop")
    pdf.set_lang("vi-VN" if layout.lang == "vi" else "en-GB")
    pdf.add_page()
    _header(pdf, layout)
    _blocks(pdf, layout.body)
    _signatures(pdf, layout.signatures)
    _seal(pdf, layout)
    if layout.annex is not None:
        _annex(pdf, layout.annex)
    return bytes(pdf.output()), tuple(pdf.signing_places)


def _header(pdf: _MinutesPDF, layout: Layout) -> None:
    top = pdf.get_y()
    left_w = LEFT_COLUMN
    right_x, right_w = MARGIN_LEFT + left_w, pdf.epw - left_w

    pdf.set_xy(MARGIN_LEFT, top)
    if layout.parent_organisation:
        pdf.set_font(SERIF, "", 9.5)
        pdf.multi_cell(left_w, 4.6, layout.parent_organisation, align=Align.C, new_x=XPos.LEFT)
    pdf.set_font(SERIF, "B", 9.5)
    pdf.multi_cell(left_w, 4.6, layout.organisation, align=Align.C, new_x=XPos.LEFT)
    rule_y = pdf.get_y() + 1
    pdf.set_line_width(0.3)
    pdf.line(MARGIN_LEFT + left_w / 3, rule_y, MARGIN_LEFT + 2 * left_w / 3, rule_y)
    pdf.set_xy(MARGIN_LEFT, rule_y + 2)
    if layout.reference:
        pdf.set_font(SERIF, "", 10.5)
        pdf.multi_cell(left_w, 5, layout.reference, align=Align.C, new_x=XPos.LEFT)
    left_bottom = pdf.get_y()

    pdf.set_xy(right_x, top)
    pdf.set_font(SERIF, "B", 9.5)
    pdf.multi_cell(right_w, 4.6, layout.nation, align=Align.C, new_x=XPos.LEFT)
    pdf.set_font(SERIF, "B", 10.5)
    pdf.multi_cell(right_w, 5, layout.motto, align=Align.C, new_x=XPos.LEFT)
    # The motto is underlined by a rule of its own width, as on printed forms.
    motto_w = pdf.get_string_width(layout.motto)
    line_y = pdf.get_y() + 0.3
    pdf.line(right_x + (right_w - motto_w) / 2, line_y, right_x + (right_w + motto_w) / 2, line_y)
    pdf.set_y(line_y + 3)

    pdf.set_font(SERIF, "", BODY_PT)
    _dateline(pdf, layout.dateline, right_x, right_w)
    pdf.set_y(max(pdf.get_y(), left_bottom) + 8)

    pdf.text_block(layout.title, size=TITLE_PT, bold=True, align=Align.C, h=7)
    pdf.text_block(layout.subtitle, size=BODY_PT + 0.5, bold=True, align=Align.C, h=6)
    pdf.ln(4)


def _dateline(pdf: _MinutesPDF, dateline: str, x: float, w: float) -> None:
    """ "Place, date" on one line when it fits; else the date on a line of its own under the
    place (wrapped if it must be): a date is never broken, nor drawn past the margin."""
    place, comma, date = dateline.rpartition(", ")
    if not comma or pdf.get_string_width(dateline) <= w - 2:
        pdf.slanted_lines(dateline, x, w, LINE, Align.C)
        return
    pdf.slanted_lines(place + ",", x, w, LINE, Align.C)
    pdf.slanted_lines(date, x, w, LINE, Align.C)


def _keep_room(pdf: _MinutesPDF, height: float) -> None:
    """Start a new page rather than leave a heading or a signature alone at the bottom."""
    if pdf.will_page_break(height):
        pdf.add_page()


def _blocks(pdf: _MinutesPDF, blocks: Sequence[Block]) -> None:
    """Every block in turn, a heading kept with what follows it: a run of headings starts
    a new page unless it fits with the first lines of the block after it (or, for a short
    table, the whole table), and so does a paragraph introducing a table ("…:")."""
    for index, block in enumerate(blocks):
        leads = isinstance(block, Heading) or (
            isinstance(block, Paragraph)
            and index + 1 < len(blocks)
            and isinstance(blocks[index + 1], Table)
        )
        if leads and (index == 0 or not isinstance(blocks[index - 1], Heading)):
            # Capped: what is taller than half a page could not fit on any page either.
            _keep_room(pdf, min(_opening(pdf, blocks, index), MAX_KEEP))
        _block(pdf, block)


def _heading_size(heading: Heading) -> float:
    return HEAD_PT + (0.5 if heading.level == 1 else 0)


def _lines(pdf: _MinutesPDF, text: str, size: float, bold: bool, indent: float = 0) -> int:
    pdf.set_font(SERIF, "B" if bold else "", size)
    lines = pdf.multi_cell(
        pdf.epw - indent - 2, LINE, text, dry_run=True, output=MethodReturnValue.LINES
    )
    assert isinstance(lines, list)
    return len(lines)


def _opening(pdf: _MinutesPDF, blocks: Sequence[Block], start: int) -> float:
    """The height of the blocks from ``start`` up to and including the first that is not a
    heading or an introduction, counting only the opening of that one: two lines of a
    paragraph, a table's header and first row (a short table whole, as _table keeps it)."""
    height = 0.0
    for index in range(start, len(blocks)):
        block = blocks[index]
        match block:
            case Heading():
                lines = _lines(pdf, block.text, _heading_size(block), True)
                height += (3 if block.level == 1 else 1.5) + lines * LINE + 1
            case Paragraph():
                text = "".join(r.text for r in block.runs)
                lines = _lines(pdf, text, BODY_PT, False, 8.0 * block.indent)
                if index + 1 < len(blocks) and isinstance(blocks[index + 1], Table):
                    height += lines * LINE + 0.8  # it introduces the table: all of it
                    continue
                return height + min(lines, 2) * LINE
            case Table():
                short = 10 + 5 * len(block.rows) if len(block.rows) <= 8 else 0
                return height + max(short, opening_height(pdf, block, SERIF, TABLE_PT))
            case _:
                assert_never(block)
    return height


def _block(pdf: _MinutesPDF, block: Block) -> None:
    match block:
        case Heading():
            pdf.ln(3 if block.level == 1 else 1.5)
            pdf.text_block(block.text, size=_heading_size(block), bold=True, align=Align.L)
            pdf.ln(1)
        case Paragraph():
            _paragraph(pdf, block)
        case Table():
            _table(pdf, block)
        case _:
            assert_never(block)


def _paragraph(pdf: _MinutesPDF, p: Paragraph) -> None:
    indent = 8.0 * p.indent + (4 if p.quote else 0)
    # fpdf2 draws one face per multi_cell: plain runs go together (slanted if any is
    # italic, as in a quote with its attribution), a mono run (a digest) gets its own line.
    text: list[Run] = []

    def flush() -> None:
        if text:
            pdf.text_block(
                "".join(r.text for r in text),
                bold=all(r.bold for r in text),
                italic=any(r.italic for r in text),
                indent=indent,
            )
            text.clear()

    for run in p.runs:
        if run.mono:
            flush()
            pdf.text_block(run.text, size=SMALL_PT + 0.5, family=SANS, indent=indent, h=4.5)
        else:
            text.append(run)
    flush()
    pdf.ln(0.8)


def _table(pdf: _MinutesPDF, block: Table) -> None:
    # Keep a short table whole (a poll's three options split 2 + 1 reads badly); a long one
    # may break anywhere, its header row is repeated on the next page.
    estimate = 10 + 5 * len(block.rows)
    _keep_room(pdf, estimate if len(block.rows) <= 8 else 25)
    draw_table(pdf, block, SERIF, TABLE_PT)
    pdf.ln(2.5)


def _signatures(pdf: _MinutesPDF, signatures: tuple[Signature, Signature]) -> None:
    _keep_room(pdf, 52)
    pdf.ln(6)
    top = pdf.get_y()
    half = pdf.epw / 2
    bottom = top
    for index, sig in enumerate(signatures):
        x = pdf.l_margin + index * half
        pdf.set_xy(x, top)
        pdf.set_font(SERIF, "B", BODY_PT)
        pdf.multi_cell(half, LINE, sig.role, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(SERIF, "", BODY_PT - 1)
        pdf.slanted_lines(sig.hint, x, half, LINE, Align.C)
        _place(pdf, x, pdf.get_y(), half)
        pdf.set_xy(x, pdf.get_y() + SIGN_ROOM)  # room to sign and stamp
        pdf.set_font(SERIF, "B", BODY_PT)
        pdf.multi_cell(half, LINE, sig.name, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 8)


def _place(pdf: _MinutesPDF, x: float, y: float, width: float) -> None:
    """Record the room below (x, y) as a signing place, a little inside the column."""
    inset = 6.0
    left, right = (x + inset) * _PT_PER_MM, (x + width - inset) * _PT_PER_MM
    top, bottom = (pdf.h - y) * _PT_PER_MM, (pdf.h - y - SIGN_ROOM) * _PT_PER_MM
    box = (round(left), round(bottom), round(right), round(top))
    pdf.signing_places.append(SigningPlace(pdf.page_no() - 1, box))


def _seal(pdf: _MinutesPDF, layout: Layout) -> None:
    _keep_room(pdf, 16)
    y = pdf.get_y()
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, y, pdf.l_margin + pdf.epw / 3, y)
    pdf.ln(1.5)
    pdf.text_block(layout.seal_text, size=SMALL_PT, italic=True, h=4)
    if layout.seal_hash:
        pdf.text_block(layout.seal_hash, size=SMALL_PT + 0.5, family=SANS, h=4.5)


def _annex(pdf: _MinutesPDF, annex: Annex) -> None:
    """A new page: "PHỤ LỤC" and its title centred, the line tying it to the minutes, tables."""
    pdf.add_page()
    pdf.text_block(annex.title, size=TITLE_PT, bold=True, align=Align.C, h=7)
    pdf.text_block(annex.subtitle, size=TITLE_PT, bold=True, align=Align.C, h=7)
    pdf.text_block(annex.attached, italic=True, align=Align.C)
    pdf.ln(4)
    _blocks(pdf, annex.body)
