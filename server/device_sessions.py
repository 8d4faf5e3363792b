"""Device sessions: the credential a browser holds after it exchanged a join link, a badge or
a pairing code once (``POST /api/sessions``, ``POST /api/badge-login``, server/identity_http.py).

A session credential is ``MEETING~PARTICIPANT~<P><r>~EXPIRY~SECRET``: the shape of a signed
token (server/auth.py), so a client reads its meeting and participant the same way
(clients/web/js/client.js ``parseToken``), but with an **uppercase** purpose letter (``J`` a
participant's session from a join link or badge, ``K`` a kiosk's, ``H`` a hall screen's,
``S`` a shared seat tablet's; a signed token's letters are lowercase, so neither is ever taken
for the other) and a random
``SECRET`` (32 bytes, URL-safe base64) instead of a signature. Nothing derives it: it exists
only in the browser that asked for it and is checked against Redis, so it can be ended alone
(``DELETE /api/sessions/current``) and every one of a participant's ends with a new credential
generation (reissue, badge sign-in, removal), a role change, or, for a delegate, a new voting
session on another device (rooms/credentials.py ``pinned_session``).

Redis keys (the credential itself is never stored, nor any key Redis could use to make one):

``ph:{m}:dsession:H``  hash ``participant``, ``role``, ``purpose`` (``j``, ``k``, ``h``, ``s``),
    ``generation``, ``id`` (the public session id the log may name), ``expires`` (Unix
    seconds); expires with the session. ``H`` is the first 32 hex digits of the HMAC-SHA256 of
    the whole credential under a key derived from the server key file (server/keys.py), so a
    reader of Redis learns no credential from the key.
``ph:{m}:pairing-used:H``  string ``1``: a pairing code (purpose ``k``, ``h``, ``s``) already
    exchanged, kept until the code expires, so a photo of the desk's QR pairs nothing more.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import redis.asyncio as aioredis

from protocol.errors import ErrorCode
from rooms.model import Role
from server.auth import SEP, TokenClaims, TokenError, b36
from server.keys import ServerKeys
from server.store import k

DEVICE_SESSIONS = b"phonghop device sessions v1"
# Session purpose letters (uppercase) for the purpose of what was exchanged (lowercase).
_LETTER = {"j": "J", "k": "K", "h": "H", "s": "S"}
_ROLE_LETTER = {Role.CHAIR: "c", Role.SECRETARY: "s", Role.DELEGATE: "d", Role.SCREEN: "h",
                Role.OBSERVER: "o"}
_SECRET_CHARS = 43


@dataclass(frozen=True)
class NewSession:
    credential: str
    id: str  # public: the log and the desk may name it
    expires: int


def is_session_credential(token: str) -> bool:
    """Does ``token`` claim to be a device session (not a signed token)? Checked in Redis."""
    parts = token.strip().split(SEP)
    return len(parts) == 5 and parts[2][:1] in _LETTER.values()


@functools.lru_cache(maxsize=4)
def _hash_key(keys: ServerKeys) -> bytes:
    return keys.derive(DEVICE_SESSIONS)


def _name(keys: ServerKeys, meeting_id: str, kind: str, credential: str) -> str:
    mac = hmac.new(_hash_key(keys), credential.encode("ascii"), hashlib.sha256).hexdigest()
    return k(meeting_id, f"{kind}:{mac[:32]}")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def new_id() -> str:
    """A fresh public session id (the log may name it; it opens nothing)."""
    return secrets.token_hex(8)


async def create(redis: aioredis.Redis, keys: ServerKeys, claims: TokenClaims, generation: int,
                 expires: int, now: int, public_id: str) -> NewSession:
    """A new session for the participant ``claims`` names, of the purpose they were
    exchanged for, at ``generation``; valid until ``expires`` (Unix seconds)."""
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")
    kind = _LETTER[claims.purpose] + _ROLE_LETTER[claims.role]
    credential = SEP.join((claims.meeting_id, claims.participant_id, kind, b36(expires),
                           secret))
    name = _name(keys, claims.meeting_id, "dsession", credential)
    await redis.hset(name, mapping={
        "participant": claims.participant_id, "role": claims.role.value,
        "purpose": claims.purpose, "generation": generation, "id": public_id,
        "expires": expires})
    await redis.expire(name, max(1, expires - now))
    return NewSession(credential, public_id, expires)


async def verify(redis: aioredis.Redis, keys: ServerKeys, credential: str, now: int,
                 meeting_id: str | None = None) -> TokenClaims:
    """The claims of a live session credential, as a signed token's would be (with the
    session's public id); raises TokenError like ``Signer.verify``."""
    parts = credential.strip().split(SEP)
    if (len(parts) != 5 or not credential.isascii() or len(parts[4]) != _SECRET_CHARS
            or parts[2][:1] not in _LETTER.values()):
        raise TokenError(ErrorCode.BAD_TOKEN, "malformed token")
    if meeting_id is not None and parts[0] != meeting_id:
        raise TokenError(ErrorCode.WRONG_MEETING, "token belongs to another meeting")
    raw = await redis.hgetall(_name(keys, parts[0], "dsession", credential.strip()))
    record = {_text(key): _text(value) for key, value in raw.items()}
    if not record or record["participant"] != parts[1]:
        raise TokenError(ErrorCode.BAD_TOKEN, "this device was signed out; open your link "
                         "again or sign in with your badge")
    expires = int(record["expires"])
    if expires < now:
        raise TokenError(ErrorCode.TOKEN_EXPIRED, "token expired")
    return TokenClaims(parts[0], record["participant"], record["purpose"], Role(record["role"]),
                       expires, int(record["generation"]), record["id"])


async def end(redis: aioredis.Redis, keys: ServerKeys, credential: str) -> bool:
    """Sign this device out: its credential opens nothing more. False if it was not live."""
    parts = credential.strip().split(SEP)
    if len(parts) != 5 or not credential.isascii():
        return False
    return bool(await redis.delete(_name(keys, parts[0], "dsession", credential.strip())))


async def spend_pairing(redis: aioredis.Redis, keys: ServerKeys, claims: TokenClaims,
                        token: str, now: int) -> bool:
    """Mark a pairing code used; False when it was used before (one device per code)."""
    name = _name(keys, claims.meeting_id, "pairing-used", token.strip())
    return bool(await redis.set(name, "1", nx=True, ex=max(1, claims.expires - now)))
