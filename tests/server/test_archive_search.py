"""The archive's search index on its own (server/archive_index.py, server/archive_text.py):
Vietnamese folded on both sides, text taken from a real PDF page by page, bm25 ranking."""

from __future__ import annotations

import stat
from pathlib import Path

from server.archive_index import ArchiveIndex, Passage, Record
from server.archive_text import fts_query, pdf_pages, search_form, snippet
from tests.server.archive_support import vietnamese_pdf


def _record(meeting: str, title: str) -> Record:
    return Record(id=meeting, title=title, organisation="MTTQ", year=2026, status="closed",
                  closed_at=1, archived_at=2, final_hash="h", zip_sha256="z")


def test_search_form_folds_vietnamese_and_keeps_every_position() -> None:
    text = "HỘI NGHỊ Đại biểu Mặt trận"
    assert search_form(text) == "hoi nghi dai bieu mat tran"
    assert len(search_form(text)) == len(text)
    assert fts_query("hội   NGHI") == '"hoi" "nghi"*'
    assert fts_query('( * "') is None
    assert fts_query('" OR (') == '"or"*'  # a word, never an operator
    text = "Xây dựng nông thôn mới"
    assert snippet(text, search_form(text), ["thon"], 20) == "…dựng nông thôn mới"
    assert snippet(text, search_form(text), ["xay"], 12) == "Xây dựng…"


def test_pdf_text_is_read_page_by_page() -> None:
    pages = pdf_pages(vietnamese_pdf())
    assert len(pages) == 3
    assert "nông thôn mới" in pages[1] and "nông thôn" not in pages[0] + pages[2]
    assert pdf_pages(b"%PDF-1.4 broken") == []


def test_a_page_is_found_without_diacritics_and_links_to_its_page(tmp_path: Path) -> None:
    index = ArchiveIndex(tmp_path / "archive" / "index.sqlite3")
    assert stat.S_IMODE((tmp_path / "archive").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "archive" / "index.sqlite3").stat().st_mode) == 0o600
    passages = [Passage("document", "Báo cáo tổng kết", text, "documents/d1-v1.pdf", n)
                for n, text in enumerate(pdf_pages(vietnamese_pdf()), 1)]
    index.put(_record("m1", "Hội nghị Ban Thường trực"), passages)

    (hit,) = index.search("nong thon moi")
    assert (hit.meeting, hit.kind, hit.file, hit.page) == ("m1", "document",
                                                          "documents/d1-v1.pdf", 2)
    assert "nông thôn mới" in hit.snippet
    # One hit per document, at the page that holds most of the words.
    assert [h.page for h in index.search("DOAN KET")] == [2]
    assert [h.page for h in index.search("dai doan ket")] == [3]
    assert index.search("nông thôn mới") == index.search("nong thon moi")
    assert index.search("nong thon hai dao") == []


def test_ranked_by_bm25_a_title_above_a_passing_mention(tmp_path: Path) -> None:
    index = ArchiveIndex(tmp_path / "index.sqlite3")
    filler = " ".join(["công tác tuyên truyền vận động nhân dân"] * 30)
    index.put(_record("m1", "Họp thường kỳ"), [
        Passage("document", "Kế hoạch năm", filler + " ngân sách", "documents/a-v1.pdf", 4)])
    index.put(_record("m2", "Họp chuyên đề"), [
        Passage("document", "Dự toán ngân sách", "Dự toán ngân sách năm 2027",
                "documents/b-v1.pdf", 1)])
    hits = index.search("ngan sach")
    assert [h.meeting for h in hits] == ["m2", "m1"]
    assert hits[0].score > hits[1].score > 0
    assert [h.meeting for h in index.search("ngan sach", meeting="m1")] == ["m1"]


def test_replacing_a_meeting_replaces_its_passages(tmp_path: Path) -> None:
    index = ArchiveIndex(tmp_path / "index.sqlite3")
    index.put(_record("m1", "A"), [Passage("agenda", "Khai mạc", "Khai mạc")])
    index.put(_record("m1", "A"), [Passage("agenda", "Bế mạc", "Bế mạc")])
    assert index.search("khai mac") == []
    assert [h.label for h in index.search("be mac")] == ["Bế mạc"]
    assert len(index.meetings()) == 1 and index.meetings(year=2025) == []
