"""Archiving a closed meeting of this server: its ZIP made from Redis and the data directory
(server/archive_zip.py lists what it holds), added to the archive, and, when the retention
setting says so, the meeting's live state dropped from Redis afterwards.

The log is read from Redis on the event loop; the minutes, the PDF text and the index are
made in a worker thread (a congress's minutes take seconds). The archive is written before
anything is dropped, and only a record that was written lets the drop go ahead.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import anyio.to_thread

from rooms.definition import dumps_toml
from rooms.definition_meeting import definition_of
from rooms.documents import documents_of
from rooms.lifecycle import Status
from rooms.minutes_builder import build_minutes
from rooms.minutes_model import poll_result_rows
from rooms.state import MeetingState
from server.archive_index import Record
from server.archive_record import MINUTES, SIGNED_MINUTES, document_path
from server.archive_store import Archive
from server.archive_zip import pack
from server.definition_import import ARCHIVED
from server.documents import file_path
from server.exports import poll_results_csv, render_minutes
from server.log_export import log_pages
from server.runtime import Runtime
from server.signing_http import signed_dir
from server.store import MEETINGS, LogEntry, k

__all__ = ["NotClosed", "archive_of", "archive_meeting", "drop_live_state"]

log = logging.getLogger("phonghop.archive")


class NotClosed(Exception):
    """Only a closed meeting is archived: its log and minutes are final."""


def archive_of(rt: Runtime) -> Archive:
    return _archive_at(Path(rt.settings.data_dir).absolute())


@functools.cache
def _archive_at(data_dir: Path) -> Archive:
    # One per data directory: opening it makes directories and the schema, not per request.
    return Archive(data_dir)


async def _signed_minutes(rt: Runtime, meeting_id: str) -> bytes | None:
    sha = await rt.redis.hget(k(meeting_id, "minutes:signed"), "sha256")
    if not sha:
        return None
    name = sha.decode() if isinstance(sha, bytes) else str(sha)
    path = signed_dir(rt, meeting_id) / f"{name}.pdf"
    return path.read_bytes() if path.is_file() else None


def _document_files(rt: Runtime, state: MeetingState) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for doc in documents_of(state).documents.values():
        for version in doc.versions:
            source = file_path(rt, version.sha256)
            if source.is_file():
                files[document_path(doc.id, version.n, version.filename)] = source.read_bytes()
    return files


def _rendered(state: MeetingState, entries: list[LogEntry]) -> dict[str, bytes]:
    built = build_minutes(entries, final=True, lang="vi")
    return {
        "definition.toml": dumps_toml(definition_of(state)).encode("utf-8"),
        MINUTES: render_minutes(built, "pdf", "vi"),
        "results.csv": poll_results_csv(poll_result_rows(built.polls), "vi"),
    }


async def export_zip(rt: Runtime, meeting_id: str) -> bytes:
    """The ZIP of a closed meeting (``NotClosed`` otherwise), made off the event loop."""
    hub = await rt.hubs.get(meeting_id)
    if hub is None or hub.state is None or hub.state.status != Status.CLOSED:
        raise NotClosed(meeting_id)
    state = hub.state
    meta = await rt.store.meta(meeting_id)
    until = int(meta.get("seq", "0"))
    entries = await rt.store.read_log(meeting_id, until=until)
    log_json = b"".join([part async for part in log_pages(rt.store, meeting_id,
                                                          meta["epoch"], until)])
    signed = await _signed_minutes(rt, meeting_id)

    def build() -> bytes:
        files = {"log.json": log_json, **_rendered(state, entries),
                 **_document_files(rt, state)}
        if signed is not None:
            files[SIGNED_MINUTES] = signed
        return pack(meeting_id, files, entries[-1].hash, rt.clock.now_ms())

    return await anyio.to_thread.run_sync(build)


async def archive_meeting(rt: Runtime, meeting_id: str) -> Record:
    """Archive a closed meeting of this server (again: its record is replaced), then drop its
    live state if ``PHONGHOP_ARCHIVE_DROP_LIVE`` is on."""
    data = await export_zip(rt, meeting_id)
    now = rt.clock.now_ms()
    record = await anyio.to_thread.run_sync(archive_of(rt).add, data, now)
    log.info("meeting %s archived (%d bytes, %s)", meeting_id, len(data), record.status)
    if rt.settings.archive_drop_live:
        await drop_live_state(rt, meeting_id)
    return record


async def drop_live_state(rt: Runtime, meeting_id: str) -> int:
    """Delete every Redis key of the meeting and its entries in the meeting lists; the
    archive is its record from now on. The number of keys deleted."""
    keys: list[Any] = [key async for key in rt.redis.scan_iter(
        match=f"ph:{{{meeting_id}}}:*", count=1000)]
    for start in range(0, len(keys), 500):
        await rt.redis.unlink(*keys[start:start + 500])
    await rt.redis.zrem(MEETINGS, meeting_id)
    await rt.redis.zrem(ARCHIVED, meeting_id)
    log.info("meeting %s: live state dropped from Redis (%d keys)", meeting_id, len(keys))
    return len(keys)
