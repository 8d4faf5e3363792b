"""Tables of the PDF minutes, drawn with fpdf2's primitives (rect, text): the look of
`FPDF.table()` as the minutes used it — every cell boxed, a bold header row on grey repeated
at the top of each page, text wrapped at spaces, centred vertically, aligned per column —
at a fraction of its cost. fpdf2 lays out each cell twice through `multi_cell` and combines
styles per cell; the 5,000 voters of a congress's named vote took 7–8 s, they take well
under a second here."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fpdf import FPDF

from server.exports.blocks import Table

LINE_HEIGHT = 4.6  # mm per line of text in a cell
PAD_V, PAD_H = 0.8, 1.2  # mm between a cell's border and its text
HEADING_FILL = (235, 235, 235)

Width = Callable[[str], float]


def wrap(text: str, room: float, width: Width) -> list[str]:
    """`text` in lines no wider than `room`, broken at spaces (the spaces at a break are
    dropped) or, for a word wider than the cell, between letters; a newline always breaks.
    fpdf2's `multi_cell` breaks the same way."""
    lines: list[str] = []
    for para in text.replace("\r", "").split("\n"):
        if width(para) <= room:
            lines.append(para)
            continue
        line = ""
        for word in para.split(" "):
            candidate = f"{line} {word}" if line else word
            if width(candidate) <= room:
                line = candidate
                continue
            if line:
                lines.append(line)
            while len(word) > 1 and width(word) > room:
                cut = 1
                while cut < len(word) and width(word[: cut + 1]) <= room:
                    cut += 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


class _Cells:
    """Widths of strings in the current font, remembered: a named vote's choices, delegations
    and notes repeat on thousands of rows."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self.cache: dict[tuple[str, str], float] = {}

    def width(self, text: str) -> float:
        key = (self.pdf.font_style, text)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self.pdf.get_string_width(text)
        return found


class _Grid:
    """The columns of one table on the page: where each starts, how wide it is, and how a
    row's cells are laid out and drawn in them."""

    def __init__(self, pdf: FPDF, block: Table, family: str, size: float) -> None:
        self.pdf, self.columns, self.family, self.size = pdf, block.columns, family, size
        total = sum(c.width for c in block.columns)
        edges = [pdf.l_margin]
        for column in block.columns:
            edges.append(edges[-1] + pdf.epw * column.width / total)
        self.x = edges[:-1]
        self.widths = [right - left for left, right in zip(edges, edges[1:], strict=False)]
        self.cells = _Cells(pdf)

    def layout(self, texts: Sequence[str]) -> tuple[float, list[list[str]]]:
        """The row's height and each cell's lines, in the current font."""
        lines = [
            wrap(text, w - 2 * PAD_H, self.cells.width) if text else []
            for text, w in zip(texts, self.widths, strict=True)
        ]
        tallest = max(map(len, lines), default=0)
        return (tallest * LINE_HEIGHT + 2 * PAD_V if tallest else LINE_HEIGHT), lines

    def draw(self, height: float, lines: list[list[str]], heading: bool) -> None:
        pdf = self.pdf
        top = pdf.get_y()
        pdf.set_font(self.family, "B" if heading else "", self.size)
        self._boxes(top, height, heading)
        # Where fpdf2's cell puts the baseline: half a line down plus 0.3 of the font size.
        baseline = 0.5 * LINE_HEIGHT + 0.3 * pdf.font_size
        for left, w, cell, column in zip(self.x, self.widths, lines, self.columns, strict=True):
            if not cell:
                continue
            align = "center" if heading else column.align
            y = top + (height - len(cell) * LINE_HEIGHT) / 2 + baseline
            self._text(cell, left, w - 2 * PAD_H, y, align)
        pdf.set_xy(pdf.l_margin, top + height)

    def _boxes(self, top: float, height: float, heading: bool) -> None:
        pdf = self.pdf
        if heading:
            with pdf.local_context(fill_color=HEADING_FILL):
                for left, w in zip(self.x, self.widths, strict=True):
                    pdf.rect(left, top, w, height, style="DF")
        else:
            for left, w in zip(self.x, self.widths, strict=True):
                pdf.rect(left, top, w, height)

    def _text(self, cell: list[str], left: float, room: float, y: float, align: str) -> None:
        """A cell's lines from baseline `y` down, aligned in `room` mm."""
        pdf = self.pdf
        for line in cell:
            dx = 0.0
            if align != "left":
                spare = room - self.cells.width(line)
                dx = spare / 2 if align == "center" else spare
            pdf.text(left + PAD_H + dx, y, line)
            y += LINE_HEIGHT


def opening_height(pdf: FPDF, block: Table, family: str, size: float) -> float:
    """The height of the header row and the first row: what must fit at the foot of a page
    for the table to start there (draw_table starts a new page otherwise)."""
    grid = _Grid(pdf, block, family, size)
    pdf.set_font(family, "B", size)
    height = grid.layout([c.title for c in block.columns])[0]
    pdf.set_font(family, "", size)
    if block.rows:
        height += grid.layout(block.rows[0])[0]
    return height


def draw_table(pdf: FPDF, block: Table, family: str, size: float) -> None:
    """`block` across the page width from the current position, under a row of its column
    titles, in `family` at `size` points (the titles bold)."""
    grid = _Grid(pdf, block, family, size)
    pdf.set_font(family, "B", size)
    head = grid.layout([c.title for c in block.columns])
    pdf.set_font(family, "", size)
    body = [grid.layout(row) for row in block.rows]
    # Never the header alone at the foot of a page.
    if pdf.will_page_break(head[0] + (body[0][0] if body else 0)):
        pdf.add_page()
    grid.draw(*head, heading=True)
    for height, lines in body:
        if pdf.will_page_break(height):
            pdf.add_page()
            grid.draw(*head, heading=True)
        grid.draw(height, lines, heading=False)
    pdf.set_font(family, "", size)
