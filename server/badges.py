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

The card is laid out once (``server.badge_card``), in millimetres and points, against a small
canvas interface with two implementations here, fpdf2 for the sheets and Pillow for the single
card image, so that both print the same badge.

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
from dataclasses import fields, replace
from functools import lru_cache
from pathlib import Path

import qrcode  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M  # type: ignore[import-untyped]

from server.badge_card import (
    CARD_H,
    CARD_W,
    MUTED,
    PT,
    QR_QUIET,
    RGB,
    WHITE,
    BadgeInfo,
    centred,
    draw_card,
    role_label,
)

# BadgeInfo and role_label are re-exported: the roster, the CLI and the tests make badges with
# them from here.
__all__ = [
    "PER_PAGE",
    "BadgeInfo",
    "badge_card_png",
    "badge_png",
    "badge_svg",
    "badges_pdf",
    "qr_matrix",
    "role_label",
]

FONT_DIR = Path(__file__).parent / "assets" / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

_CUT: RGB = (165, 165, 165)  # cut lines and crop marks

# The A4 sheet.
A4_W, A4_H = 210.0, 297.0
COLS, ROWS = 2, 4
PER_PAGE = COLS * ROWS
_MARGIN_X = (A4_W - COLS * CARD_W) / 2
_MARGIN_Y = (A4_H - ROWS * CARD_H) / 2

# Pixels per millimetre of the card PNG: 300 dpi, the usual resolution for print.
_PNG_DPI = 300
_PX_PER_MM = _PNG_DPI / 25.4


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


def _qr(token: str, border: int = QR_QUIET) -> qrcode.QRCode:
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
    """Thin solid lines around the cards present, and crop marks in the margin where they end.

    Only cells holding a card are outlined, so a half-filled last page has no empty boxes.
    Solid, not dashed: the dashes are clutter that a decoder searching a whole sheet for QR
    codes (a PDF on a screen, a scan of the page) trips over. zbar reading each page of the
    350-badge demo sheet, rasterised by pdftoppm with anti-aliasing at 110/150/200 dpi, found
    349/348/313 codes with dashes and 348/350/349 with solid lines, and all 350 at each once
    the symbols were put on a grid of whole modules (server/badge_card.py ``_draw_qr``); one
    card at a time (as a camera or a scanner sees a badge) it reads all 350 at each
    (tests/server/test_badges.py).
    """
    pdf.set_draw_color(*_CUT)
    pdf.set_line_width(0.2)
    rows = math.ceil(count / COLS)
    mark, gap = 5.0, 2.0
    grid_right = _MARGIN_X + COLS * CARD_W
    grid_bottom = _MARGIN_Y + ROWS * CARD_H

    for r in range(rows + 1):
        cells = max(_occupied(count, r - 1), _occupied(count, r))
        y = _MARGIN_Y + r * CARD_H
        pdf.line(_MARGIN_X, y, _MARGIN_X + cells * CARD_W, y)
    for col in range(COLS + 1):
        cells = sum(1 for r in range(rows) if _occupied(count, r) >= max(col, 1))
        x = _MARGIN_X + col * CARD_W
        pdf.line(x, _MARGIN_Y, x, _MARGIN_Y + cells * CARD_H)

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
            centred(canvas, 0, A4_W, A4_H - 6.0, footer, 7.0, False, MUTED)
        info = _nfc(raw)
        x0 = _MARGIN_X + (slot % COLS) * CARD_W
        y0 = _MARGIN_Y + (slot // COLS) * CARD_H
        draw_card(canvas, x0, y0, info, title, qr_matrix(info.token))
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
    image = Image.new("RGB", size, WHITE)
    canvas = _ImageCanvas(image)
    draw_card(canvas, 0.0, 0.0, info, title, qr_matrix(info.token))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] - 1, size[1] - 1), outline=_CUT, width=2)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(_PNG_DPI, _PNG_DPI))
    return out.getvalue()
