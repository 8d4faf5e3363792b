"""QR badges for check-in: the bare QR (PNG, SVG), one printable card (PNG), and A4 sheets (PDF).

What the QR holds: exactly the check-in token string, nothing around it (no URL), with error
correction level M. Handheld scanners in keyboard-wedge mode type what they read into whatever
field has focus, so the check-in desk receives the token as typed text; kiosk cameras decode the
same string. A URL would force every reader to parse it, and a wedge scanner would type it into
the field verbatim. Tokens are opaque printable ASCII (URL-safe base64 and dots), which every
scanner keymap can type.

Every text field is NFC-normalised before it is drawn: the fonts have precomposed Vietnamese
letters, but without a shaping engine a decomposed name (NFD, as some spreadsheets export it)
would print its tone marks as loose glyphs beside the letters.

The card is laid out once (``_draw_card``), in millimetres and points, against a small canvas
interface with two implementations, fpdf2 for the sheets and Pillow for the single card image,
so that both print the same badge.

Timing, measured on the 2-core dev container (Python 3.11, fpdf2 2.8, qrcode 8.2): the
350-delegate demo roster renders to a 44-page sheet in 1.3 s with 42-character tokens (468 KiB)
and 3.4 s with 120-character ones (904 KiB). About 80 % of it is ``qrcode`` scoring the eight
mask patterns per symbol, which the QR spec asks for and which keeps symbols easy to read.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import qrcode  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M  # type: ignore[import-untyped]

FONT_DIR = Path(__file__).parent / "assets" / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

# How roles print on a badge. A role not listed prints as given, so a new role still gets a
# readable badge instead of an error at the print desk.
ROLE_LABELS: dict[str, str] = {
    "delegate": "Đại biểu",
    "chair": "Chủ tọa",
    "secretary": "Thư ký",
    "observer": "Quan sát viên",
    "guest": "Khách mời",
    "staff": "Ban tổ chức",
}

RGB = tuple[int, int, int]

# Ushers tell roles apart from across the aisle by the colour of the role tag.
_ROLE_COLOURS: dict[str, RGB] = {
    "chair": (176, 28, 28),
    "secretary": (22, 84, 160),
    "delegate": (20, 110, 62),
}
_OTHER_ROLE_COLOUR: RGB = (90, 90, 90)
_ACCENT: RGB = (160, 24, 24)  # the red of Vietnamese congress stationery
_INK: RGB = (20, 20, 20)
_MUTED: RGB = (85, 85, 85)
_CUT: RGB = (165, 165, 165)
_WHITE: RGB = (255, 255, 255)

# Card geometry, in millimetres. 90 x 65 mm fits 2 x 4 on A4 with margins a printer can print.
CARD_W = 90.0
CARD_H = 65.0
_PAD = 4.0
# The QR box includes the four-module quiet zone the QR spec asks for; it may reach into the
# card's padding because both are white. A 120-character token (version 7, 45 modules) gets
# 0.68 mm modules, well above the ~0.33 mm handheld scanners resolve at arm's length.
_QR_BOX = 36.0
_QR_QUIET = 4

PT = 25.4 / 72  # millimetres per typographic point

# The A4 sheet.
A4_W, A4_H = 210.0, 297.0
COLS, ROWS = 2, 4
PER_PAGE = COLS * ROWS
_MARGIN_X = (A4_W - COLS * CARD_W) / 2
_MARGIN_Y = (A4_H - ROWS * CARD_H) / 2

# Pixels per millimetre of the card PNG: 300 dpi, the usual resolution for print.
_PNG_DPI = 300
_PX_PER_MM = _PNG_DPI / 25.4


@dataclass(frozen=True)
class BadgeInfo:
    """What one badge shows. ``token`` is the opaque check-in token the QR carries."""

    code: str
    full_name: str
    delegation: str
    title: str
    seat: str
    role: str
    token: str


def role_label(role: str) -> str:
    """The Vietnamese label of a role (``"chair"`` -> ``"Chủ tọa"``); unknown roles as given."""
    return ROLE_LABELS.get(role, role)


def _nfc(info: BadgeInfo) -> BadgeInfo:
    # The token is excluded: it is ASCII by contract and must reach the QR byte for byte.
    changes = {
        f.name: unicodedata.normalize("NFC", getattr(info, f.name)).strip()
        for f in fields(info)
        if f.name != "token"
    }
    return replace(info, **changes)


def _check_token(token: str) -> None:
    # A wedge scanner can only type printable ASCII; anything else would reach the check-in
    # desk garbled, so refuse it here rather than print 350 unusable badges.
    if not token or not token.isascii() or not token.isprintable() or " " in token:
        raise ValueError(f"a check-in token must be non-empty printable ASCII: {token!r}")


def _qr(token: str, border: int = _QR_QUIET) -> qrcode.QRCode:
    _check_token(token)
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    qr.add_data(token.encode("ascii"))
    qr.make(fit=True)
    return qr


def qr_matrix(token: str) -> list[list[bool]]:
    """The QR modules of ``token`` (True is dark), without the quiet zone."""
    return [[bool(m) for m in row] for row in _qr(token, border=0).get_matrix()]


def badge_png(token: str, *, box_size: int = 10) -> bytes:
    """The QR of ``token`` alone, as a black-on-white PNG with its quiet zone."""
    if box_size < 1:
        raise ValueError("box_size must be at least 1")
    qr = _qr(token)
    qr.box_size = box_size
    out = io.BytesIO()
    qr.make_image().save(out, format="PNG")
    return out.getvalue()


def badge_svg(token: str) -> bytes:
    """The QR of ``token`` alone, as an SVG document with one path for the dark modules."""
    qr = _qr(token)
    img = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    data = img.to_string()
    return data if isinstance(data, bytes) else data.encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Layout, shared by the PDF sheet and the card PNG


class _Canvas(Protocol):
    """Drawing in millimetres from the page's top-left corner, font sizes in points."""

    def measure(self, text: str, size: float, bold: bool) -> float: ...

    def text(
        self, x: float, baseline: float, text: str, size: float, bold: bool, colour: RGB
    ) -> None: ...

    def fill_rect(
        self, x: float, y: float, w: float, h: float, colour: RGB, radius: float = 0.0
    ) -> None: ...

    def line(
        self, x1: float, y1: float, x2: float, y2: float, colour: RGB, width: float
    ) -> None: ...

    def qr(self, x: float, y: float, module: float, matrix: list[list[bool]]) -> None: ...


def _wrap(
    text: str, width: float, measure: Callable[[str], float], max_lines: int
) -> tuple[list[str], bool]:
    """Greedy word wrap; returns the lines and whether everything fit in ``max_lines``."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        # A single word wider than the column (a long unbroken code, say) is cut by letters.
        while measure(word) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and measure(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return lines, True
    kept = lines[:max_lines]
    last = kept[-1]
    while last and measure(last + "…") > width:
        last = last[:-1].rstrip()
    kept[-1] = last + "…"
    return kept, False


def _balance(
    text: str, width: float, measure: Callable[[str], float], greedy: list[str]
) -> list[str]:
    """Two lines of similar length instead of a full line and an orphan word."""
    words = text.split()
    best, best_w = greedy, max(measure(line) for line in greedy)
    for i in range(1, len(words)):
        pair = [" ".join(words[:i]), " ".join(words[i:])]
        w = max(measure(line) for line in pair)
        if w <= width and w < best_w:
            best, best_w = pair, w
    return best


def _fit(
    c: _Canvas, text: str, width: float, sizes: Sequence[float], bold: bool, max_lines: int
) -> tuple[float, list[str]]:
    """The largest size at which ``text`` fits in the fewest lines (one line first)."""

    def measurer(size: float) -> Callable[[str], float]:
        return lambda s: c.measure(s, size, bold)

    for n_lines in range(1, max_lines + 1):
        for size in sizes:
            lines, ok = _wrap(text, width, measurer(size), n_lines)
            if ok:
                if len(lines) == 2:
                    lines = _balance(text, width, measurer(size), lines)
                return size, lines
    lines, _ = _wrap(text, width, measurer(sizes[-1]), max_lines)
    return sizes[-1], lines


def _centred(
    c: _Canvas, x: float, w: float, baseline: float, text: str, size: float, bold: bool, colour: RGB
) -> None:
    c.text(x + (w - c.measure(text, size, bold)) / 2, baseline, text, size, bold, colour)


def _draw_card(
    c: _Canvas,
    x0: float,
    y0: float,
    info: BadgeInfo,
    meeting_title: str,
    matrix: list[list[bool]],
) -> None:
    """One badge with its top-left corner at (x0, y0). ``info`` is already NFC."""
    inner_w = CARD_W - 2 * _PAD

    # Meeting title, across the top: which congress this badge admits to.
    size, lines = _fit(c, meeting_title, inner_w, (7.5, 7.0, 6.5), True, 2)
    baseline = y0 + _PAD + size * PT * 0.8
    # A one-line title sits in the middle of the band the two-line one would fill.
    if len(lines) == 1:
        baseline += size * PT * 0.6
    for line in lines:
        _centred(c, x0 + _PAD, inner_w, baseline, line, size, True, _ACCENT)
        baseline += size * PT * 1.2
    rule_y = y0 + 12.2
    c.line(x0 + _PAD, rule_y, x0 + CARD_W - _PAD, rule_y, _ACCENT, 0.35)

    # Right column: the QR, then the code for typing in by hand when a scan fails. The symbol's
    # top lines up with the role tag, and the rule stays outside its quiet zone.
    n = len(matrix)
    module = _QR_BOX / (n + 2 * _QR_QUIET)
    quiet = _QR_QUIET * module
    sym_x = x0 + CARD_W - 1.0 - _QR_BOX + quiet
    sym_y = rule_y + max(quiet + 0.3, 2.6)
    c.qr(sym_x, sym_y, module, matrix)
    sym_w = n * module
    _centred(c, sym_x, sym_w, sym_y + sym_w + 4.2, info.code, 8.5, True, _INK)

    # Left column, top down: role tag, name, title, delegation; the seat is pinned to the bottom.
    col_x = x0 + _PAD
    col_w = sym_x - 3.0 - col_x
    y = sym_y

    label = role_label(info.role).upper()
    if label:
        tag_size = 6.5
        tag_h = 4.4
        tag_w = c.measure(label, tag_size, True) + 3.6
        colour = _ROLE_COLOURS.get(info.role, _OTHER_ROLE_COLOUR)
        c.fill_rect(col_x, y, tag_w, tag_h, colour, radius=1.0)
        c.text(col_x + 1.8, y + tag_h / 2 + tag_size * PT * 0.36, label, tag_size, True, _WHITE)
        y += tag_h + 1.6

    size, lines = _fit(c, info.full_name, col_w, (15, 14, 13, 12, 11), True, 2)
    for line in lines:
        y += size * PT * 1.0
        c.text(col_x, y, line, size, True, _INK)
        y += size * PT * 0.22
    y += 0.8

    for text, colour in ((info.title, _INK), (info.delegation, _MUTED)):
        if not text:
            continue
        size, lines = _fit(c, text, col_w, (8.0, 7.5, 7.0), False, 2)
        for line in lines:
            y += size * PT * 1.0
            c.text(col_x, y, line, size, False, colour)
            y += size * PT * 0.2
        y += 0.8

    if info.seat:
        seat_base = y0 + CARD_H - _PAD - 0.4
        seat_size = 15.0
        c.text(col_x, seat_base - seat_size * PT * 0.75 - 1.2, "GHẾ", 6.0, True, _MUTED)
        c.text(col_x, seat_base, info.seat, seat_size, True, _INK)


# ---------------------------------------------------------------------------------------------
# PDF sheets


class _PdfCanvas:
    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf
        self._font: tuple[float, bool] | None = None
        # Fitting text tries several sizes and line breaks, and a meeting title, delegation or
        # job title repeats on hundreds of cards: measuring dominated the sheet before this.
        self._widths: dict[tuple[str, float, bool], float] = {}

    def _set_font(self, size: float, bold: bool) -> None:
        if self._font != (size, bold):
            self.pdf.set_font("DejaVu", "B" if bold else "", size)
            self._font = (size, bold)

    def measure(self, text: str, size: float, bold: bool) -> float:
        key = (text, size, bold)
        width = self._widths.get(key)
        if width is None:
            self._set_font(size, bold)
            width = self._widths[key] = float(self.pdf.get_string_width(text))
        return width

    def text(
        self, x: float, baseline: float, text: str, size: float, bold: bool, colour: RGB
    ) -> None:
        self._set_font(size, bold)
        self.pdf.set_text_color(*colour)
        self.pdf.text(x, baseline, text)

    def fill_rect(
        self, x: float, y: float, w: float, h: float, colour: RGB, radius: float = 0.0
    ) -> None:
        self.pdf.set_fill_color(*colour)
        if radius:
            self.pdf.rect(x, y, w, h, style="F", round_corners=True, corner_radius=radius)
        else:
            self.pdf.rect(x, y, w, h, style="F")

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: RGB, width: float) -> None:
        self.pdf.set_draw_color(*colour)
        self.pdf.set_line_width(width)
        self.pdf.line(x1, y1, x2, y2)

    def qr(self, x: float, y: float, module: float, matrix: list[list[bool]]) -> None:
        # All dark modules go into ONE path filled once, each run of a row as one rectangle.
        # Filling rectangles one by one (FPDF.rect) leaves hairline seams between rows in
        # anti-aliasing viewers, and fpdf2's drawing API costs ~18 ms per QR (6 s for a
        # congress); these raw operators cost ~0.4 ms. _out is fpdf2's private content writer,
        # unchanged since PyFPDF; the sheet test decodes every QR, so a change would show.
        k = self.pdf.k
        page_h = self.pdf.h
        ops = ["q 0 g"]
        for r, row in enumerate(matrix):
            top = page_h - (y + r * module)  # PDF y grows upwards from the bottom edge
            c = 0
            n = len(row)
            while c < n:
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(
                    f"{(x + start * module) * k:.3f} {(top - module) * k:.3f} "
                    f"{(c - start) * module * k:.3f} {module * k:.3f} re"
                )
        ops.append("f Q")
        self.pdf._out("\n".join(ops))


def _occupied(count: int, row: int) -> int:
    """Cards in ``row`` of a page holding ``count`` cards, filled row by row."""
    return max(0, min(COLS, count - row * COLS))


def _cut_lines(pdf: FPDF, count: int) -> None:
    """Dashed lines around the cards present, and crop marks in the margin where they end.

    Only cells holding a card are outlined, so a half-filled last page has no empty boxes.
    """
    pdf.set_draw_color(*_CUT)
    pdf.set_line_width(0.2)
    rows = math.ceil(count / COLS)
    mark, gap = 5.0, 2.0
    grid_right = _MARGIN_X + COLS * CARD_W
    grid_bottom = _MARGIN_Y + ROWS * CARD_H

    pdf.set_dash_pattern(dash=1.2, gap=1.2)
    for r in range(rows + 1):
        cells = max(_occupied(count, r - 1), _occupied(count, r))
        y = _MARGIN_Y + r * CARD_H
        pdf.line(_MARGIN_X, y, _MARGIN_X + cells * CARD_W, y)
    for col in range(COLS + 1):
        cells = sum(1 for r in range(rows) if _occupied(count, r) >= max(col, 1))
        x = _MARGIN_X + col * CARD_W
        pdf.line(x, _MARGIN_Y, x, _MARGIN_Y + cells * CARD_H)
    pdf.set_dash_pattern()

    # Crop marks stay outside the grid so the guillotine leaves none on a card.
    for r in range(rows + 1):
        y = _MARGIN_Y + r * CARD_H
        pdf.line(_MARGIN_X - gap - mark, y, _MARGIN_X - gap, y)
        if max(_occupied(count, r - 1), _occupied(count, r)) == COLS:
            pdf.line(grid_right + gap, y, grid_right + gap + mark, y)
    for col in range(COLS + 1):
        x = _MARGIN_X + col * CARD_W
        if _occupied(count, 0) >= max(col, 1):
            pdf.line(x, _MARGIN_Y - gap - mark, x, _MARGIN_Y - gap)
        if rows == ROWS and _occupied(count, ROWS - 1) >= max(col, 1):
            pdf.line(x, grid_bottom + gap, x, grid_bottom + gap + mark)


def badges_pdf(
    infos: Sequence[BadgeInfo],
    meeting_title: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """A4 sheets of 2 x 4 badges (90 x 65 mm) with cut lines, ready to print at 100 % scale.

    ``progress(done, total)`` is called after each badge.
    """
    title = unicodedata.normalize("NFC", meeting_title).strip()
    total = len(infos)
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.add_font("DejaVu", "", str(FONT_REGULAR))
    pdf.add_font("DejaVu", "B", str(FONT_BOLD))
    pdf.set_title(f"Thẻ đại biểu — {title}" if title else "Thẻ đại biểu")
    pdf.set_lang("vi")
    pdf.set_creator("phonghop")
    canvas = _PdfCanvas(pdf)
    pages = max(1, math.ceil(total / PER_PAGE))

    for i, raw in enumerate(infos):
        slot = i % PER_PAGE
        if slot == 0:
            pdf.add_page()
            on_page = min(PER_PAGE, total - i)
            _cut_lines(pdf, on_page)
            footer = f"Trang {i // PER_PAGE + 1}/{pages} · thẻ {i + 1}–{i + on_page}/{total}"
            _centred(canvas, 0, A4_W, A4_H - 6.0, footer, 7.0, False, _MUTED)
        info = _nfc(raw)
        x0 = _MARGIN_X + (slot % COLS) * CARD_W
        y0 = _MARGIN_Y + (slot // COLS) * CARD_H
        _draw_card(canvas, x0, y0, info, title, qr_matrix(info.token))
        if progress is not None:
            progress(i + 1, total)

    if total == 0:
        pdf.add_page()  # a PDF needs a page; an empty roster prints a blank sheet
    return bytes(pdf.output())


# ---------------------------------------------------------------------------------------------
# One card as an image


@lru_cache(maxsize=64)
def _pil_font(px: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), px)


class _ImageCanvas:
    def __init__(self, image: Image.Image) -> None:
        self.draw = ImageDraw.Draw(image)
        self.image = image

    @staticmethod
    def _px(mm: float) -> int:
        return round(mm * _PX_PER_MM)

    @staticmethod
    def _font(size: float, bold: bool) -> ImageFont.FreeTypeFont:
        return _pil_font(max(1, round(size * PT * _PX_PER_MM)), bold)

    def measure(self, text: str, size: float, bold: bool) -> float:
        return float(self._font(size, bold).getlength(text)) / _PX_PER_MM

    def text(
        self, x: float, baseline: float, text: str, size: float, bold: bool, colour: RGB
    ) -> None:
        self.draw.text(
            (self._px(x), self._px(baseline)),
            text,
            font=self._font(size, bold),
            fill=colour,
            anchor="ls",
        )

    def fill_rect(
        self, x: float, y: float, w: float, h: float, colour: RGB, radius: float = 0.0
    ) -> None:
        box = (self._px(x), self._px(y), self._px(x + w), self._px(y + h))
        self.draw.rounded_rectangle(box, radius=self._px(radius), fill=colour)

    def line(self, x1: float, y1: float, x2: float, y2: float, colour: RGB, width: float) -> None:
        self.draw.line(
            (self._px(x1), self._px(y1), self._px(x2), self._px(y2)),
            fill=colour,
            width=max(1, self._px(width)),
        )

    def qr(self, x: float, y: float, module: float, matrix: list[list[bool]]) -> None:
        # Whole pixels per module keep every module the same size, so edges stay sharp.
        n = len(matrix)
        px = max(1, round(module * _PX_PER_MM))
        symbol = Image.new("L", (n, n), 255)
        symbol.putdata([0 if dark else 255 for row in matrix for dark in row])
        symbol = symbol.resize((n * px, n * px), Image.Resampling.NEAREST)
        # Centre the whole-pixel symbol on the box the layout gave it; rounding moves it by at
        # most half a module, which the quiet zone absorbs.
        offset = (n * module * _PX_PER_MM - n * px) / 2
        self.image.paste(symbol, (round(x * _PX_PER_MM + offset), round(y * _PX_PER_MM + offset)))


def badge_card_png(info: BadgeInfo, meeting_title: str) -> bytes:
    """One badge as a 90 x 65 mm, 300 dpi PNG, with a thin border to cut along."""
    info = _nfc(info)
    title = unicodedata.normalize("NFC", meeting_title).strip()
    size = (round(CARD_W * _PX_PER_MM), round(CARD_H * _PX_PER_MM))
    image = Image.new("RGB", size, _WHITE)
    canvas = _ImageCanvas(image)
    _draw_card(canvas, 0.0, 0.0, info, title, qr_matrix(info.token))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] - 1, size[1] - 1), outline=_CUT, width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(_PNG_DPI, _PNG_DPI))
    return out.getvalue()
