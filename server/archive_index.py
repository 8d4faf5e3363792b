"""The archive's search index: one SQLite file with the archived meetings and an FTS5 table of
their passages (titles, agenda items, document pages, feedback, minutes pages), ranked by bm25.

Why SQLite FTS5 (docs/archive.md): it ships inside Python's own sqlite3 (no service to run,
nothing in Redis), keeps the index in one file in the data directory beside the archived ZIPs
(backed up with them, rebuilt from them), and ranks with bm25. Vietnamese diacritics are
folded in Python (server/archive_text.py) before text reaches FTS5, since its own
``remove_diacritics`` leaves đ alone.

The file is created 0600 before SQLite opens it (server/private_files.py); SQLite gives its
journal the same mode. Every call opens its own connection: calls come from worker threads.
"""

from __future__ import annotations

import json
import os
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from server.archive_text import fts_query, query_terms, search_form, snippet
from server.private_files import FILE_MODE, private_dir

__all__ = ["ArchiveIndex", "Hit", "Passage", "Record"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meetings (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, organisation TEXT NOT NULL,
    year INTEGER, status TEXT NOT NULL, signed INTEGER NOT NULL, closed_at INTEGER,
    archived_at INTEGER NOT NULL, final_hash TEXT NOT NULL, zip_sha256 TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS passages USING fts5(
    title, body, meeting UNINDEXED, kind UNINDEXED, file UNINDEXED, label UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS pages (
    passage INTEGER NOT NULL, page INTEGER, raw TEXT NOT NULL, folded TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pages_of_passage ON pages (passage, page);
"""
# bm25 weights of the two indexed columns: a word in a title counts five times one in text
# (FTS5's ``rank``, configured once per file).
_RANK = "bm25(5.0, 1.0)"
MAX_HITS = 100


@dataclass(frozen=True)
class Record:
    """One archived meeting, as the archive list shows it."""

    id: str
    title: str
    organisation: str
    year: int | None
    status: str  # "signed" when the ZIP holds signed minutes, else "closed"
    closed_at: int | None
    archived_at: int
    final_hash: str
    zip_sha256: str
    # Agenda titles, documents (id, title, file, pages), results, participants (id, role).
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def signed(self) -> bool:
        return self.status == "signed"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Passage:
    """A piece of text to find: ``file`` (a path in the meeting's ZIP) and ``page`` say where
    a hit leads; ``label`` names it in the results."""

    kind: str  # meeting, agenda, document, feedback, minutes
    label: str
    text: str
    file: str = ""
    page: int | None = None


@dataclass(frozen=True)
class Hit:
    meeting: str
    meeting_title: str
    kind: str
    label: str
    file: str
    page: int | None
    snippet: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ArchiveIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        private_dir(path.parent)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        except FileExistsError:
            pass
        with self._connect() as db:
            db.executescript(_SCHEMA)
            db.execute(f"INSERT INTO passages(passages, rank) VALUES ('rank', '{_RANK}')")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def put(self, record: Record, passages: Sequence[Passage]) -> None:
        """Add or replace a meeting and all its passages, in one transaction. The pages of
        one file are one row of the FTS table (ranking costs per matching row: a 40-page
        report is one row, not 40); the page of a hit is found among its pages afterwards."""
        groups: dict[tuple[str, str, str], list[Passage]] = {}
        for p in passages:
            groups.setdefault((p.kind, p.file, p.label), []).append(p)
        with self._connect() as db:
            db.execute("DELETE FROM pages WHERE passage IN "
                       "(SELECT rowid FROM passages WHERE meeting = ?)", (record.id,))
            db.execute("DELETE FROM passages WHERE meeting = ?", (record.id,))
            db.execute("INSERT OR REPLACE INTO meetings VALUES (?,?,?,?,?,?,?,?,?,?,?)", (
                record.id, record.title, record.organisation, record.year, record.status,
                int(record.signed), record.closed_at, record.archived_at, record.final_hash,
                record.zip_sha256, json.dumps(record.details, ensure_ascii=False)))
            for (kind, file, label), group in groups.items():
                folded = [search_form(p.text) for p in group]
                row = db.execute("INSERT INTO passages VALUES (?,?,?,?,?,?)", (
                    search_form(label), "\n".join(folded), record.id, kind, file,
                    label)).lastrowid
                # The folded page is kept: a search picks a page and cuts a snippet with no
                # folding of its own (folding a page costs about a millisecond).
                db.executemany("INSERT INTO pages VALUES (?,?,?,?)", [
                    (row, p.page, unicodedata.normalize("NFC", p.text), f)
                    for p, f in zip(group, folded, strict=True)])

    def meetings(
        self, year: int | None = None, organisation: str | None = None, status: str | None = None
    ) -> list[Record]:
        """Archived meetings, newest closed first, filtered by year, body and status."""
        where, args = [], []
        for column, value in (("year", year), ("organisation", organisation),
                              ("status", status)):
            if value is not None and value != "":
                where.append(f"{column} = ?")
                args.append(value)
        sql = "SELECT * FROM meetings" + (" WHERE " + " AND ".join(where) if where else "")
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY closed_at DESC, id", args).fetchall()
        return [_record(row) for row in rows]

    def get(self, meeting_id: str) -> Record | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM meetings WHERE id = ?", (meeting_id,)).fetchone()
        return None if row is None else _record(row)

    def search(self, query: str, limit: int = 20, meeting: str | None = None) -> list[Hit]:
        """The best passages for ``query`` (every word, the last also as a prefix), best
        first, each at its page that holds most of the words; ``meeting`` limits them to one
        meeting."""
        match = fts_query(query)
        if match is None:
            return []
        # Ranked on the FTS table alone (``ORDER BY rank LIMIT``, FTS5's fast path); the
        # meeting's title and the pages are read for the chosen rows only.
        where = "passages MATCH ?" + (" AND meeting = ?" if meeting is not None else "")
        args: list[Any] = [match] + ([meeting] if meeting is not None else [])
        sql = ("SELECT best.rowid, p.meeting, m.title, p.kind, p.label, p.file, best.rank "
               f"FROM (SELECT rowid, rank FROM passages WHERE {where} ORDER BY rank LIMIT ?) "
               "AS best JOIN passages p ON p.rowid = best.rowid "
               "JOIN meetings m ON m.id = p.meeting ORDER BY best.rank")
        terms = query_terms(query)
        hits = []
        with self._connect() as db:
            for row in db.execute(sql, [*args, max(1, min(limit, MAX_HITS))]).fetchall():
                pages = db.execute("SELECT page, raw, folded FROM pages WHERE passage = ? "
                                   "ORDER BY page", (row[0],)).fetchall()
                page, raw, folded = _best_page(pages, terms)
                hits.append(Hit(row[1], row[2], row[3], row[4], row[5], page,
                                snippet(raw, folded, terms), -row[6]))
        return hits


def _best_page(pages: Sequence[tuple[int | None, str, str]], terms: list[str]) -> tuple[
        int | None, str, str]:
    """The page holding most of the query's words (the first such page on a tie)."""
    return max(pages, key=lambda p: sum(1 for t in terms if t in p[2]), default=(None, "", ""))


def _record(row: Sequence[Any]) -> Record:
    return Record(id=row[0], title=row[1], organisation=row[2], year=row[3], status=row[4],
                  closed_at=row[6], archived_at=row[7], final_hash=row[8], zip_sha256=row[9],
                  details=json.loads(row[10]))
