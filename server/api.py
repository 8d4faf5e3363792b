"""The HTTP JSON API (documented in docs/api.md, served as OpenAPI at /openapi.json)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import anyio.from_thread
import anyio.to_thread
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from protocol.commands import validate_command
from protocol.errors import ErrorCode, ProtocolError
from protocol.pieces import json_pieces
from rooms.model import STAFF, Actor, Participant, Rejected, Role
from rooms.roster import RosterError
from server import log_export
from server.errors import ApiError
from server.http_auth import require_actor, require_admin
from server.interpreter import Outcome
from server.join_links import join_token, join_url
from server.roster_files import parse_roster_file
from server.runtime import Runtime

MAX_JSON_BODY = 1024 * 1024
MAX_ROSTER_BODY = 5 * 1024 * 1024

_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.INVALID_STATE: 409,
    ErrorCode.CONFLICT: 409,
    ErrorCode.DUPLICATE: 409,
    ErrorCode.INVALID: 422,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.UNKNOWN_KIND: 400,
    ErrorCode.INTERNAL: 500,
}


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


async def read_body(request: Request, limit: int) -> bytes:
    if _declared(request) > limit:
        raise ApiError(413, ErrorCode.TOO_LARGE, f"body larger than {limit} bytes")
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise ApiError(413, ErrorCode.TOO_LARGE, f"body larger than {limit} bytes")
    return bytes(data)


class BodyReader:
    """The request body as a file that a worker thread reads, each chunk as it arrives from
    the network: an upload goes straight where the reader writes it (an archive's private
    copy), never into memory or a file of its own first. Longer than ``limit``: ``413``,
    raised in the reader, which removes what it wrote."""

    def __init__(self, request: Request, limit: int) -> None:
        if _declared(request) > limit:
            raise ApiError(413, ErrorCode.TOO_LARGE, f"body larger than {limit} bytes")
        self._chunks = request.stream()
        self._limit, self._size = limit, 0

    async def _next(self) -> bytes:
        async for chunk in self._chunks:
            if chunk:
                return chunk
        return b""

    def read(self, size: int = -1, /) -> bytes:
        """The next chunk (of whatever size it came in); b"" at the end."""
        chunk = anyio.from_thread.run(self._next)
        self._size += len(chunk)
        if self._size > self._limit:
            raise ApiError(413, ErrorCode.TOO_LARGE, f"body larger than {self._limit} bytes")
        return chunk


def _declared(request: Request) -> int:
    length = request.headers.get("content-length")
    return int(length) if length is not None and length.isdigit() else 0


async def json_off_loop(build: Callable[[], Any], headers: Mapping[str, str] | None = None
                        ) -> Response:
    """The JSON response of what ``build`` makes, made and encoded in a worker thread: a
    congress's roster with its join links, or its attendance, held the event loop 100-230
    ms. Encoded in pieces (protocol/pieces.py), between which the thread lets the loop have
    the interpreter: one ``json.dumps`` of a MB keeps it ~15 ms. The bytes are those
    ``JSONResponse`` gives."""

    def render() -> bytes:
        return "".join(json_pieces(build())).encode("utf-8")

    return Response(await anyio.to_thread.run_sync(render), media_type="application/json",
                    headers=headers)


async def read_json(request: Request) -> dict[str, Any]:
    raw = await read_body(request, MAX_JSON_BODY)
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, RecursionError) as exc:
        # RecursionError: nesting deeper than the parser's stack ("[" * 100_000).
        raise ApiError(400, ErrorCode.MALFORMED, f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, ErrorCode.MALFORMED, "body must be a JSON object")
    return data


def outcome_response(outcome: Outcome, ok_status: int = 200) -> JSONResponse:
    if outcome.ok:
        return JSONResponse({"ok": True, "seq": outcome.seq, "result": outcome.result}, ok_status)
    assert outcome.code, "a rejected outcome always names its code"
    # details travel as one dict: a domain detail may well be called "status" or "code"
    raise ApiError(_STATUS.get(outcome.code, 400), outcome.code, outcome.message, outcome.details)


async def meeting_state(request: Request, meeting_id: str) -> Any:
    hub = await runtime(request).hubs.get(meeting_id)
    if hub is None or hub.state is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no meeting {meeting_id}")
    return hub


# ---- endpoints -----------------------------------------------------------------------------


async def create_meeting(request: Request) -> JSONResponse:
    actor = await require_admin(request)
    body = await read_json(request)
    unknown = set(body) - {
        "title",
        "title_en",
        "place",
        "organisation",
        "timezone",
        "starts",
        "ends",
        "quorum",
        "settings",
    }
    if unknown:
        raise ApiError(422, ErrorCode.BAD_FIELD, f"unknown field(s): {', '.join(sorted(unknown))}")
    if not isinstance(body.get("title"), str) or not body["title"].strip():
        raise ApiError(422, ErrorCode.BAD_FIELD, "'title' is required")
    try:
        meeting_id = await runtime(request).commands.create_meeting(body, actor)
    except Rejected as rej:
        raise ApiError(422, rej.code, rej.message) from None
    return JSONResponse({"id": meeting_id}, status_code=201)


async def list_meetings(request: Request) -> JSONResponse:
    await require_admin(request)
    rt = runtime(request)
    out = []
    for meeting_id in await rt.store.meeting_ids():
        hub = await rt.hubs.get(meeting_id)
        if hub is not None and hub.state is not None:
            out.append(_summary(hub))
    return JSONResponse({"meetings": out})


def _summary(hub: Any) -> dict[str, Any]:
    state = hub.state
    counts: dict[str, int] = {}
    for p in state.participants.values():
        counts[p.role.value] = counts.get(p.role.value, 0) + 1
    return {
        "id": state.id,
        **state.info.to_dict(),
        "status": state.status.value,
        "epoch": hub.epoch,
        "seq": hub.seq,
        "participants": counts,
    }


async def get_meeting(request: Request) -> JSONResponse:
    meeting_id = request.path_params["meeting_id"]
    await require_actor(request, meeting_id)
    hub = await meeting_state(request, meeting_id)
    return JSONResponse(_summary(hub))


async def _read_roster(request: Request) -> list[Participant]:
    """The roster file of the request (CSV or XLSX), or 422 naming every bad row."""
    data = await read_body(request, MAX_ROSTER_BODY)
    try:
        # Up to 5 MB of CSV or XLSX takes a while to parse: in a thread, not on the event
        # loop that every tablet's connection shares.
        return await run_in_threadpool(parse_roster_file, data)
    except RosterError as exc:
        raise ApiError(
            422,
            ErrorCode.INVALID_ROSTER,
            f"{len(exc.errors)} bad row(s); nothing was imported",
            rows=[
                {"row": e.row, "reason": e.reason.value, **e.params, "message": e.message}
                for e in exc.errors
            ],
        ) from None


async def import_roster(request: Request) -> JSONResponse:
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id, STAFF)
    await meeting_state(request, meeting_id)
    participants = await _read_roster(request)
    rows = [{**p.to_dict(), "code": p.id} for p in participants]
    outcome = await runtime(request).commands.execute(
        meeting_id, actor, "roster.import", {"participants": rows}
    )
    if not outcome.ok:
        return outcome_response(outcome)
    return JSONResponse({"imported": len(participants), "seq": outcome.seq})


async def preview_roster(request: Request) -> JSONResponse:
    """What importing the file would do, changing nothing: its rows as read, and how many of
    their codes are already in the roster (an import updates those)."""
    meeting_id = request.path_params["meeting_id"]
    await require_actor(request, meeting_id, STAFF)
    hub = await meeting_state(request, meeting_id)
    participants = await _read_roster(request)
    known = hub.state.participants
    return JSONResponse({
        "count": len(participants),
        "updates": sum(1 for p in participants if p.id in known),
        "participants": [p.to_dict() for p in participants],
    })


async def list_participants(request: Request) -> Response:
    """The roster. Join links are shown to the administrator (who hands them out first) and,
    to a chair or secretary, only their own and those of participants who neither vote nor
    run the meeting (observers, hall screens): a delegate's or a colleague's link is handed
    out by reissuing it (POST …/participants/{id}/reissue) or by printing the badge."""
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id, STAFF)
    hub = await meeting_state(request, meeting_id)
    rt, state = runtime(request), hub.state

    def roster() -> dict[str, Any]:
        out = []
        for p in state.participants.values():
            row = p.to_dict()
            if actor.is_admin or p.id == actor.participant_id or p.role in LINK_VISIBLE:
                row["join_url"] = join_url(rt, join_token(rt, state, p))
            out.append(row)
        return {"participants": out}

    return await json_off_loop(roster)


# Roles whose join link staff may read from the roster: they neither vote nor run it.
LINK_VISIBLE = frozenset({Role.OBSERVER, Role.SCREEN})


async def add_participant(request: Request) -> JSONResponse:
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id, STAFF)
    body = await read_json(request)
    return await _command(request, meeting_id, actor, "participant.add", body, 201)


async def post_command(request: Request) -> JSONResponse:
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id)
    body = await read_json(request)
    kind = body.get("kind")
    if not isinstance(kind, str):
        raise ApiError(422, ErrorCode.BAD_FIELD, "'kind' is required")
    command_id = body.get("id")
    if command_id is not None and (
        not isinstance(command_id, str) or not 0 < len(command_id) <= 64
    ):
        raise ApiError(422, ErrorCode.BAD_FIELD, "'id' must be a string of 1-64 characters")
    args = body.get("body", {})
    try:
        args = validate_command(kind, args if isinstance(args, dict) else {"": args})
    except ProtocolError as exc:
        status = 400 if exc.code == ErrorCode.UNKNOWN_KIND else 422
        raise ApiError(status, exc.code, exc.message) from None
    outcome = await runtime(request).commands.execute(meeting_id, actor, kind, args, command_id)
    return outcome_response(outcome)


async def _command(
    request: Request, meeting_id: str, actor: Actor, kind: str, body: dict[str, Any], ok: int
) -> JSONResponse:
    try:
        args = validate_command(kind, body)
    except ProtocolError as exc:
        raise ApiError(422, exc.code, exc.message) from None
    outcome = await runtime(request).commands.execute(meeting_id, actor, kind, args)
    return outcome_response(outcome, ok)


async def healthz(request: Request) -> JSONResponse:
    rt = runtime(request)
    try:
        started = time.perf_counter()
        await rt.redis.ping()
        latency = (time.perf_counter() - started) * 1000
    except Exception as exc:
        return JSONResponse(
            {"status": "unavailable", "redis": "down", "error": str(exc)[:200]}, status_code=503
        )
    return JSONResponse(
        {
            "status": "ok",
            "redis": "ok",
            "redis_latency_ms": round(latency, 2),
            "connections": int(rt.metrics.gauges["phonghop_connections"]),
            "version": "0.1.0",
        }
    )


async def metrics(request: Request) -> Response:
    return Response(runtime(request).metrics.render(), media_type="text/plain; version=0.0.4")


ROUTES = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
    Route("/api/meetings", create_meeting, methods=["POST"]),
    Route("/api/meetings", list_meetings, methods=["GET"]),
    Route("/api/meetings/{meeting_id}", get_meeting, methods=["GET"]),
    Route("/api/meetings/{meeting_id}/roster", import_roster, methods=["POST"]),
    Route("/api/meetings/{meeting_id}/roster/preview", preview_roster, methods=["POST"]),
    Route("/api/meetings/{meeting_id}/participants", list_participants, methods=["GET"]),
    Route("/api/meetings/{meeting_id}/participants", add_participant, methods=["POST"]),
    Route("/api/meetings/{meeting_id}/commands", post_command, methods=["POST"]),
    Route("/api/meetings/{meeting_id}/log.json", log_export.export_log, methods=["GET"]),
]
