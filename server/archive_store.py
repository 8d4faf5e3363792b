"""The archive on disk: ``DATA_DIR/archive/`` (0700) holds each archived meeting's ZIP,
``meetings/ID.zip`` (0600, the record itself), and ``index.sqlite3`` (0600, the search index
and the list, rebuilt from the ZIPs by ``rebuild``). Not in Redis: it outlives a meeting's
live state and a restart, and is backed up as files (docs/archive.md).

Synchronous: the server calls it in a worker thread; ``run.py archive`` calls it directly.
"""

from __future__ import annotations

import os
from pathlib import Path

from server.archive_index import ArchiveIndex, Record
from server.archive_record import read_record
from server.archive_zip import SAFE_ID, ArchiveRefused, open_member, unpacked
from server.file_stream import Chunks
from server.private_files import Readable, copy_private, private_dir

__all__ = ["Archive", "ArchiveRefused"]


class Archive:
    def __init__(self, data_dir: Path) -> None:
        self.root = private_dir(Path(data_dir).absolute() / "archive")
        self.zips = private_dir(self.root / "meetings")
        self.index = ArchiveIndex(self.root / "index.sqlite3")

    def zip_path(self, meeting_id: str) -> Path:
        if not SAFE_ID.match(meeting_id):
            raise KeyError(meeting_id)
        return self.zips / f"{meeting_id}.zip"

    def add(self, source: Readable, archived_at: int) -> Record:
        """Verify a meeting's ZIP read from ``source`` (``ArchiveRefused`` if it is not
        sound), keep it and index it. A meeting archived again replaces its earlier record.

        ``source`` is first copied into a private file of the archive, and that copy, which
        no one else can change, is what is checked, indexed and kept: a chunk or one file at
        a time, never the whole ZIP in memory."""
        incoming, sha256 = copy_private(source, self.zips)
        try:
            with unpacked(incoming) as archive:
                record, passages = read_record(archive, sha256, archived_at)
            incoming.replace(self.zip_path(record.id))
        except BaseException:
            incoming.unlink(missing_ok=True)
            raise
        self.index.put(record, passages)
        return record

    def open_zip(self, meeting_id: str) -> Chunks | None:
        """A meeting's kept ZIP, open to be sent in chunks (None if there is none)."""
        try:
            file = self.zip_path(meeting_id).open("rb")
        except (KeyError, FileNotFoundError):
            return None
        return Chunks(file, os.fstat(file.fileno()).st_size)

    def open_file(self, meeting_id: str, path: str) -> Chunks | None:
        """One file of an archived meeting, as its verified ZIP holds it, open to be sent."""
        try:
            source = self.zip_path(meeting_id)
        except KeyError:
            return None
        return open_member(source, path) if source.is_file() else None

    def rebuild(self) -> int:
        """Index every kept ZIP again (after restoring a backup without the index)."""
        count = 0
        for path in sorted(self.zips.glob("*.zip")):
            record = self.index.get(path.stem)
            with path.open("rb") as source:
                self.add(source, record.archived_at if record else 0)
            count += 1
        return count
