"""The minutes as format-neutral blocks: headings, paragraphs of runs and tables, the page's
header and signatures, and the annex. ``server.exports.layout`` fills them in one language and
every renderer (DOCX, PDF, Markdown) prints them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, assert_never

from rooms.vietnamese import nfc
from server.exports.i18n import Lang

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    mono: bool = False


@dataclass(frozen=True)
class Heading:
    text: str
    level: Literal[1, 2]  # 1: "I. THÀNH PHẦN THAM DỰ"; 2: "1. <item title>"


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    indent: int = 0  # levels of indentation
    quote: bool = False  # a delegate's words, set apart from the secretary's


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # relative to the other columns
    align: Align = "left"


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | Table


@dataclass(frozen=True)
class Signature:
    role: str  # "THƯ KÝ"
    hint: str  # "(Ký, ghi rõ họ tên)"
    name: str


@dataclass(frozen=True)
class Annex:
    """What follows the signatures on its own page: "PHỤ LỤC", its title, the line that ties
    it to the minutes, then blocks like the body's."""

    title: str  # "PHỤ LỤC"
    subtitle: str  # "KẾT QUẢ BIỂU QUYẾT CÔNG KHAI"
    attached: str  # "(Kèm theo Biên bản số 01/BB-MTTQ)"
    body: tuple[Block, ...]


@dataclass(frozen=True)
class Layout:
    lang: Lang
    parent_organisation: str  # upper-case, may be empty
    organisation: str  # upper-case
    reference: str  # "Số: …", may be empty
    nation: str
    motto: str
    dateline: str  # "Hạ Long, ngày 20 tháng 11 năm 2025"
    title: str  # "BIÊN BẢN"
    subtitle: str  # the meeting's title
    draft_mark: str  # "" when final
    body: tuple[Block, ...]
    signatures: tuple[Signature, Signature]  # left: secretary, right: chair
    seal_text: str
    seal_hash: str
    annex: Annex | None = None  # named votes; None when no named poll has ballots to list


def para(text: str, *, bold: bool = False, italic: bool = False, indent: int = 0) -> Paragraph:
    return Paragraph((Run(text, bold=bold, italic=italic),), indent=indent)


def nfc_layout(layout: Layout) -> Layout:
    """Every string NFC: the model already is, but labels and joins are checked here too,
    since a decomposed "ế" prints as "e" plus floating marks in most PDF fonts."""

    def block(b: Block) -> Block:
        match b:
            case Heading():
                return Heading(nfc(b.text), b.level)
            case Paragraph():
                runs = tuple(Run(nfc(r.text), r.bold, r.italic, r.mono) for r in b.runs)
                return Paragraph(runs, b.indent, b.quote)
            case Table():
                columns = tuple(Column(nfc(c.title), c.width, c.align) for c in b.columns)
                return Table(columns, tuple(tuple(nfc(c) for c in row) for row in b.rows))
            case _:
                assert_never(b)

    left, right = layout.signatures
    annex = layout.annex
    return Layout(
        lang=layout.lang,
        parent_organisation=nfc(layout.parent_organisation),
        organisation=nfc(layout.organisation),
        reference=nfc(layout.reference),
        nation=nfc(layout.nation),
        motto=nfc(layout.motto),
        dateline=nfc(layout.dateline),
        title=nfc(layout.title),
        subtitle=nfc(layout.subtitle),
        draft_mark=nfc(layout.draft_mark),
        body=tuple(block(b) for b in layout.body),
        signatures=(
            Signature(nfc(left.role), nfc(left.hint), nfc(left.name)),
            Signature(nfc(right.role), nfc(right.hint), nfc(right.name)),
        ),
        seal_text=nfc(layout.seal_text),
        seal_hash=layout.seal_hash,
        annex=None
        if annex is None
        else Annex(
            nfc(annex.title),
            nfc(annex.subtitle),
            nfc(annex.attached),
            tuple(block(b) for b in annex.body),
        ),
    )
