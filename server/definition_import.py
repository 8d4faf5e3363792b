"""Making a meeting from a definition (rooms/definition.py), all or nothing: the placeholder
documents are drawn, every command is tried on a meeting in memory (rooms/definition_meeting.py
``rehearse``), and only then carried out, each through the one pipeline
(``rt.commands.execute``). A step the store still refuses (Redis gone mid-way) leaves a closed,
archived meeting, never a half-made live one.

Also the archive: ``ph:archived``, a sorted set of meeting ids by the time they were archived
(closed meetings the organiser put away: listed apart, still readable and exportable).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import anyio.to_thread

from rooms.agenda_items import walk
from rooms.definition import Definition, DefinitionError, MeetingSpec
from rooms.definition_meeting import (
    DocumentFile,
    DocumentSlot,
    document_slots,
    errors_of,
    plan,
    rehearse,
)
from rooms.model import Actor, Rejected
from server.documents import file_path
from server.placeholder_pdf import Placeholder, placeholder
from server.runtime import Runtime

ARCHIVED = "ph:archived"


class ImportFailed(Exception):
    """The store refused a step the rehearsal accepted; the meeting was closed and archived."""

    def __init__(self, meeting_id: str, message: str) -> None:
        super().__init__(message)
        self.meeting_id = meeting_id
        self.message = message


async def import_definition(rt: Runtime, definition: Definition) -> str:
    """The new meeting's id; ``DefinitionError`` (nothing made) when a rule refuses a step."""
    slots = document_slots(definition)
    drawn = await anyio.to_thread.run_sync(draw_placeholders, definition, slots)
    files = [(slot, DocumentFile(p.sha256, len(p.data), 1, p.filename)) for slot, p in drawn]
    steps = plan(definition, files)
    admin = Actor.admin()
    try:
        rehearse("mrehearsal", definition.meeting, steps,
                 rt.commands.context("mrehearsal", rt.clock.now_ms()))
    except Rejected as rej:
        raise DefinitionError(errors_of(rej)) from None
    await anyio.to_thread.run_sync(store_placeholders, rt, [p for _, p in drawn])
    meeting_id = await rt.commands.create_meeting(definition.meeting.create_body(), admin)
    for step in steps:
        outcome = await rt.commands.execute(meeting_id, admin, step.kind, step.body)
        if not outcome.ok:
            await _abandon(rt, meeting_id)
            raise ImportFailed(meeting_id, f"{step.where}: {outcome.message}")
    return meeting_id


def draw_placeholders(definition: Definition, slots: list[DocumentSlot]
          ) -> list[tuple[DocumentSlot, Placeholder]]:
    titles = {i.id: i.title for i in walk(definition.agenda)}
    meeting = _heading(definition.meeting)
    return [(s, placeholder(s.title, meeting, titles.get(s.item or "", ""))) for s in slots]


def _heading(meeting: MeetingSpec) -> str:
    return f"{meeting.organisation} — {meeting.title}" if meeting.organisation else meeting.title


def store_placeholders(rt: Runtime, placeholders: list[Placeholder]) -> None:
    """Each file at its content address (server/documents.py), written whole or not at all."""
    for p in placeholders:
        final = file_path(rt, p.sha256)
        if final.exists():
            continue
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(f"{final}.{secrets.token_hex(4)}.tmp")
        try:
            tmp.write_bytes(p.data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


async def _abandon(rt: Runtime, meeting_id: str) -> None:
    with contextlib.suppress(Exception):
        await rt.commands.execute(meeting_id, Actor.admin(), "meeting.close", {})
        await archive(rt, meeting_id, True)


async def archive(rt: Runtime, meeting_id: str, archived: bool) -> None:
    if archived:
        await rt.redis.zadd(ARCHIVED, {meeting_id: rt.clock.now_ms()})
    else:
        await rt.redis.zrem(ARCHIVED, meeting_id)


async def archived_ids(rt: Runtime) -> set[str]:
    return {m.decode() if isinstance(m, bytes) else str(m)
            for m in await rt.redis.zrange(ARCHIVED, 0, -1)}
