"""The HTTP side of attendance, for staff: badge sheets and images, the attendance exports
(CSV, XLSX, JSON), the check-in desk's search and the quorum (now or at a past moment)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms.attendance import me, search
from rooms.attendance_state import attendance
from rooms.model import STAFF, Role
from rooms.quorum import Quorum, quorum
from rooms.quorum_history import quorum_at
from rooms.state import MeetingState
from server.api import json_off_loop, meeting_state, runtime
from server.attendance_exports import attendance_json, attendance_rows
from server.badge_tokens import badge_infos, badge_token
from server.errors import ApiError
from server.http_auth import require_actor
from server.log_export import entries_from_a_thread
from server.runtime import Runtime

Endpoint = Callable[[Request], Awaitable[Response]]


async def _staff_state(request: Request) -> tuple[Runtime, MeetingState]:
    meeting_id = request.path_params["meeting_id"]
    await require_actor(request, meeting_id, STAFF)
    hub = await meeting_state(request, meeting_id)
    return runtime(request), hub.state


def _no_store(content: bytes, media_type: str, filename: str | None = None) -> Response:
    headers = {"Cache-Control": "no-store"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(content, media_type=media_type, headers=headers)


async def badges_pdf_endpoint(request: Request) -> Response:
    rt, state = await _staff_state(request)
    from server.badges import badges_pdf

    wanted = request.query_params.get("participants")
    only = {p for p in wanted.split(",") if p} if wanted else None
    now_s = rt.clock.now_ms() // 1000

    def sheet() -> bytes:
        # A 5,000-badge sheet takes tens of seconds of CPU, and signing its tokens ~100 ms:
        # all of it off the event loop.
        infos = badge_infos(rt.signer, state, rt.settings.token_ttl, now_s, only)
        return badges_pdf(infos, state.info.title)

    pdf = await run_in_threadpool(sheet)
    return _no_store(pdf, "application/pdf", f"badges-{state.id}.pdf")


async def badge_image_endpoint(request: Request) -> Response:
    rt, state = await _staff_state(request)
    from server.badges import badge_card_png, badge_png, badge_svg

    pid = request.path_params["participant_id"]
    participant = state.participants.get(pid)
    if participant is None or participant.role == Role.SCREEN:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no participant {pid} with a badge")
    ttl, now_s = rt.settings.token_ttl, rt.clock.now_ms() // 1000
    token = badge_token(rt.signer, state, participant, ttl, now_s)
    if request.path_params["ext"] == "svg":
        return _no_store(badge_svg(token), "image/svg+xml")
    if request.path_params["ext"] != "png":
        raise ApiError(404, ErrorCode.NOT_FOUND, "badges are .png or .svg")
    if request.query_params.get("card") in ("1", "true"):
        info = badge_infos(rt.signer, state, ttl, now_s, {pid})[0]
        return _no_store(await run_in_threadpool(badge_card_png, info, state.info.title),
                         "image/png")
    return _no_store(badge_png(token), "image/png")


async def attendance_export(request: Request) -> Response:
    rt, state = await _staff_state(request)
    from server.exports.tables import attendance_csv, attendance_xlsx

    ext = request.path_params["ext"]
    lang = request.query_params.get("lang", "vi")
    name = f"attendance-{state.id}.{ext}"
    # A congress's rows take 100-230 ms to make and write: never on the event loop.
    if ext == "json":
        now = rt.clock.now_ms()
        return await json_off_loop(lambda: attendance_json(state, now))
    if ext == "csv":
        data = await run_in_threadpool(lambda: attendance_csv(attendance_rows(state), lang))
        return _no_store(data, "text/csv; charset=utf-8", name)
    if ext == "xlsx":
        data = await run_in_threadpool(lambda: attendance_xlsx(attendance_rows(state), lang))
        return _no_store(
            data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name
        )
    raise ApiError(404, ErrorCode.NOT_FOUND, "attendance is exported as .csv, .xlsx or .json")


async def search_endpoint(request: Request) -> JSONResponse:
    _rt, state = await _staff_state(request)
    query = request.query_params.get("q", "")[:200]
    try:
        limit = max(1, min(int(request.query_params.get("limit", "20")), 100))
    except ValueError:
        raise ApiError(422, ErrorCode.BAD_FIELD, "'limit' must be a number") from None

    def found() -> list[dict[str, Any]]:
        # In a worker thread: the first search of a roster folds every name (50 ms at 5,000
        # delegates); later ones use what it folded.
        att = attendance(state)
        results = []
        for p in search(state, query, limit):
            results.append({**p.to_dict(), "attendance": me(state, p.id)})
            grant = att.proxies.get(p.id)
            if grant is not None:
                results[-1]["attendance"]["proxy_to"] = grant.holder
        return results

    return JSONResponse({"query": query, "results": await run_in_threadpool(found)})


async def quorum_endpoint(request: Request) -> JSONResponse:
    meeting_id = request.path_params["meeting_id"]
    await require_actor(request, meeting_id, STAFF | {Role.SCREEN})
    hub = await meeting_state(request, meeting_id)
    at = request.query_params.get("at")
    rt = runtime(request)
    if at is None:
        return JSONResponse(quorum(hub.state, rt.clock.now_ms()).to_dict())
    try:
        moment = int(at)
    except ValueError:
        try:
            moment = int(datetime.fromisoformat(at).timestamp() * 1000)
        except ValueError:
            raise ApiError(422, ErrorCode.BAD_FIELD,
                           "'at' is ms since the epoch or ISO 8601") from None
    store = rt.store

    def fold_to_moment() -> Quorum:
        # The whole log, folded in a worker thread, read a page at a time.
        return quorum_at((e.event for e in entries_from_a_thread(store, meeting_id)), moment)

    try:
        q = await run_in_threadpool(fold_to_moment)
    except ValueError as exc:
        raise ApiError(404, ErrorCode.NOT_FOUND, str(exc)) from None
    return JSONResponse(q.to_dict())


def _with_ext(handler: Endpoint, ext: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        request.path_params["ext"] = ext
        return await handler(request)

    return endpoint


_M = "/api/meetings/{meeting_id}"
ROUTES = [
    Route(f"{_M}/badges.pdf", badges_pdf_endpoint, methods=["GET"]),
    *(Route(f"{_M}/participants/{{participant_id}}/badge.{ext}",
            _with_ext(badge_image_endpoint, ext), methods=["GET"]) for ext in ("png", "svg")),
    *(Route(f"{_M}/attendance.{ext}", _with_ext(attendance_export, ext), methods=["GET"])
      for ext in ("json", "csv", "xlsx")),
    Route(f"{_M}/attendance/search", search_endpoint, methods=["GET"]),
    Route(f"{_M}/quorum", quorum_endpoint, methods=["GET"]),
]
