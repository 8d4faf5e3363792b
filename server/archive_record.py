"""What the archive knows of a meeting, read from its verified ZIP: the list entry (title,
body, year, status, agenda, documents, polls, participants) and the passages to index.

Everything comes from the log (folded with the same code as the minutes) and the files: the
archive never trusts a summary it did not derive, so an imported ZIP yields the same record
as the server that exported it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rooms.agenda import agenda_of, walk
from rooms.documents import documents_of
from rooms.feedback import feedback_of
from rooms.minutes_log import entries_from_export, fold_log
from rooms.polls import PollStatus, polls_of
from rooms.state import MeetingState
from server.archive_index import Passage, Record
from server.archive_text import pdf_pages
from server.archive_zip import Unpacked

__all__ = ["MINUTES", "SIGNED_MINUTES", "document_path", "read_record"]

MINUTES = "minutes/bien-ban.pdf"
SIGNED_MINUTES = "minutes/bien-ban-da-ky.pdf"
_DOCUMENT = re.compile(r"^documents/([A-Za-z0-9_-]+)-v(\d+)\.[a-z]+$")


def document_path(document_id: str, version: int, filename: str) -> str:
    ext = (filename.rsplit(".", 1)[-1] if "." in filename else "bin").lower()
    return f"documents/{document_id}-v{version}.{re.sub(r'[^a-z0-9]', '', ext) or 'bin'}"


def _year(state: MeetingState, closed_at: int | None) -> int | None:
    if state.info.starts[:4].isdigit():
        return int(state.info.starts[:4])
    if closed_at is not None:
        return datetime.fromtimestamp(closed_at / 1000, UTC).year
    return None


def _documents(state: MeetingState, files: Mapping[str, bytes]) -> tuple[list[dict[str, Any]],
                                                                       list[Passage]]:
    docs = documents_of(state).documents
    listed: list[dict[str, Any]] = []
    passages: list[Passage] = []
    for path in sorted(files):
        match = _DOCUMENT.match(path)
        doc = docs.get(match.group(1)) if match else None
        version = doc.version(int(match.group(2))) if doc and match else None
        if doc is None or version is None:
            continue
        listed.append({"id": doc.id, "title": doc.title, "version": version.n, "file": path,
                       "pages": version.pages, "released": version.released})
        passages.append(Passage("document", doc.title, version.filename, path, 1))
        if version.mime == "application/pdf":
            for number, text in enumerate(pdf_pages(files[path]), 1):
                if text.strip():
                    passages.append(Passage("document", doc.title, text, path, number))
    return listed, passages


def _feedback(state: MeetingState, listed: list[dict[str, Any]]) -> list[Passage]:
    files = {(d["id"], d["version"]): d["file"] for d in listed}
    latest = {d["id"]: d["file"] for d in listed}
    out = []
    for entry in feedback_of(state).entries.values():
        file = ""
        if entry.document is not None:
            file = files.get((entry.document, entry.version or 0), latest.get(entry.document, ""))
        out.append(Passage("feedback", entry.text[:80], entry.text + (
            "\n" + entry.answer if entry.answer else ""), file, entry.page if file else None))
    return out


def _minutes(files: Mapping[str, bytes]) -> list[Passage]:
    path = SIGNED_MINUTES if SIGNED_MINUTES in files else MINUTES
    if path not in files:
        return []
    return [Passage("minutes", "Biên bản / Minutes", text, path, number)
            for number, text in enumerate(pdf_pages(files[path]), 1) if text.strip()]


def read_record(unpacked: Unpacked, zip_sha256: str, archived_at: int) -> tuple[
        Record, list[Passage]]:
    """The meeting's list entry and its passages (PDF text extraction: run off the loop)."""
    run = fold_log(entries_from_export(unpacked.log))
    state = run.state
    info = state.info
    items = walk(agenda_of(state).items)
    documents, passages = _documents(state, unpacked.files)
    polls = [{"id": p.id, "title": p.definition.title, "status": p.status.value,
              "result": (p.closing or {}).get("result")}
             for p in polls_of(state).polls.values() if p.status != PollStatus.CANCELLED]
    details = {
        "title_en": info.title_en, "place": info.place, "starts": info.starts,
        "ends": info.ends, "meeting_status": state.status.value,
        "agenda": [{"id": i.id, "title": i.title} for i in items],
        "documents": documents, "polls": polls, "files": sorted(unpacked.files),
        "participants": {p.id: p.role.value for p in state.participants.values()},
        "events": run.event_count,
    }
    record = Record(
        id=unpacked.meeting, title=info.title, organisation=info.organisation,
        year=_year(state, run.closed_at),
        status="signed" if SIGNED_MINUTES in unpacked.files else "closed",
        closed_at=run.closed_at, archived_at=archived_at, final_hash=run.final_hash,
        zip_sha256=zip_sha256, details=details)
    meeting_text = " ".join(x for x in (info.title, info.title_en, info.organisation,
                                        info.place) if x)
    passages[:0] = [Passage("meeting", info.title, meeting_text)]
    passages += [Passage("agenda", i.title, i.title) for i in items]
    passages += [Passage("poll", str(p["title"]), str(p["title"])) for p in polls]
    passages += _feedback(state, documents) + _minutes(unpacked.files)
    return record, passages
