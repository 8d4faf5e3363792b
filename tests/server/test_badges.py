"""QR badges: every image and sheet is read back with a real QR decoder (zbar)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import shutil
import subprocess
import time
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from pyzbar.pyzbar import ZBarSymbol, decode

from server.badge_card import CARD_H, CARD_W
from server.badges import (
    PER_PAGE,
    BadgeInfo,
    badge_card_png,
    badge_png,
    badge_svg,
    badges_pdf,
    qr_matrix,
    role_label,
)

ROSTER = Path(__file__).parents[2] / "server" / "assets" / "demo" / "roster.csv"
MEETING = (
    "Đại hội đại biểu Mặt trận Tổ quốc Việt Nam tỉnh Quảng Ninh lần thứ XV, nhiệm kỳ 2024–2029"
)
TOKEN = "m1.p42.c.1767225600.Xk3f9aQ2LmZp0s7TqV1wYb"


def make_token(n: int, length: int = 42) -> str:
    """A token shaped like the signed ones: dotted fields and URL-safe base64."""
    mac = base64.urlsafe_b64encode(hashlib.sha256(str(n).encode()).digest() * 4).decode()
    head = f"m1.p{n}.c.1767225600."
    return head + mac.rstrip("=")[: max(1, length - len(head))]


def roster(count: int) -> list[BadgeInfo]:
    with ROSTER.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))[:count]
    return [
        BadgeInfo(
            code=r["code"],
            full_name=r["full_name"],
            delegation=r["delegation"],
            title=r["title"],
            seat=r["seat"],
            role=r["role"],
            token=make_token(i),
        )
        for i, r in enumerate(rows)
    ]


def qr_texts(image: Image.Image) -> list[str]:
    return [s.data.decode("ascii") for s in decode(image, symbols=[ZBarSymbol.QRCODE])]


def render_pages(pdf: bytes, tmp_path: Path, dpi: int = 150) -> list[Image.Image]:
    src = tmp_path / "sheet.pdf"
    src.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(src), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    images = []
    for page in pages:
        with Image.open(page) as image:
            images.append(image.copy())  # copy() loads it, so the file can close now
    return images


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    """NFC with runs of whitespace collapsed, so a name wrapped on two lines still matches."""
    return " ".join(unicodedata.normalize("NFC", text).split())


needs_pdftoppm = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler")


# --- the bare QR ------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [TOKEN, make_token(7, 120), "A"])
def test_png_decodes_to_exactly_the_token(token: str) -> None:
    image = Image.open(io.BytesIO(badge_png(token)))
    assert image.format == "PNG"
    assert qr_texts(image) == [token]


def test_png_box_size_sets_module_pixels_and_keeps_the_quiet_zone() -> None:
    n = len(qr_matrix(TOKEN))
    image = Image.open(io.BytesIO(badge_png(TOKEN, box_size=4)))
    assert image.size == ((n + 8) * 4, (n + 8) * 4)
    # The four-module quiet zone is white all round.
    grey = image.convert("L")
    assert all(grey.getpixel((x, y)) == 255 for x in range(16) for y in range(image.size[1]))
    assert qr_texts(image) == [TOKEN]


def test_qr_uses_error_correction_m() -> None:
    # Read the format information the way a decoder does (ISO/IEC 18004, 7.9): its two top
    # bits, at row 8 columns 0 and 1, are the level's code XOR 0b10; M is coded 0b00.
    for token in (TOKEN, make_token(1, 120)):
        m = qr_matrix(token)
        level = ((m[8][0] ^ 1) << 1) | m[8][1]
        assert level == 0b00


def test_svg_is_valid_and_its_modules_decode_to_the_token() -> None:
    token = make_token(3, 90)
    root = ET.fromstring(badge_svg(token))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    n = len(qr_matrix(token))
    assert root.get("viewBox") == f"0 0 {n + 8} {n + 8}"
    paths = root.findall("{http://www.w3.org/2000/svg}path")
    assert len(paths) == 1

    # No SVG rasteriser is installed, so paint the path's rectangles ourselves and scan that:
    # it proves the geometry in the file is the token's QR, not just that it is XML.
    d = paths[0].get("d") or ""
    squares = re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", d)
    assert len(squares) > n  # one square per dark module
    scale = 8
    image = Image.new("L", ((n + 8) * scale, (n + 8) * scale), 255)
    for x1, y1, x2, y2 in squares:
        box = [round(float(v) * scale) for v in (x1, y1, x2, y2)]
        image.paste(0, (box[0], box[1], box[2], box[3]))
    assert qr_texts(image) == [token]


@pytest.mark.parametrize("bad", ["", "có dấu", "two words", "tab\there"])
def test_a_token_a_wedge_scanner_cannot_type_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        badge_png(bad)


# --- one card ---------------------------------------------------------------------------------


def test_card_png_decodes_and_prints_at_card_size() -> None:
    info = roster(1)[0]
    image = Image.open(io.BytesIO(badge_card_png(info, MEETING)))
    assert image.size == (1063, 768)  # 90 x 65 mm at 300 dpi
    assert image.info["dpi"] == pytest.approx((300, 300), abs=0.01)
    assert qr_texts(image) == [info.token]


def test_card_with_a_long_token_and_long_texts_still_decodes() -> None:
    info = BadgeInfo(
        code="DB0349",
        full_name="Tôn Nữ Thị Hoàng Khánh Phượng Nguyễn",
        delegation="Khối các tổ chức thành viên tỉnh và đại biểu khách mời đặc biệt",
        title="Phó Chủ tịch Thường trực Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh",
        seat="B12",
        role="observer",
        token=make_token(349, 120),
    )
    image = Image.open(io.BytesIO(badge_card_png(info, MEETING)))
    assert qr_texts(image) == [info.token]


def test_a_name_in_nfd_renders_exactly_like_nfc() -> None:
    nfc = roster(1)[0]
    nfd = BadgeInfo(**{**nfc.__dict__, "full_name": unicodedata.normalize("NFD", nfc.full_name)})
    assert nfd.full_name != nfc.full_name
    assert badge_card_png(nfd, unicodedata.normalize("NFD", MEETING)) == badge_card_png(
        nfc, MEETING
    )


def test_role_labels_are_vietnamese() -> None:
    assert role_label("delegate") == "Đại biểu"
    assert role_label("chair") == "Chủ tọa"
    assert role_label("secretary") == "Thư ký"
    assert role_label("Phóng viên") == "Phóng viên"


# --- A4 sheets --------------------------------------------------------------------------------


@needs_pdftoppm
def test_sheet_of_20_pages_decodes_and_carries_the_names(tmp_path: Path) -> None:
    infos = roster(20)
    calls: list[tuple[int, int]] = []
    pdf = badges_pdf(infos, MEETING, progress=lambda done, total: calls.append((done, total)))

    assert calls == [(i, 20) for i in range(1, 21)]
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 3  # 8 + 8 + 4

    pages = render_pages(pdf, tmp_path)
    assert len(pages) == 3
    per_page = [qr_texts(page) for page in pages]
    assert [len(p) for p in per_page] == [8, 8, 4]
    assert sorted(t for page in per_page for t in page) == sorted(i.token for i in infos)
    # Badges are laid out in roster order, page by page.
    for number, found in enumerate(per_page):
        expected = {i.token for i in infos[number * PER_PAGE : (number + 1) * PER_PAGE]}
        assert set(found) == expected

    text = flat(pdf_text(pdf))
    for info in infos:
        assert flat(info.full_name) in text
        assert info.code in text
        assert flat(role_label(info.role)).upper() in text
    assert "Đoàn Chủ tịch" in text


@needs_pdftoppm
def test_every_badge_of_a_congress_sheet_decodes_at_screen_resolutions(tmp_path: Path) -> None:
    """The 350-badge demo sheet as a screen or a low-resolution scan shows it: rasterised by
    pdftoppm with anti-aliasing at 110, 150 and 200 dpi, each card read on its own (as a
    camera or a scanner reads a badge) gives its token, and so does every card when the whole
    page is read at once."""
    infos = roster(350)
    pdf = badges_pdf(infos, MEETING)
    # The cards' grid: 2 x 4 cards centred on the A4 page (server/badges.py).
    left, top = (210 - 2 * CARD_W) / 2, (297 - 4 * CARD_H) / 2
    src = tmp_path / "sheet.pdf"
    src.write_bytes(pdf)
    for dpi in (110, 150, 200):
        px = dpi / 25.4
        out = tmp_path / str(dpi)
        out.mkdir()
        # Grey PGM: what zbar reads anyway, and no PNG to compress and expand again.
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(src), str(out / "p")], check=True)
        pages = sorted(out.glob("p-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        read: list[list[str]] = []
        whole: set[str] = set()
        for path in pages:  # one page in memory at a time: 44 pages at 200 dpi are 0.5 GB
            with Image.open(path) as page:
                whole.update(qr_texts(page))
                for slot in range(PER_PAGE):
                    x, y = left + slot % 2 * CARD_W, top + slot // 2 * CARD_H
                    box = (x * px, y * px, (x + CARD_W) * px, (y + CARD_H) * px)
                    read.append(qr_texts(page.crop(box)))
        tokens = [found[0] if len(found) == 1 else None for found in read[: len(infos)]]
        missed = [i.code for i, token in zip(infos, tokens, strict=True) if token != i.token]
        assert len(read) >= len(infos) and not missed, (dpi, missed)
        # The whole page at once, as on a screen: every code. Before the symbols sat on a
        # grid of whole 1/25 inch modules, zbar missed 1-3 per dpi here (the same slot across
        # pages, wherever its module edges fell among the pixels), and 37 at 200 dpi when the
        # cut lines were dashed.
        assert whole >= {i.token for i in infos}, (dpi, len(whole & {i.token for i in infos}))


def test_names_given_in_nfd_come_out_nfc_in_the_pdf() -> None:
    name = "Nguyễn Thị Hồng Nhung"
    info = BadgeInfo(
        code="DB0001",
        full_name=unicodedata.normalize("NFD", name),
        delegation="TP. Hạ Long",
        title="Đại biểu",
        seat="C07",
        role="delegate",
        token=TOKEN,
    )
    text = pdf_text(badges_pdf([info], MEETING))
    # Not normalised here on purpose: the PDF itself must hold the precomposed letters.
    assert name in " ".join(text.split())
    assert not any(unicodedata.combining(ch) for ch in text)


def test_empty_roster_gives_one_blank_page() -> None:
    calls: list[tuple[int, int]] = []
    pdf = badges_pdf([], MEETING, progress=lambda d, t: calls.append((d, t)))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert calls == []


def test_350_badges_render_in_a_few_seconds() -> None:
    infos = roster(350)
    assert len(infos) == 350
    calls: list[tuple[int, int]] = []
    started = time.perf_counter()
    pdf = badges_pdf(infos, MEETING, progress=lambda d, t: calls.append((d, t)))
    elapsed = time.perf_counter() - started
    assert len(calls) == 350 and calls[-1] == (350, 350)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 44
    # About 2 s on one core of the dev machine; the bound leaves room for a slow CI runner.
    assert elapsed < 15, f"350 badges took {elapsed:.1f} s"
