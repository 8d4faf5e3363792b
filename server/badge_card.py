"""One badge card laid out once, in millimetres and points, against a small canvas interface:
``server.badges`` draws it with fpdf2 for the A4 sheets and with Pillow for the single card
image, so that both print the same badge. What the card shows is a ``BadgeInfo``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

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
MUTED: RGB = (85, 85, 85)
WHITE: RGB = (255, 255, 255)

# Card geometry, in millimetres. 90 x 65 mm fits 2 x 4 on A4 with margins a printer can print.
CARD_W = 90.0
CARD_H = 65.0
_PAD = 4.0
# The QR box includes the four-module quiet zone the QR spec asks for; it may reach into the
# card's padding because both are white. A module is a whole fraction of an inch and the
# symbol sits on the module grid of the page (_draw_qr): a 42-character token (version 3,
# 29 modules) gets 1/25 inch modules, so at 150, 200 and 300 dpi every module edge falls on a
# pixel edge. A 120-character token (version 7, 45 modules) gets 1/36 inch (0.71 mm), well
# above the ~0.33 mm handheld scanners resolve at arm's length.
_QR_BOX_MAX = 38.0
QR_QUIET = 4

PT = 25.4 / 72  # millimetres per typographic point


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


class Canvas(Protocol):
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
    c: Canvas, text: str, width: float, sizes: Sequence[float], bold: bool, max_lines: int
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


def centred(
    c: Canvas, x: float, w: float, baseline: float, text: str, size: float, bold: bool, colour: RGB
) -> None:
    c.text(x + (w - c.measure(text, size, bold)) / 2, baseline, text, size, bold, colour)



def draw_card(
    c: Canvas,
    x0: float,
    y0: float,
    info: BadgeInfo,
    meeting_title: str,
    matrix: list[list[bool]],
) -> None:
    """One badge with its top-left corner at (x0, y0). ``info`` is already NFC.

    The meeting's title runs across the top; below its rule the QR and the code sit on the
    right, and the left column reads top down: role tag, name, job title, delegation, with
    the seat pinned to the bottom.
    """
    rule_y = _draw_meeting_title(c, x0, y0, meeting_title)
    sym_x, sym_y, quiet = _draw_qr(c, x0, rule_y, info.code, matrix)
    col_x = x0 + _PAD
    # The text column ends a millimetre short of the QR's quiet zone, which the QR spec wants
    # free of ink (a long name used to reach 0.9 mm into it).
    col_w = sym_x - quiet - 1.0 - col_x
    y = _draw_role_tag(c, col_x, sym_y, info.role)
    y = _draw_name(c, col_x, y, col_w, info.full_name)
    for text, colour in ((info.title, _INK), (info.delegation, MUTED)):
        if text:
            y = _draw_detail(c, col_x, y, col_w, text, colour)
    if info.seat:
        _draw_seat(c, col_x, y0, info.seat)


def _draw_meeting_title(c: Canvas, x0: float, y0: float, meeting_title: str) -> float:
    """Which congress this badge admits to, across the top, and the rule under it (its y)."""
    inner_w = CARD_W - 2 * _PAD
    size, lines = _fit(c, meeting_title, inner_w, (7.5, 7.0, 6.5), True, 2)
    baseline = y0 + _PAD + size * PT * 0.8
    # A one-line title sits in the middle of the band the two-line one would fill.
    if len(lines) == 1:
        baseline += size * PT * 0.6
    for line in lines:
        centred(c, x0 + _PAD, inner_w, baseline, line, size, True, _ACCENT)
        baseline += size * PT * 1.2
    rule_y = y0 + 12.2
    c.line(x0 + _PAD, rule_y, x0 + CARD_W - _PAD, rule_y, _ACCENT, 0.35)
    return rule_y


def qr_module(n: int) -> float:
    """The module of an ``n``-module symbol, in mm: the largest 1/N inch whose box (with the
    quiet zone) stays within _QR_BOX_MAX."""
    return 25.4 / math.ceil((n + 2 * QR_QUIET) * 25.4 / _QR_BOX_MAX)


def _on_grid(value: float, module: float, up: bool) -> float:
    steps = value / module
    # 1e-6: a value already on the grid stays there despite the float division.
    return (math.ceil(steps - 1e-6) if up else math.floor(steps + 1e-6)) * module


def _draw_qr(
    c: Canvas, x0: float, rule_y: float, code: str, matrix: list[list[bool]]
) -> tuple[float, float, float]:
    """The QR in the right column, then the code for typing in by hand when a scan fails.
    The symbol's top lines up with the role tag, and the rule stays outside its quiet zone.
    Returns the symbol's top-left corner and its quiet zone's width.

    The corner is put on the page's grid of whole modules (x0 and rule_y are page
    coordinates): with a module of 1/N inch, at any resolution that is a multiple of N dpi
    each module is whole pixels, without the grey edges of anti-aliasing. zbar reading whole
    rasterised sheets missed 1-3 of 350 codes at 110, 150 or 200 dpi before, depending on
    where the module edges fell among the pixels (tests/server/test_badges.py)."""
    n = len(matrix)
    module = qr_module(n)
    quiet = QR_QUIET * module
    box = (n + 2 * QR_QUIET) * module
    sym_x = _on_grid(x0 + CARD_W - 1.0 - box + quiet, module, up=False)
    sym_y = _on_grid(rule_y + max(quiet + 0.3, 2.6), module, up=True)
    c.qr(sym_x, sym_y, module, matrix)
    sym_w = n * module
    # Below the quiet zone, not in it: the code's capitals are about 2.2 mm tall at 8.5 pt.
    centred(c, sym_x, sym_w, sym_y + sym_w + quiet + 2.5, code, 8.5, True, _INK)
    return sym_x, sym_y, quiet


def _draw_role_tag(c: Canvas, x: float, y: float, role: str) -> float:
    """The role on a coloured tag at (x, y); returns the y below it (``y`` if no label)."""
    label = role_label(role).upper()
    if not label:
        return y
    tag_size = 6.5
    tag_h = 4.4
    tag_w = c.measure(label, tag_size, True) + 3.6
    colour = _ROLE_COLOURS.get(role, _OTHER_ROLE_COLOUR)
    c.fill_rect(x, y, tag_w, tag_h, colour, radius=1.0)
    c.text(x + 1.8, y + tag_h / 2 + tag_size * PT * 0.36, label, tag_size, True, WHITE)
    y += tag_h + 1.6
    return y


def _draw_name(c: Canvas, x: float, y: float, w: float, full_name: str) -> float:
    """The name, as large as fits in two lines; returns the y below it."""
    size, lines = _fit(c, full_name, w, (15, 14, 13, 12, 11), True, 2)
    for line in lines:
        y += size * PT * 1.0
        c.text(x, y, line, size, True, _INK)
        y += size * PT * 0.22
    y += 0.8
    return y


def _draw_detail(c: Canvas, x: float, y: float, w: float, text: str, colour: RGB) -> float:
    """A job title or delegation in up to two small lines; returns the y below it."""
    size, lines = _fit(c, text, w, (8.0, 7.5, 7.0), False, 2)
    for line in lines:
        y += size * PT * 1.0
        c.text(x, y, line, size, False, colour)
        y += size * PT * 0.2
    y += 0.8
    return y


def _draw_seat(c: Canvas, x: float, y0: float, seat: str) -> None:
    """The seat, pinned to the card's bottom whatever the column above it took."""
    seat_base = y0 + CARD_H - _PAD - 0.4
    seat_size = 15.0
    c.text(x, seat_base - seat_size * PT * 0.75 - 1.2, "GHẾ", 6.0, True, MUTED)
    c.text(x, seat_base, seat, seat_size, True, _INK)
