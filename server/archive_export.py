"""Archiving a closed meeting of this server: its ZIP made from Redis and the data directory
(server/archive_zip.py lists what it holds), added to the archive, and, when the retention
setting says so, the meeting's live state dropped from Redis afterwards.

The ZIP is written into a file, not memory: the log page by page as ``log.json`` streams it,
the minutes (folded from the log read again a page at a time), documents chunk by chunk, all
in a worker thread (a congress's minutes take seconds). The archive is written before
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
from rooms.minutes_model import Minutes, poll_result_rows
from rooms.state import MeetingState
from server.archive_index import Record
from server.archive_record import MINUTES, SIGNED_MINUTES, document_path
from server.archive_store import Archive
from server.archive_zip import ZipWriter
from server.definition_import import ARCHIVED
from server.documents import file_path
from server.exports import poll_results_csv, render_minutes
from server.file_stream import Chunks
from server.log_export import entries_from_a_thread, log_pages
from server.private_files import unnamed_file
from server.runtime import Runtime
from server.signing_http import signed_dir
from server.store import MEETINGS, k

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


async def _signed_minutes(rt: Runtime, meeting_id: str) -> Path | None:
    sha = await rt.redis.hget(k(meeting_id, "minutes:signed"), "sha256")
    if not sha:
        return None
    name = sha.decode() if isinstance(sha, bytes) else str(sha)
    path = signed_dir(rt, meeting_id) / f"{name}.pdf"
    return path if path.is_file() else None


def _documents(rt: Runtime, state: MeetingState) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for doc in documents_of(state).documents.values():
        for version in doc.versions:
            source = file_path(rt, version.sha256)
            if source.is_file():
                files[document_path(doc.id, version.n, version.filename)] = source
    return files


def _rendered(state: MeetingState, built: Minutes) -> dict[str, bytes]:
    return {
        "definition.toml": dumps_toml(definition_of(state)).encode("utf-8"),
        MINUTES: render_minutes(built, "pdf", "vi"),
        "results.csv": poll_results_csv(poll_result_rows(built.polls), "vi"),
    }


async def export_zip(rt: Runtime, meeting_id: str) -> Chunks:
    """The ZIP of a closed meeting (``NotClosed`` otherwise), written into an unnamed file of
    the archive's private directory (gone when closed) and open to be sent: the log goes in
    page by page as ``log.json`` streams it, documents chunk by chunk; the minutes are made
    in a worker thread."""
    hub = await rt.hubs.get(meeting_id)
    if hub is None or hub.state is None or hub.state.status != Status.CLOSED:
        raise NotClosed(meeting_id)
    state = hub.state
    meta = await rt.store.meta(meeting_id)
    until = int(meta.get("seq", "0"))
    signed = await _signed_minutes(rt, meeting_id)
    out = await anyio.to_thread.run_sync(unnamed_file, archive_of(rt).root)
    try:
        writer = ZipWriter(out, meeting_id, rt.clock.now_ms())
        member = await anyio.to_thread.run_sync(writer.member, "log.json")
        async for piece in log_pages(rt.store, meeting_id, meta["epoch"], until):
            await anyio.to_thread.run_sync(member.write, piece)
        await anyio.to_thread.run_sync(member.close)

        def build() -> int:
            built = build_minutes(entries_from_a_thread(rt.store, meeting_id, until), final=True,
                                  lang="vi")
            for path, data in _rendered(state, built).items():
                writer.add(path, data)
            for path, source in _documents(rt, state).items():
                writer.add_file(path, source)
            if signed is not None:
                writer.add_file(SIGNED_MINUTES, signed)
            writer.finish(built.log.final_hash)
            size = out.tell()
            out.seek(0)
            return size

        return Chunks(out, await anyio.to_thread.run_sync(build))
    except BaseException:
        out.close()
        raise


async def archive_meeting(rt: Runtime, meeting_id: str) -> Record:
    """Archive a closed meeting of this server (again: its record is replaced), then drop its
    live state if ``PHONGHOP_ARCHIVE_DROP_LIVE`` is on."""
    chunks = await export_zip(rt, meeting_id)
    try:
        now = rt.clock.now_ms()
        record = await anyio.to_thread.run_sync(archive_of(rt).add, chunks.file, now)
    finally:
        chunks.close()
    log.info("meeting %s archived (%d bytes, %s)", meeting_id, chunks.size, record.status)
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
