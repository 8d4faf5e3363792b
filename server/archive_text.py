"""The archive's text: a Vietnamese search form of text (no diacritics, đ → d, lower case)
that keeps every character's position, PDF text per page, FTS5 queries and snippets.

Indexed text and queries go through the same ``search_form``, so "hoi nghi" finds "Hội nghị"
and "HỘI NGHỊ" alike. The form has the same length as the NFC text it came from: a hit found
in it is cut from the original at the same offsets, and the snippet keeps its diacritics.
"""

from __future__ import annotations

import io
import re
import unicodedata

__all__ = ["fts_query", "pdf_pages", "query_terms", "search_form", "snippet"]

_WORD = re.compile(r"\w+")
MAX_TERMS = 16


def _fold_char(ch: str) -> str:
    if ch in "đĐ":  # a stroke, not a combining mark: NFD leaves it alone
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    lowered = base.lower()
    # One character in, one out: a fold that grows (ß → ss) keeps the character as it is.
    return lowered if len(lowered) == 1 else ch


# Latin, Greek and Cyrillic with their extensions (Vietnamese lives in U+1EA0-U+1EF9): one
# ``str.translate`` instead of a normalisation per character, since snippets fold whole pages
# on every search. Other scripts pass unchanged (FTS5 lower-cases them when indexing).
_TABLE = {cp: _fold_char(chr(cp)) for span in ((0x41, 0x530), (0x1E00, 0x1F00))
          for cp in range(*span) if _fold_char(chr(cp)) != chr(cp)}


def search_form(text: str) -> str:
    """``text`` in NFC, lower-cased, without diacritics; the same length as ``nfc(text)``."""
    return unicodedata.normalize("NFC", text).translate(_TABLE)


def query_terms(query: str) -> list[str]:
    """The words of a query in search form, at most MAX_TERMS, in order, without repeats."""
    seen: list[str] = []
    for word in _WORD.findall(search_form(query)):
        if word not in seen:
            seen.append(word)
    return seen[:MAX_TERMS]


def fts_query(query: str) -> str | None:
    """An FTS5 MATCH expression: every word must occur (each one quoted, so no word of the
    query is read as an operator); the last word also matches as a prefix, for a search box
    typed into. None when the query has no word."""
    terms = query_terms(query)
    if not terms:
        return None
    quoted = [f'"{t}"' for t in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def snippet(original: str, folded: str, terms: list[str], width: int = 160) -> str:
    """About ``width`` characters of ``original`` (NFC) around the first of ``terms`` found
    in ``folded``, its ``search_form``."""
    text = original
    found = [i for i in (folded.find(t) for t in terms) if i >= 0]
    start = max(0, min(found) - width // 3) if found else 0
    if start:  # from the start of a word
        start = text.rfind(" ", 0, start) + 1
    end = start + width
    if end < len(text) and " " in text[start:end]:  # to the end of one
        end = text.rfind(" ", start, end)
    piece = " ".join(text[start:end].split())
    return ("…" if start else "") + piece + ("…" if end < len(text) else "")


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF (pypdf's extractor), empty for a page without text; an
    unreadable PDF gives no pages (it is archived, just not searchable)."""
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return []
        # pypdf spaces words by their gaps on the page: one space is what a search needs.
        return [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    except Exception:  # pypdf raises many types for broken files  # noqa: BLE001
        return []
