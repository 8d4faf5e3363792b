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
    title, body, meeting UNINDEXED, kind UNINDEXED, file UNINDEXED, page UNINDEXED,
    label UNINDEXED, raw UNINDEXED, tokenize = 'unicode61 remove_diacritics 2'
);
"""
# bm25 weights of the two indexed columns: a word in a title counts five times one in text.
_RANK = "bm25(passages, 5.0, 1.0)"
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

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def put(self, record: Record, passages: Sequence[Passage]) -> None:
        """Add or replace a meeting and all its passages, in one transaction."""
        with self._connect() as db:
            db.execute("DELETE FROM passages WHERE meeting = ?", (record.id,))
            db.execute("INSERT OR REPLACE INTO meetings VALUES (?,?,?,?,?,?,?,?,?,?,?)", (
                record.id, record.title, record.organisation, record.year, record.status,
                int(record.signed), record.closed_at, record.archived_at, record.final_hash,
                record.zip_sha256, json.dumps(record.details, ensure_ascii=False)))
            db.executemany("INSERT INTO passages VALUES (?,?,?,?,?,?,?,?)", [
                (search_form(p.label), search_form(p.text), record.id, p.kind, p.file,
                 p.page, p.label, p.text) for p in passages])

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
        first; ``meeting`` limits them to one meeting."""
        match = fts_query(query)
        if match is None:
            return []
        sql = (f"SELECT p.meeting, m.title, p.kind, p.label, p.file, p.page, p.raw, {_RANK} "
               "FROM passages p JOIN meetings m ON m.id = p.meeting WHERE passages MATCH ?")
        args: list[Any] = [match]
        if meeting is not None:
            sql += " AND p.meeting = ?"
            args.append(meeting)
        args.append(max(1, min(limit, MAX_HITS)))
        with self._connect() as db:
            rows = db.execute(sql + f" ORDER BY {_RANK} LIMIT ?", args).fetchall()
        terms = query_terms(query)
        return [Hit(r[0], r[1], r[2], r[3], r[4], r[5], snippet(r[6], terms=terms), -r[7])
                for r in rows]


def _record(row: Sequence[Any]) -> Record:
    return Record(id=row[0], title=row[1], organisation=row[2], year=row[3], status=row[4],
                  closed_at=row[6], archived_at=row[7], final_hash=row[8], zip_sha256=row[9],
                  details=json.loads(row[10]))
