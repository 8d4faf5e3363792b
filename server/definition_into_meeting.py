"""A definition file imported into a meeting that exists and has not opened yet, from the
secretary's desk (the organiser page imports one as a new meeting: server/definition_import.py).

What it brings: the agenda (replacing the meeting's, as ``agenda.import`` does), its documents
as placeholder files, its prepared polls as drafts on their items, the quorum rule and the
settings. The meeting keeps its title, roster and what it already had of documents and polls:
a document or poll id the meeting already uses is given the next free one. All or nothing, as
far as the rules go: every step is first tried on the meeting's state in memory
(rooms/definition_meeting.py ``rehearse_on``), then carried out through the one pipeline.
"""

from __future__ import annotations

from dataclasses import replace

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms.agenda_items import walk
from rooms.definition import Definition, DefinitionError
from rooms.definition_meeting import (
    DocumentFile,
    DocumentSlot,
    Step,
    document_slots,
    errors_of,
    plan,
    rehearse_on,
)
from rooms.documents import documents_of
from rooms.lifecycle import Status
from rooms.model import STAFF, Actor, Rejected
from rooms.polls import polls_of
from rooms.state import MeetingState
from server.api import meeting_state, read_body, runtime
from server.definition_import import draw_placeholders, store_placeholders
from server.errors import ApiError
from server.http_auth import require_actor
from server.organiser_http import MAX_DEFINITION, invalid_definition, read_definition, wants_json
from server.runtime import Runtime


def _free_ids(wanted: list[str], taken: set[str], prefix: str) -> dict[str, str]:
    """Each wanted id, or the next ``prefix<n>`` neither taken nor wanted, when taken."""
    used = set(taken) | set(wanted)
    out: dict[str, str] = {}
    n = 1
    for old in wanted:
        if old not in taken:
            out[old] = old
            continue
        while f"{prefix}{n}" in used:
            n += 1
        out[old] = f"{prefix}{n}"
        used.add(out[old])
    return out


def _fitted(state: MeetingState, definition: Definition) -> tuple[Definition, list[DocumentSlot]]:
    """The definition's polls and document slots with ids the meeting does not use yet."""
    slots = document_slots(definition)
    doc_ids = _free_ids([s.id for s in slots], set(documents_of(state).documents), "d")
    poll_ids = _free_ids([p.id for p in definition.polls], set(polls_of(state).polls), "p")
    polls = tuple(replace(p, id=poll_ids[p.id]) for p in definition.polls)
    return replace(definition, polls=polls), [replace(s, id=doc_ids[s.id]) for s in slots]


def _settings_step(definition: Definition) -> Step:
    spec = definition.meeting
    body = {"quorum": spec.quorum, "settings": dict(spec.settings)}
    return Step("meeting.update", body, "meeting")


async def import_into(rt: Runtime, meeting_id: str, state: MeetingState, actor: Actor,
                      definition: Definition) -> dict[str, int]:
    """Carry the definition into the meeting; ``DefinitionError`` (nothing changed) when a
    rule refuses a step, ``ApiError`` 409 once the meeting has opened."""
    if state.status != Status.SCHEDULED:
        raise ApiError(409, ErrorCode.INVALID_STATE,
                       "the meeting has already started: a definition can be imported only "
                       "before it opens", {"status": state.status.value})
    fitted, slots = _fitted(state, definition)
    drawn = await anyio.to_thread.run_sync(draw_placeholders, fitted, slots)
    files = [(slot, DocumentFile(p.sha256, len(p.data), 1, p.filename)) for slot, p in drawn]
    steps = [_settings_step(fitted), *plan(fitted, files)]
    try:
        rehearse_on(state, actor, steps, rt.commands.context(meeting_id, rt.clock.now_ms()))
    except Rejected as rej:
        raise DefinitionError(errors_of(rej)) from None
    await anyio.to_thread.run_sync(store_placeholders, rt, [p for _, p in drawn])
    for step in steps:
        outcome = await rt.commands.execute(meeting_id, actor, step.kind, step.body)
        if not outcome.ok:
            # The meeting changed between the rehearsal and this step (another desk, the
            # chair opening it): the steps before stay, and the message says where it stopped.
            raise ApiError(409, outcome.code or ErrorCode.CONFLICT,
                           f"{step.where}: {outcome.message}; the steps before it were made",
                           field=step.where)
    return {"agenda_items": len(walk(fitted.agenda)), "documents": len(slots),
            "polls": len(fitted.polls)}


async def import_definition_into(request: Request) -> JSONResponse:
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id, STAFF)
    hub = await meeting_state(request, meeting_id)
    raw = await read_body(request, MAX_DEFINITION)
    definition = read_definition(raw, wants_json(request, request.headers.get(
        "content-type", "")))
    try:
        counts = await import_into(runtime(request), meeting_id, hub.state, actor, definition)
    except DefinitionError as exc:
        raise invalid_definition(exc) from None
    return JSONResponse(counts)


ROUTES = [
    Route("/api/meetings/{meeting_id}/definition", import_definition_into, methods=["POST"]),
]
