"""Signing the final minutes over HTTP: the chair and the secretary each upload their PKCS#12
key file and its password; the server signs the minutes (server/minutes_signing.py) and
keeps the signed PDF, so the second signer signs the file the first one signed.

Files: ``DATA_DIR/signed-minutes/MEETING/SHA256.pdf``, 0600 (server/private_files.py), one per
signing step, named by its content. The key file and its password are never stored: they live
in memory for the one request.

Redis key (written here, by one Lua script that compares before it sets):

``ph:{m}:minutes:signed``  hash
    ``sha256``    of the current signed PDF (the file ``SHA256.pdf`` above)
    ``signers``   JSON list, in signing order, of ``{role, participant, subject, at}``
    ``log_hash``  the log's final hash the minutes carry
    ``lang``      the minutes' language (``vi`` or ``en``), fixed by the first signer
    ``updated``   ms of the last signing

Two signers at the same moment: each signs the file it read; the script stores a result only
if ``sha256`` is still the one that signer started from, so the slower one gets 409 and signs
again on top of the other's signature, never over it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms.lifecycle import Status
from rooms.minutes_builder import MinutesError, build_minutes
from rooms.model import STAFF, Role
from server.api import meeting_state, runtime
from server.errors import ApiError
from server.exports.pdf_minutes import render_pdf_with_places
from server.http_auth import require_actor
from server.minutes_signing import (
    SignerRole,
    SigningError,
    SignRequest,
    load_pkcs12,
    prepare,
    sign,
    timestamper,
)
from server.private_files import create_once
from server.runtime import Runtime
from server.store import k

MAX_KEY_FILE = 64 * 1024  # a .p12 with a chain is a few KB
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ROLES: Final[dict[Role, SignerRole]] = {Role.CHAIR: "chair", Role.SECRETARY: "secretary"}

# KEYS[1] the hash; ARGV: expected sha256 ("" for none yet), then field/value pairs.
_STORE_IF_UNCHANGED = """
local current = redis.call('HGET', KEYS[1], 'sha256') or ''
if current ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return 1
"""


def signed_dir(rt: Runtime, meeting_id: str) -> Path:
    if not _SAFE_ID.match(meeting_id):  # it names a directory
        raise ApiError(422, ErrorCode.BAD_FIELD, "this meeting id cannot name a file")
    return Path(rt.settings.data_dir).absolute() / "signed-minutes" / meeting_id


async def _current(rt: Runtime, meeting_id: str) -> tuple[dict[str, str], bytes | None]:
    raw: dict[bytes | str, bytes | str] = await rt.redis.hgetall(k(meeting_id, "minutes:signed"))
    meta = {_text(key): _text(value) for key, value in raw.items()}
    if not meta.get("sha256"):
        return {}, None
    path = signed_dir(rt, meeting_id) / f"{meta['sha256']}.pdf"
    if not path.is_file():
        raise ApiError(500, ErrorCode.INTERNAL,
                       "the signed minutes are missing from the data directory")
    return meta, path.read_bytes()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


async def _key_upload(request: Request) -> tuple[bytes, bytes]:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_KEY_FILE + 8192:
        raise ApiError(413, ErrorCode.TOO_LARGE,
                       f"the key file is larger than {MAX_KEY_FILE} bytes")
    async with request.form(max_files=1, max_fields=2, max_part_size=MAX_KEY_FILE) as form:
        upload, password = form.get("p12"), form.get("password", "")
        if not isinstance(upload, UploadFile) or not isinstance(password, str):
            raise ApiError(422, ErrorCode.BAD_FIELD,
                           "multipart fields 'p12' (the .p12 or .pfx file) "
                           "and 'password' are required")
        data = await upload.read(MAX_KEY_FILE + 1)
    if not data or len(data) > MAX_KEY_FILE:
        raise ApiError(422, ErrorCode.BAD_FIELD, "the key file is empty or too large")
    return data, password.encode("utf-8")


async def _unsigned(request: Request, meeting_id: str, lang: str) -> tuple[bytes, str]:
    """The final minutes prepared for signing, and the log hash they carry."""
    entries = await runtime(request).store.read_log(meeting_id)

    def render() -> tuple[bytes, str]:
        built = build_minutes(entries, final=True, lang=lang)
        pdf, places = render_pdf_with_places(built, lang)
        return prepare(pdf, places, built.log.final_hash, built.log.algorithm), built.log.final_hash

    try:
        return await run_in_threadpool(render)
    except (MinutesError, SigningError) as exc:
        raise ApiError(409, ErrorCode.INVALID_STATE, str(exc)) from None


async def sign_minutes(request: Request) -> JSONResponse:
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id, (Role.CHAIR, Role.SECRETARY))
    if actor.role not in _ROLES:  # the admin passes require_actor, but signs nothing
        raise ApiError(403, ErrorCode.FORBIDDEN,
                       "only the chair and the secretary sign the minutes")
    role = _ROLES[actor.role]
    hub = await meeting_state(request, meeting_id)
    if hub.state.status != Status.CLOSED:
        raise ApiError(409, ErrorCode.INVALID_STATE,
                       "the minutes are final, and signed, only once the "
                       "meeting is closed")
    rt = runtime(request)
    p12, password = await _key_upload(request)
    meta, pdf = await _current(rt, meeting_id)
    lang = meta.get("lang") or request.query_params.get("lang", "vi")
    if lang not in ("vi", "en"):
        raise ApiError(422, ErrorCode.BAD_FIELD, "lang must be 'vi' or 'en'")
    log_hash = meta.get("log_hash", "")
    if pdf is None:
        pdf, log_hash = await _unsigned(request, meeting_id, lang)
    try:
        signer = load_pkcs12(p12, password)
    except SigningError as exc:
        # details.reason lets a view say it in the page's language (error.reason.bad_key).
        raise ApiError(422, ErrorCode.INVALID, str(exc), reason="bad_key") from None
    try:
        job = SignRequest(role, signer, timestamper(rt.settings.tsa_url))
        signed = await run_in_threadpool(sign, pdf, job)
    except SigningError as exc:
        status = 409 if "already" in str(exc) else 422
        code = ErrorCode.INVALID_STATE if status == 409 else ErrorCode.INVALID
        raise ApiError(status, code, str(exc)) from None
    return await _store(rt, meeting_id, meta, signed, {
        "role": role, "participant": actor.participant_id,
        "subject": signer.signing_cert.subject.human_friendly if signer.signing_cert else "",
        "at": rt.clock.now_ms(),
    }, log_hash, lang)


async def _store(
    rt: Runtime, meeting_id: str, meta: dict[str, str], signed: bytes,
    signer: dict[str, Any], log_hash: str, lang: str,
) -> JSONResponse:
    sha = hashlib.sha256(signed).hexdigest()
    await run_in_threadpool(create_once, signed_dir(rt, meeting_id) / f"{sha}.pdf", signed)
    signers = [*json.loads(meta.get("signers", "[]")), signer]
    stored = await rt.redis.eval(
        _STORE_IF_UNCHANGED, 1, k(meeting_id, "minutes:signed"), meta.get("sha256", ""),
        "sha256", sha, "signers", json.dumps(signers, ensure_ascii=False),
        "log_hash", log_hash, "lang", lang, "updated", str(signer["at"]),
    )
    if not stored:
        raise ApiError(409, ErrorCode.CONFLICT,
                       "the minutes were signed by someone else meanwhile; "
                       "sign again to add your signature to theirs")
    return JSONResponse({
        "signed_by": [s["role"] for s in signers], "signers": signers, "sha256": sha,
        "log_hash": log_hash, "url": f"/api/meetings/{meeting_id}/minutes.signed.pdf",
    })


async def download_signed(request: Request) -> Response:
    meeting_id = request.path_params["meeting_id"]
    await require_actor(request, meeting_id, STAFF)
    await meeting_state(request, meeting_id)
    meta, pdf = await _current(runtime(request), meeting_id)
    if pdf is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "the minutes have not been signed yet")
    return Response(pdf, media_type="application/pdf", headers={
        "content-disposition": f'attachment; filename="bien-ban-{meeting_id}-da-ky.pdf"',
        "cache-control": "no-store",
        "x-signed-by": ",".join(s["role"] for s in json.loads(meta.get("signers", "[]"))),
    })


# Listed before server/minutes_http.py in server/features.py: its minutes.{fmt} would
# otherwise take minutes.signed.pdf as the format "signed.pdf".
ROUTES = [
    Route("/api/meetings/{meeting_id}/minutes/sign", sign_minutes, methods=["POST"]),
    Route("/api/meetings/{meeting_id}/minutes.signed.pdf", download_signed, methods=["GET"]),
]
