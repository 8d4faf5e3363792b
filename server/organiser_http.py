"""The organiser's HTTP routes (docs/api.md, "The organiser"): the /admin page, the meetings
with their counts, a meeting made from a definition file and its definition exported, archiving
a closed meeting, and a link to a meeting's secretary desk. Admin only, except the export,
which the meeting's staff may also fetch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms.agenda import agenda_of, walk
from rooms.definition import (
    Definition,
    DefinitionError,
    dumps_json,
    dumps_toml,
    loads_json,
    loads_toml,
)
from rooms.definition_meeting import definition_of
from rooms.documents import documents_of
from rooms.lifecycle import Status
from rooms.model import STAFF, VOTING_ROLES, Role
from rooms.polls import PollStatus, polls_of
from server.api import meeting_state, read_body, runtime
from server.archive_export import archive_meeting
from server.definition_import import (
    ImportFailed,
    archive,
    archived_ids,
    import_definition,
)
from server.errors import ApiError
from server.http_auth import require_actor, require_admin

ADMIN_PAGE = Path(__file__).resolve().parent.parent / "clients" / "web" / "admin.html"
MAX_DEFINITION = 1024 * 1024
# The desk account the organiser page adds when a meeting has no secretary yet.
DESK_ID = "THUKY"


async def admin_page(_request: Request) -> Response:
    # The page holds the admin token; no cache may keep it, no frame may show it.
    return FileResponse(ADMIN_PAGE, headers={
        "Cache-Control": "no-store", "X-Frame-Options": "DENY",
        "Content-Security-Policy": "frame-ancestors 'none'", "Referrer-Policy": "no-referrer",
    })


def _summary(hub: Any, archived: bool) -> dict[str, Any]:
    state = hub.state
    roles: dict[str, int] = {}
    for p in state.participants.values():
        roles[p.role.value] = roles.get(p.role.value, 0) + 1
    polls = polls_of(state).polls.values()
    return {
        "id": state.id, **state.info.to_dict(), "status": state.status.value,
        "archived": archived, "created_at": state.created_at, "participants": roles,
        "delegates": sum(1 for p in state.participants.values() if p.role in VOTING_ROLES),
        "agenda_items": len(walk(agenda_of(state).items)),
        "documents": len(documents_of(state).documents),
        "polls": sum(1 for p in polls if p.status != PollStatus.CANCELLED),
        "prepared_polls": sum(1 for p in polls if p.status == PollStatus.DRAFT),
    }


async def list_meetings(request: Request) -> JSONResponse:
    await require_admin(request)
    rt = runtime(request)
    archived = await archived_ids(rt)
    out = []
    for meeting_id in await rt.store.meeting_ids():
        hub = await rt.hubs.get(meeting_id)
        if hub is not None and hub.state is not None:
            out.append(_summary(hub, meeting_id in archived))
    out.sort(key=lambda m: m["created_at"], reverse=True)
    return JSONResponse({"meetings": out})


def wants_json(request: Request, content_type: str) -> bool:
    fmt = request.query_params.get("format", "").lower()
    if fmt:
        if fmt not in ("toml", "json"):
            raise ApiError(422, ErrorCode.BAD_FIELD, "'format' is toml or json")
        return fmt == "json"
    return "json" in content_type.lower() and "toml" not in content_type.lower()


def read_definition(raw: bytes, as_json: bool) -> Definition:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, ErrorCode.INVALID_DEFINITION, "the file is not UTF-8 text") from None
    try:
        return loads_json(text) if as_json else loads_toml(text)
    except DefinitionError as exc:
        raise invalid_definition(exc) from None


def invalid_definition(exc: DefinitionError) -> ApiError:
    return ApiError(422, ErrorCode.INVALID_DEFINITION,
                    f"{len(exc.errors)} field(s) are wrong; nothing was created",
                    errors=[e.to_dict() for e in exc.errors])


async def import_meeting(request: Request) -> JSONResponse:
    await require_admin(request)
    raw = await read_body(request, MAX_DEFINITION)
    definition = read_definition(raw, wants_json(request, request.headers.get(
        "content-type", "")))
    try:
        meeting_id = await import_definition(runtime(request), definition)
    except DefinitionError as exc:
        raise invalid_definition(exc) from None
    except ImportFailed as exc:
        raise ApiError(503, ErrorCode.UNAVAILABLE,
                       f"{exc.message}; the meeting {exc.meeting_id} was "
                       "closed and archived", meeting=exc.meeting_id) from None
    hub = await meeting_state(request, meeting_id)
    return JSONResponse(_summary(hub, False), status_code=201)


async def export_definition(request: Request) -> Response:
    meeting_id = request.path_params["meeting_id"]
    await require_actor(request, meeting_id, STAFF)
    hub = await meeting_state(request, meeting_id)
    definition = definition_of(hub.state)
    as_json = wants_json(request, request.headers.get("accept", ""))
    name = f"{meeting_id}.{'json' if as_json else 'toml'}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"',
               "Cache-Control": "no-store"}
    if as_json:
        return Response(dumps_json(definition), media_type="application/json", headers=headers)
    return Response(dumps_toml(definition), media_type="application/toml; charset=utf-8",
                    headers=headers)


async def set_archived(request: Request) -> JSONResponse:
    await require_admin(request)
    meeting_id = request.path_params["meeting_id"]
    hub = await meeting_state(request, meeting_id)
    try:
        body = json.loads(await read_body(request, 1024) or b"{}")
    except ValueError:
        raise ApiError(400, ErrorCode.MALFORMED, "body is not JSON") from None
    wanted = body.get("archived", True) if isinstance(body, dict) else None
    if not isinstance(wanted, bool):
        raise ApiError(422, ErrorCode.BAD_FIELD, "'archived' is true or false")
    if wanted and hub.state.status != Status.CLOSED:
        raise ApiError(409, ErrorCode.INVALID_STATE,
                       "only a closed meeting can be archived; close it "
                       "first", {"status": hub.state.status.value})
    await archive(runtime(request), meeting_id, wanted)
    if wanted:
        # The record in DATA_DIR/archive (server/archive_export.py); with retention on, this
        # also drops the meeting's live state from Redis.
        await archive_meeting(runtime(request), meeting_id)
    return JSONResponse({"id": meeting_id, "archived": wanted})


async def secretary_link(request: Request) -> JSONResponse:
    """A join link for the meeting's first secretary; a meeting without one gets a desk
    account (``THUKY``, role secretary), added through the pipeline like any participant."""
    actor = await require_admin(request)
    meeting_id = request.path_params["meeting_id"]
    hub = await meeting_state(request, meeting_id)
    rt = runtime(request)
    desk = next((p for p in hub.state.participants.values() if p.role == Role.SECRETARY), None)
    if desk is None:
        outcome = await rt.commands.execute(meeting_id, actor, "participant.add", {
            "id": DESK_ID, "full_name": "Thư ký hội nghị", "role": Role.SECRETARY.value})
        if not outcome.ok:
            raise ApiError(409, outcome.code or ErrorCode.CONFLICT, outcome.message,
                           outcome.details)
        desk = hub.state.participants[DESK_ID]
    expires = (rt.clock.now_ms() // 1000 + rt.settings.token_ttl) // 86400 * 86400
    token = rt.signer.issue(meeting_id, desk.id, desk.role, expires)
    return JSONResponse({"participant": desk.to_dict(),
                         "join_url": f"{rt.settings.base_url}/j/{token}"})


ROUTES = [
    Route("/admin", admin_page, methods=["GET"]),
    Route("/api/admin/meetings", list_meetings, methods=["GET"]),
    Route("/api/meetings/import", import_meeting, methods=["POST"]),
    Route("/api/meetings/{meeting_id}/definition", export_definition, methods=["GET"]),
    Route("/api/meetings/{meeting_id}/archive", set_archived, methods=["POST"]),
    Route("/api/meetings/{meeting_id}/secretary-link", secretary_link, methods=["POST"]),
]
