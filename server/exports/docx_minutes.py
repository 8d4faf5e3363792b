"""The minutes as a Word document (DOCX), the format Vietnamese offices edit and sign, in the
usual administrative layout: national header table, dateline, "BIÊN BẢN", numbered sections,
signature block; Times New Roman 13 pt on A4 with the margins of Nghị định 30/2020/NĐ-CP."""

from __future__ import annotations

import re
from copy import deepcopy
from io import BytesIO
from typing import assert_never

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.oxml.text.font import CT_RPr
from docx.oxml.text.run import CT_R
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from rooms.minutes_model import Minutes
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
from server.exports.i18n import CATALOGUE
from server.exports.layout import build_layout

FONT = "Times New Roman"
MONO = "Courier New"
BODY_PT = 13
TITLE_PT = 14
TABLE_PT = 12
PAGE_W, PAGE_H = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(20), Mm(20), Mm(30), Mm(15)
CONTENT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT
_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
_AFTER_PBDR = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)
_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_W_T = qn("w:t")
_XML_SPACE = qn("xml:space")
# Characters python-docx writes as elements of their own (<w:tab/>, <w:br/>), not in <w:t>.
_SPECIAL = re.compile(r"[\t\n\r]")


def render_docx(minutes: Minutes, lang: str | None = None) -> bytes:
    """The minutes as DOCX bytes, in `lang` or the minutes' own language."""
    layout = build_layout(minutes, lang)
    doc = Document()
    _setup(doc, layout)
    _header_table(doc, layout)
    dateline = doc.add_paragraph()
    dateline.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    dateline.paragraph_format.space_before = Pt(6)
    dateline.add_run(layout.dateline).italic = True

    for text, before in ((layout.title, Pt(18)), (layout.subtitle, Pt(0))):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_before = before
        p.paragraph_format.space_after = Pt(0) if text == layout.title else Pt(12)
        p.paragraph_format.keep_with_next = True
        run = p.add_run(text)
        run.bold = True
        run.font.size = Pt(TITLE_PT)

    _blocks(doc, layout.body)
    _signatures(doc, layout.signatures)
    _seal(doc, layout)
    if layout.annex is not None:
        _annex(doc, layout.annex)

    out = BytesIO()
    doc.save(out)
    return out.getvalue()


# --- document setup -----------------------------------------------------------------------


def _fonts(rpr: CT_RPr, name: str) -> None:
    """Set every script slot of run properties to `name` and drop the theme-font references:
    Word prefers a theme font over an explicit one, and the default theme's is Calibri."""
    fonts = rpr.get_or_add_rFonts()
    for attr in _THEME_FONT_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), name)


def _setup(doc: DocumentObject, layout: Layout) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_W, PAGE_H
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT

    # Defaults first (theme fonts live there), then Normal: Times New Roman in every slot, and
    # the language so Word spell-checks Vietnamese as Vietnamese.
    rpr_default = doc.styles.element.find(
        f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}"
    )
    if isinstance(rpr_default, CT_RPr):
        _fonts(rpr_default, FONT)
        lang_el = rpr_default.find(qn("w:lang"))
        if lang_el is not None:
            lang_el.set(qn("w:val"), "vi-VN" if layout.lang == "vi" else "en-GB")

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _fonts(normal.element.get_or_add_rPr(), FONT)
    pf = normal.paragraph_format
    pf.space_before, pf.space_after, pf.line_spacing = Pt(0), Pt(6), 1.15

    for name in ("Heading 1", "Heading 2"):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(BODY_PT)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(style.element.get_or_add_rPr(), FONT)
        style.paragraph_format.space_before = Pt(12 if name == "Heading 1" else 6)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True

    props = doc.core_properties
    props.title = f"{layout.title} – {layout.subtitle}"
    props.subject = layout.organisation
    props.language = "vi-VN" if layout.lang == "vi" else "en-GB"
    props.author = "phonghop"

    if layout.draft_mark:
        _draft_mark(section.header.paragraphs[0], layout.draft_mark)
    _page_numbers(section.footer.paragraphs[0], layout.lang)


def _draft_mark(p: DocxParagraph, mark: str) -> None:
    """On every page, top right, boxed: a draft must not pass for the signed minutes."""
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = p.add_run(mark)
    run.bold = True
    run.font.size = Pt(BODY_PT)
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    border = OxmlElement("w:bdr")
    for key, value in (("w:val", "single"), ("w:sz", "8"), ("w:space", "2"), ("w:color", "C00000")):
        border.set(qn(key), value)
    run._r.get_or_add_rPr().append(border)


def _page_numbers(p: DocxParagraph, lang: str) -> None:
    """ "Trang x/y" with Word fields, so numbers stay right after the document is edited."""
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    template = CATALOGUE["en" if lang == "en" else "vi"]["page"]
    for piece in re.split(r"(\{page\}|\{pages\})", template):
        if piece in ("{page}", "{pages}"):
            field = OxmlElement("w:fldSimple")
            field.set(qn("w:instr"), "PAGE" if piece == "{page}" else "NUMPAGES")
            r = OxmlElement("w:r")
            t = OxmlElement("w:t")
            t.text = "1"
            r.append(t)
            field.append(r)
            p._p.append(field)
        elif piece:
            p.add_run(piece).font.size = Pt(11)


# --- header -------------------------------------------------------------------------------


def _borderless(table: DocxTable, widths: list[int]) -> None:
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # a fixed layout: Word keeps the widths given here
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width


def _cell_line(
    cell: _Cell,
    text: str,
    *,
    size: int = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    first: bool = False,
) -> DocxParagraph:
    p: DocxParagraph = cell.paragraphs[0] if first else cell.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    if text:
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        run.font.size = Pt(size)
    return p


def _short_rule(cell: _Cell, inset: int) -> None:
    """A short centred line under the organisation's name: an empty paragraph whose bottom
    border spans only between its indents."""
    p = _cell_line(cell, "", size=4)
    p.paragraph_format.left_indent = inset
    p.paragraph_format.right_indent = inset
    p.paragraph_format.space_after = Pt(4)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    # Schema order: pBdr comes before the spacing, indents and alignment already set.
    p._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_PBDR)


def _header_table(doc: DocumentObject, layout: Layout) -> None:
    left_w, right_w = Mm(68), CONTENT_W - Mm(68)
    table = doc.add_table(rows=1, cols=2)
    _borderless(table, [left_w, right_w])
    left, right = table.rows[0].cells
    first = True
    if layout.parent_organisation:
        _cell_line(left, layout.parent_organisation, size=12, first=True)
        first = False
    _cell_line(left, layout.organisation, size=12, bold=True, first=first)
    _short_rule(left, Mm(22))
    if layout.reference:
        _cell_line(left, layout.reference)
    _cell_line(right, layout.nation, size=12, bold=True, first=True)
    _cell_line(right, layout.motto, bold=True, underline=True)


# --- body ---------------------------------------------------------------------------------


def _runs(p: DocxParagraph, runs: tuple[Run, ...], size: int | None = None) -> None:
    for r in runs:
        run = p.add_run(r.text)
        run.bold = r.bold or None
        run.italic = r.italic or None
        if r.mono:
            run.font.name = MONO
            _fonts(run._r.get_or_add_rPr(), MONO)
            run.font.size = Pt(10)
        elif size is not None:
            run.font.size = Pt(size)


def _blocks(doc: DocumentObject, blocks: tuple[Block, ...]) -> None:
    """Every block in turn. A heading keeps with what follows (its style says so, and so does
    the paragraph itself, which survives a style edited in Word), and so does a paragraph
    that introduces a table: Word then moves it to the next page with the table's first row
    rather than leave it last on a page."""
    for index, block in enumerate(blocks):
        p = _block(doc, block)
        follows = blocks[index + 1] if index + 1 < len(blocks) else None
        if p is not None and (isinstance(block, Heading) or isinstance(follows, Table)):
            p.paragraph_format.keep_with_next = True


def _block(doc: DocumentObject, block: Block) -> DocxParagraph | None:
    """Add ``block``; returns its paragraph (None for a table)."""
    match block:
        case Heading():
            return doc.add_paragraph(block.text, style=f"Heading {block.level}")
        case Paragraph():
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            pf = p.paragraph_format
            if block.quote:
                pf.left_indent, pf.right_indent = Mm(15), Mm(10)
            else:
                pf.left_indent = Mm(10 * block.indent)
                pf.first_line_indent = Mm(10)
            _runs(p, block.runs)
            return p
        case Table():
            _table(doc, block)
            return None
        case _:
            assert_never(block)


def _repeat_header(row_tr: object) -> None:
    trpr = row_tr.get_or_add_trPr()  # type: ignore[attr-defined]
    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    trpr.append(mark)


def _table(doc: DocumentObject, block: Table) -> None:
    total = sum(c.width for c in block.columns)
    widths = [int(CONTENT_W * c.width / total) for c in block.columns]
    # The header and one model row go through python-docx; every data row is a copy of the
    # model row's XML with only its texts replaced. Setting properties cell by cell took
    # about 5 s for the 5,000 voters of a congress's named vote, the copies take a fraction.
    table = doc.add_table(rows=2, cols=len(block.columns))
    table.style = doc.styles["Table Grid"]
    _borderless(table, widths)  # fixed widths; the grid style draws the borders
    _repeat_header(table.rows[0]._tr)
    placeholders = ["x"] * len(block.columns)
    for row_index, row in enumerate(table.rows):
        texts = [c.title for c in block.columns] if row_index == 0 else placeholders
        for cell, column, text in zip(row.cells, block.columns, texts, strict=True):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.paragraph_format.space_after = Pt(0)
            p.paragraph_format.line_spacing = 1.0
            p.alignment = _ALIGN["center" if row_index == 0 else column.align]
            run = p.add_run(text)
            run.font.size = Pt(TABLE_PT)
            run.bold = row_index == 0 or None
    model = table.rows[1]._tr
    table._tbl.remove(model)
    table._tbl.extend([_row_copy(model, texts) for texts in block.rows])
    doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _row_copy(model: CT_Row, texts: tuple[str, ...]) -> CT_Row:
    """A copy of `model`, a row with one run of text per cell, holding `texts` instead. The
    XML is the one python-docx writes for `add_run(text)`: no <w:t> for an empty cell,
    xml:space="preserve" for outer spaces, python-docx itself for tabs and line breaks."""
    row: CT_Row = deepcopy(model)
    for t_el, text in zip(list(row.iter(_W_T)), texts, strict=True):
        if not text:
            t_el.getparent().remove(t_el)
        elif _SPECIAL.search(text):
            run = t_el.getparent()
            assert isinstance(run, CT_R)
            run.text = text  # the same rules as add_run(text)
        else:
            t_el.text = text
            if text[0].isspace() or text[-1].isspace():
                t_el.set(_XML_SPACE, "preserve")
    return row


# --- signatures and seal ------------------------------------------------------------------


def _signatures(doc: DocumentObject, signatures: tuple[Signature, Signature]) -> None:
    spacer = doc.add_paragraph()
    spacer.paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=2)
    _borderless(table, [CONTENT_W // 2, CONTENT_W - CONTENT_W // 2])
    trpr = table.rows[0]._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))  # never a name on one page and its role on another
    for cell, sig in zip(table.rows[0].cells, signatures, strict=True):
        _cell_line(cell, sig.role, bold=True, first=True)
        _cell_line(cell, sig.hint, italic=True)
        for _ in range(4):  # room to sign and stamp
            _cell_line(cell, "")
        _cell_line(cell, sig.name, bold=True)


def _seal(doc: DocumentObject, layout: Layout) -> None:
    p = doc.add_paragraph()
    p.paragraph_format.space_before = Pt(24)
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    run = p.add_run(layout.seal_text)
    run.font.size = Pt(10)
    run.italic = True
    if layout.seal_hash:
        run.add_break(WD_BREAK.LINE)
        _runs(p, (Run(layout.seal_hash, mono=True),))


# --- annex --------------------------------------------------------------------------------


def _annex(doc: DocumentObject, annex: Annex) -> None:
    """On a new page, as annexes to administrative documents are set: "PHỤ LỤC" and its
    title centred in bold, the line that ties it to these minutes in italics, then tables."""
    lines = (
        (annex.title, True, False),
        (annex.subtitle, True, False),
        (annex.attached, False, True),
    )
    for index, (text, bold, italic) in enumerate(lines):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.page_break_before = index == 0
        p.paragraph_format.space_after = Pt(12) if italic else Pt(0)
        p.paragraph_format.keep_with_next = True
        run = p.add_run(text)
        run.bold, run.italic = bold or None, italic or None
        run.font.size = Pt(TITLE_PT if bold else BODY_PT)
    _blocks(doc, annex.body)
