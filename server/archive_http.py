"""The archive over HTTP (docs/api.md, "The archive"): the organiser lists archived meetings
(by year, body, status), searches them, archives a closed meeting, downloads and imports its
ZIP; a participant of an archived meeting reads its record, its files and searches it with
their own join link's token (read-only). Files open at a page: a search hit's ``url`` ends in
``#page=N``, which PDF viewers follow.

No Redis keys of its own: the archive lives in ``DATA_DIR/archive`` (server/archive_store.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from protocol.errors import ErrorCode
from server.api import BodyReader, runtime
from server.archive_export import NotClosed, archive_meeting, archive_of, export_zip
from server.archive_index import Hit, Record
from server.archive_zip import ArchiveRefused
from server.auth import TokenError, check_admin
from server.errors import ApiError
from server.file_stream import streamed
from server.http_auth import bearer, require_admin

MAX_IMPORT = 1024**3  # one meeting's ZIP: its documents, minutes and log
MEDIA = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
         "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
         "json": "application/json", "csv": "text/csv; charset=utf-8",
         "toml": "application/toml; charset=utf-8"}


def _url(hit: Hit) -> str | None:
    if not hit.file:
        return None
    page = f"#page={hit.page}" if hit.page else ""
    return f"/api/archive/meetings/{hit.meeting}/files/{quote(hit.file, safe='/')}{page}"


def _hits(hits: list[Hit]) -> list[dict[str, Any]]:
    return [{**h.to_dict(), "url": _url(h)} for h in hits]


def _summary(record: Record) -> dict[str, Any]:
    out = record.to_dict()
    out["signed"] = record.signed
    out["zip_url"] = f"/api/archive/meetings/{record.id}/export.zip"
    out["details"] = {k: v for k, v in record.details.items() if k != "participants"}
    return out


async def _record(request: Request) -> Record:
    """The archived meeting of the path, for the admin or one of its participants."""
    rt = runtime(request)
    meeting_id = request.path_params["meeting_id"]
    record = await anyio.to_thread.run_sync(archive_of(rt).index.get, meeting_id)
    token = bearer(request)
    if await check_admin(rt.redis, token):
        if record is None:
            raise ApiError(404, ErrorCode.NOT_FOUND, f"no archived meeting {meeting_id}")
        return record
    try:
        claims = rt.signer.verify(token, rt.clock.now_ms() // 1000, meeting_id)
    except TokenError as exc:
        status = 403 if exc.code == ErrorCode.WRONG_MEETING else 401
        raise ApiError(status, exc.code, exc.message) from None
    roster = record.details.get("participants", {}) if record else {}
    if roster.get(claims.participant_id) != claims.role.value:
        raise ApiError(403, ErrorCode.FORBIDDEN, "this participant is not on the roster")
    assert record is not None
    return record


async def list_archive(request: Request) -> JSONResponse:
    await require_admin(request)
    params = request.query_params
    year = params.get("year", "")
    if year and not year.isdigit():
        raise ApiError(422, ErrorCode.BAD_FIELD, "'year' is a year, e.g. 2026")
    index = archive_of(runtime(request)).index
    every = await anyio.to_thread.run_sync(index.meetings)
    shown = await anyio.to_thread.run_sync(
        index.meetings, int(year) if year else None, params.get("organisation") or None,
        params.get("status") or None)
    return JSONResponse({
        "meetings": [_summary(r) for r in shown],
        "years": sorted({r.year for r in every if r.year is not None}, reverse=True),
        "organisations": sorted({r.organisation for r in every if r.organisation}),
        "statuses": ["closed", "signed"],
    })


def _query(request: Request) -> tuple[str, int]:
    q = request.query_params.get("q", "").strip()
    if not q or len(q) > 500:
        raise ApiError(422, ErrorCode.BAD_FIELD, "'q' (1 to 500 characters) is required")
    limit = request.query_params.get("limit", "20")
    if not limit.isdigit():
        raise ApiError(422, ErrorCode.BAD_FIELD, "'limit' is a number")
    return q, int(limit)


async def search(request: Request) -> JSONResponse:
    await require_admin(request)
    q, limit = _query(request)
    index = archive_of(runtime(request)).index
    hits = await anyio.to_thread.run_sync(index.search, q, limit)
    return JSONResponse({"query": q, "hits": _hits(hits)})


async def search_meeting(request: Request) -> JSONResponse:
    record = await _record(request)
    q, limit = _query(request)
    index = archive_of(runtime(request)).index
    hits = await anyio.to_thread.run_sync(index.search, q, limit, record.id)
    return JSONResponse({"query": q, "hits": _hits(hits)})


async def get_record(request: Request) -> JSONResponse:
    return JSONResponse(_summary(await _record(request)))


async def archive_now(request: Request) -> JSONResponse:
    await require_admin(request)
    meeting_id = request.path_params["meeting_id"]
    try:
        record = await archive_meeting(runtime(request), meeting_id)
    except NotClosed:
        raise ApiError(409, ErrorCode.INVALID_STATE,
                       "only a closed meeting of this server is archived") from None
    return JSONResponse(_summary(record), status_code=201)


async def download_zip(request: Request) -> Response:
    record = await _record(request)
    chunks = await anyio.to_thread.run_sync(archive_of(runtime(request)).open_zip, record.id)
    if chunks is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"the ZIP of {record.id} is missing")
    return streamed(chunks, "application/zip", {
        "content-disposition": f'attachment; filename="luu-tru-{record.id}.zip"',
        "cache-control": "no-store"})


async def export_live(request: Request) -> Response:
    """A closed meeting's ZIP made now from its live state, without archiving it here."""
    await require_admin(request)
    meeting_id = request.path_params["meeting_id"]
    try:
        chunks = await export_zip(runtime(request), meeting_id)
    except NotClosed:
        raise ApiError(409, ErrorCode.INVALID_STATE, "only a closed meeting is exported") from None
    return streamed(chunks, "application/zip", {
        "content-disposition": f'attachment; filename="luu-tru-{meeting_id}.zip"',
        "cache-control": "no-store"})


async def read_file(request: Request) -> Response:
    record = await _record(request)
    params = request.path_params
    path = "/".join(p for p in (params.get("folder"), params["name"]) if p)
    archive = archive_of(runtime(request))
    try:
        chunks = await anyio.to_thread.run_sync(archive.open_file, record.id, path)
    except ArchiveRefused as exc:
        raise ApiError(500, ErrorCode.CORRUPT, str(exc)) from None
    if chunks is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"{record.id} has no file {path}")
    name = path.rsplit("/", 1)[-1]
    return streamed(chunks, MEDIA.get(name.rsplit(".", 1)[-1], "application/octet-stream"),
                    {"content-disposition": f'inline; filename="{name}"',
                     "cache-control": "no-store"})


async def import_zip(request: Request) -> JSONResponse:
    await require_admin(request)
    rt = runtime(request)
    body = BodyReader(request, MAX_IMPORT)
    try:
        record = await anyio.to_thread.run_sync(archive_of(rt).add, body, rt.clock.now_ms())
    except ArchiveRefused as exc:
        raise ApiError(422, ErrorCode.CORRUPT, f"archive refused: {exc}; nothing was "
                       "imported") from None
    return JSONResponse(_summary(record), status_code=201)


ROUTES = [
    Route("/api/archive/meetings", list_archive, methods=["GET"]),
    Route("/api/archive/search", search, methods=["GET"]),
    Route("/api/archive/import", import_zip, methods=["POST"]),
    Route("/api/archive/meetings/{meeting_id}", get_record, methods=["GET"]),
    Route("/api/archive/meetings/{meeting_id}", archive_now, methods=["POST"]),
    Route("/api/archive/meetings/{meeting_id}/search", search_meeting, methods=["GET"]),
    Route("/api/archive/meetings/{meeting_id}/export.zip", download_zip, methods=["GET"]),
    # Files sit at the top of the ZIP or one folder down (documents/, minutes/).
    Route("/api/archive/meetings/{meeting_id}/files/{name}", read_file, methods=["GET"]),
    Route("/api/archive/meetings/{meeting_id}/files/{folder}/{name}", read_file,
          methods=["GET"]),
    Route("/api/meetings/{meeting_id}/archive.zip", export_live, methods=["GET"]),
]
