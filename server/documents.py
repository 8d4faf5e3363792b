"""Document files: upload (PDF and images, checked before anything is kept), content-addressed
storage on disk, downloads with ETag, Range and cache headers, and the offline manifest.

Files live under ``settings.data_dir / "documents" / sha[:2] / sha``: identical uploads share
one file, and a version's bytes can never change under its URL, so a version URL is cached
forever and the "current" URL is revalidated by its ETag (the sha256). Metadata is not here:
the upload route sends the internal ``document.add`` command and the meeting log holds it
(rooms/documents.py). Every server process serving a meeting must see the same documents
directory (one machine, or a shared volume).

No Redis keys of its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms.documents import Document, Version, documents_of, visible_to
from rooms.lifecycle import Status
from rooms.model import STAFF, Actor, Role
from server.api import meeting_state, outcome_response, runtime
from server.errors import ApiError
from server.http_auth import require_actor
from server.runtime import Runtime

MAX_DOCUMENT_BYTES = 100 * 1024 * 1024

# extension -> (mime, magic check)
_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def sniff(head: bytes) -> str | None:
    """The type the bytes say they are, from their magic number (None if none we take)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


class BadFile(Exception):
    def __init__(self, status: int, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def count_pages(path: Path, mime: str) -> int:
    """Open the file as what it claims to be; a file that does not open is corrupt."""
    if mime == "application/pdf":
        import pypdf

        try:
            reader = pypdf.PdfReader(path, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise BadFile(422, ErrorCode.ENCRYPTED, "the PDF is password-protected")
            pages = len(reader.pages)
        except BadFile:
            raise
        except Exception as exc:  # pypdf raises many types for broken files
            raise BadFile(422, ErrorCode.CORRUPT,
                          f"the PDF cannot be read ({type(exc).__name__})") from None
        if pages < 1:
            raise BadFile(422, ErrorCode.CORRUPT, "the PDF has no pages")
        return pages
    from PIL import Image

    try:
        with warnings.catch_warnings():
            # A decompression bomb is an error, never a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.verify()
            with Image.open(path) as img:
                img.load()
    except Exception as exc:
        raise BadFile(422, ErrorCode.CORRUPT,
                      f"the image cannot be read ({type(exc).__name__})") from None
    return 1


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    mime: str
    pages: int
    created: bool  # False when an identical file was already stored


def documents_dir(rt: Runtime) -> Path:
    return Path(rt.settings.data_dir) / "documents"


def file_path(rt: Runtime, sha256: str) -> Path:
    return documents_dir(rt) / sha256[:2] / sha256


def max_bytes(rt: Runtime) -> int:
    return int(rt.settings.extra.get("max_document_bytes", MAX_DOCUMENT_BYTES))


async def store_upload(rt: Runtime, request: Request, filename: str) -> Stored:
    """Stream the body to a temporary file while hashing it, check it, then move it to its
    content address. Whatever fails, the temporary file is removed: nothing is kept."""
    ext = os.path.splitext(filename)[1].lower()
    expected = _TYPES.get(ext)
    if expected is None:
        raise BadFile(415, ErrorCode.UNSUPPORTED_TYPE,
                      f"only {', '.join(sorted(_TYPES))} files are accepted")
    limit = max_bytes(rt)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise BadFile(413, ErrorCode.TOO_LARGE, f"the file is larger than {limit} bytes")
    tmp_dir = documents_dir(rt) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / secrets.token_hex(8)
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        async with await anyio.open_file(tmp, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise BadFile(413, ErrorCode.TOO_LARGE,
                                  f"the file is larger than {limit} bytes")
                if len(head) < 16:
                    head += chunk[:16]
                digest.update(chunk)
                await out.write(chunk)
        if size == 0:
            raise BadFile(422, ErrorCode.EMPTY, "the file is empty")
        found = sniff(head)
        if found != expected:
            what = found or "not a PDF or image"
            raise BadFile(422, ErrorCode.TYPE_MISMATCH,
                          f"{filename!r} is named as {expected} but its content is {what}")
        pages = await anyio.to_thread.run_sync(count_pages, tmp, expected)
        sha = digest.hexdigest()
        final = file_path(rt, sha)
        final.parent.mkdir(parents=True, exist_ok=True)
        created = not final.exists()
        if created:
            os.chmod(tmp, 0o644)
            os.replace(tmp, final)
        return Stored(sha, size, expected, pages, created)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


async def _upload(request: Request, document_id: str | None) -> JSONResponse:
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id, STAFF)
    hub = await meeting_state(request, meeting_id)
    rt = runtime(request)
    params = request.query_params
    if document_id is not None and document_id not in documents_of(hub.state).documents:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no document {document_id}")
    if hub.state.status == Status.CLOSED:
        raise ApiError(409, ErrorCode.INVALID_STATE, "the meeting is closed")
    filename = (params.get("filename") or "").strip()
    if not filename or len(filename) > 255 or "/" in filename or "\\" in filename:
        raise ApiError(
            422, ErrorCode.BAD_FIELD, "'filename' (the file's name, with its extension) is required"
        )
    try:
        stored = await store_upload(rt, request, filename)
    except BadFile as exc:
        raise ApiError(exc.status, exc.code, f"{exc.message}; nothing was stored") from None
    body: dict[str, Any] = {
        "id": document_id or "d" + secrets.token_hex(5),
        "sha256": stored.sha256,
        "size": stored.size,
        "mime": stored.mime,
        "pages": stored.pages,
        "filename": filename,
        "draft": _flag(params.get("draft")),
    }
    if params.get("title"):
        body["title"] = params["title"][:500]
    if "item" in params:
        body["item"] = params["item"] or None
    outcome = await rt.commands.execute(meeting_id, actor, "document.add", body)
    if not outcome.ok:
        # A file this upload created is referenced by nothing yet (a concurrent upload of the
        # very same bytes is the one, harmless, exception: it re-creates the file).
        if stored.created:
            with contextlib.suppress(FileNotFoundError):
                file_path(rt, stored.sha256).unlink()
        return outcome_response(outcome)
    assert hub.state is not None
    doc = documents_of(hub.state).documents[body["id"]]
    return JSONResponse(
        {"document": doc.to_dict(Role.CHAIR), "seq": outcome.seq,
         "url": _version_url(meeting_id, doc.id, doc.latest.n)},
        status_code=201,
    )


async def upload_document(request: Request) -> JSONResponse:
    return await _upload(request, None)


async def upload_version(request: Request) -> JSONResponse:
    return await _upload(request, request.path_params["document_id"])


# ---- downloads ----------------------------------------------------------------------------


def _version_url(meeting_id: str, document_id: str, n: int) -> str:
    return f"/api/meetings/{meeting_id}/documents/{document_id}/versions/{n}"


def _role(actor: Actor) -> Role:
    return actor.role if actor.role is not None else Role.CHAIR


def _etag(sha256: str) -> str:
    return f'"{sha256}"'


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


async def _serve(request: Request, version: int | None) -> Response:
    meeting_id = request.path_params["meeting_id"]
    document_id = request.path_params["document_id"]
    actor = await require_actor(request, meeting_id)
    hub = await meeting_state(request, meeting_id)
    found = visible_to(hub.state, _role(actor), document_id, version)
    if found is None:
        # The same answer for a draft as for nothing: a delegate learns nothing from it.
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such document")
    rt = runtime(request)
    path = file_path(rt, found.sha256)
    etag = _etag(found.sha256)
    # A version's bytes never change; "the current version" may, so it is revalidated.
    cache = (
        "private, max-age=31536000, immutable" if version is not None else "private, no-cache"
    )
    headers = {"etag": etag, "cache-control": cache, "x-content-type-options": "nosniff",
               "x-document-version": str(found.n), "x-document-pages": str(found.pages)}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if not path.is_file():
        raise ApiError(404, ErrorCode.NOT_FOUND, "the document's file is missing on this server")
    # inline: a tablet opens it in its viewer; the name as given, percent-encoded (RFC 6266).
    headers["content-disposition"] = f"inline; filename*=utf-8''{quote(found.filename)}"
    return FileResponse(path, headers=headers, media_type=found.mime)


async def download_current(request: Request) -> Response:
    return await _serve(request, None)


async def download_version(request: Request) -> Response:
    try:
        n = int(request.path_params["version"])
    except ValueError:
        raise ApiError(404, ErrorCode.NOT_FOUND, "no such version") from None
    return await _serve(request, n)


def _entry(meeting_id: str, doc: Document, version: Version) -> dict[str, Any]:
    return {
        "id": doc.id,
        "title": doc.title,
        "item": doc.item,
        "version": version.n,
        "released": version.released,
        "sha256": version.sha256,
        "size": version.size,
        "mime": version.mime,
        "pages": version.pages,
        "filename": version.filename,
        "url": _version_url(meeting_id, doc.id, version.n),
        "etag": _etag(version.sha256),
    }


async def manifest(request: Request) -> Response:
    """What a tablet preloads to read offline: each document's current version, with the
    immutable URL and ETag to fetch and cache it. Delegates get released documents only."""
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id)
    hub = await meeting_state(request, meeting_id)
    role = _role(actor)
    docs = documents_of(hub.state)
    entries = []
    for doc in docs.documents.values():
        version = visible_to(hub.state, role, doc.id)
        if version is not None:
            entries.append(_entry(meeting_id, doc, version))
    body = {
        "meeting": meeting_id,
        "seq": hub.seq,
        "documents": entries,
        "follow": docs.follow.to_dict() if docs.follow else None,
        "total_bytes": sum(e["size"] for e in entries),
    }
    # The ETag covers the documents only, so a new seq alone does not force a refetch.
    etag = '"' + hashlib.sha256(
        json.dumps(entries, sort_keys=True).encode()).hexdigest()[:32] + '"'
    headers = {"etag": etag, "cache-control": "private, no-cache"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(body, headers=headers)


ROUTES = [
    Route("/api/meetings/{meeting_id}/documents", upload_document, methods=["POST"]),
    Route("/api/meetings/{meeting_id}/documents", manifest, methods=["GET"]),
    Route("/api/meetings/{meeting_id}/documents/{document_id}", download_current,
          methods=["GET"]),
    Route("/api/meetings/{meeting_id}/documents/{document_id}/versions", upload_version,
          methods=["POST"]),
    Route("/api/meetings/{meeting_id}/documents/{document_id}/versions/{version}",
          download_version, methods=["GET"]),
]
