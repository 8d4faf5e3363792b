"""Signed, expiring tokens for participants, and the admin bearer token.

A participant token is ``MEETING~PARTICIPANT~PRG~EXPIRY~SIG`` (about 60 ASCII characters, small
enough for a QR code): ``P`` is the purpose (``j`` join link, ``b`` badge check-in; ``k``, ``h``,
``s`` a device's pairing code, server/devices.py), ``R`` the first letter of the role when
issued, ``G`` the participant's credential generation in decimal, left out when 0
(rooms/credentials.py: a token of an older generation is revoked; badges carry none, they are
reprinted rarely and sign in only as the meeting allows), ``EXPIRY`` seconds since the epoch
in base 36, and ``SIG`` the first 22 characters of the URL-safe base64 HMAC-SHA256 of
everything before it, keyed with the token-signing key derived from the server key file
(server/keys.py; never kept in Redis).
A pairing code's kind part ends with ``-`` and a random nonce of 16 hex digits (``ko-NONCE``,
``so2-NONCE``), signed with the rest: the expiry is in whole seconds, so without it two codes
asked for in the same second would be one code, which pairs one device. Join links and badges
carry none: their format has not changed, so printed badges and sent links keep working.
A token names its meeting, so one of meeting A fails on B.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as aioredis

from protocol.errors import ErrorCode
from rooms.model import Role
from server.keys import TOKEN_SIGNING, ServerKeys, default_key_file, load_keys
from server.private_files import replace_private
from server.store import ADMIN

SEP = "~"
_ROLE_LETTER = {
    Role.CHAIR: "c",
    Role.SECRETARY: "s",
    Role.DELEGATE: "d",
    Role.SCREEN: "h",
    Role.OBSERVER: "o",
}
_LETTER_ROLE = {v: k for k, v in _ROLE_LETTER.items()}
# Purpose letter, role letter, then the generation (no leading zero, none for 0), then a
# pairing code's nonce.
_KIND = re.compile(r"(?P<purpose>[a-z])[a-z](?P<generation>[1-9][0-9]{0,8})?"
                   r"(?:-(?P<nonce>[0-9a-f]{16}))?")
# The purposes whose tokens may carry a nonce: pairing codes (server/device_purposes.py). A
# code without one (issued before nonces existed; the demo's printed device links,
# server/demo.py) still verifies until it expires.
PAIRING_PURPOSES = frozenset("khs")
NONCE = re.compile(r"[0-9a-f]{16}")


class TokenError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class TokenClaims:
    meeting_id: str
    participant_id: str
    purpose: str
    role: Role
    expires: int
    generation: int = 0
    # A device session's public id (server/device_sessions.py); "" for a signed token.
    session: str = ""


class Signer:
    """Issues and checks tokens with ``key``; ``legacy_key`` (a key moved out of Redis) still
    verifies, never signs, until ``legacy_until`` (Unix seconds)."""

    def __init__(
        self, key: bytes, *, legacy_key: bytes | None = None, legacy_until: int = 0
    ) -> None:
        self._key = key
        self._legacy_key = legacy_key
        self._legacy_until = legacy_until

    def derive(self, label: bytes) -> bytes:
        """A key of its own for another use, so that no other MAC can double as a token's.
        New uses take ``ServerKeys.derive`` (``Runtime.keys``) instead."""
        return hmac.new(self._key, label, hashlib.sha256).digest()

    def _sig(self, payload: str) -> str:
        return _mac(self._key, payload)

    def _signed(self, payload: str, sig: str, now: int) -> bool:
        if hmac.compare_digest(self._sig(payload), sig):
            return True
        return (
            self._legacy_key is not None
            and now < self._legacy_until
            and hmac.compare_digest(_mac(self._legacy_key, payload), sig)
        )

    def issue(
        self, meeting_id: str, participant_id: str, role: Role, expires: int, purpose: str = "j",
        generation: int = 0, nonce: str = "",
    ) -> str:
        """A signed token; ``nonce`` (16 hex digits, ``secrets.token_hex(8)``) only for a
        pairing code, where every code must differ from the one asked for before."""
        if nonce and (purpose not in PAIRING_PURPOSES or not NONCE.fullmatch(nonce)):
            raise ValueError("a nonce is 16 hex digits, in a pairing code only")
        kind = purpose + _ROLE_LETTER[role] + (str(generation) if generation else "")
        kind += f"-{nonce}" if nonce else ""
        payload = SEP.join((meeting_id, participant_id, kind, b36(expires)))
        return f"{payload}{SEP}{self._sig(payload)}"

    def verify(
        self, token: str, now: int, meeting_id: str | None = None, purpose: str = "j"
    ) -> TokenClaims:
        parts = token.strip().split(SEP)
        kind_match = _KIND.fullmatch(parts[2]) if len(parts) == 5 else None
        # Tokens are ASCII; hmac.compare_digest raises TypeError on a non-ASCII str.
        if kind_match is None or not token.isascii() or (
                kind_match["nonce"] and kind_match["purpose"] not in PAIRING_PURPOSES):
            raise TokenError(ErrorCode.BAD_TOKEN, "malformed token")
        payload = SEP.join(parts[:4])
        if not self._signed(payload, parts[4], now):
            raise TokenError(ErrorCode.BAD_TOKEN, "token signature does not match")
        mid, pid, kind, exp = parts[:4]
        role = _LETTER_ROLE.get(kind[1])
        if role is None:
            raise TokenError(ErrorCode.BAD_TOKEN, "malformed token")
        try:
            expires = int(exp, 36)
        except ValueError:
            raise TokenError(ErrorCode.BAD_TOKEN, "malformed token") from None
        if meeting_id is not None and mid != meeting_id:
            raise TokenError(ErrorCode.WRONG_MEETING, "token belongs to another meeting")
        if kind[0] != purpose:
            raise TokenError(ErrorCode.BAD_TOKEN, "token is not valid for this use")
        if expires < now:
            raise TokenError(ErrorCode.TOKEN_EXPIRED, "token expired")
        return TokenClaims(mid, pid, kind[0], role, expires,
                           int(kind_match["generation"] or "0"))


def _mac(key: bytes, payload: str) -> str:
    mac = hmac.new(key, payload.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii")[:22]


def b36(value: int) -> str:
    """An expiry in a token or a device session: base 36, lower case."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, r = divmod(value, 36)
        out = digits[r] + out
        if value == 0:
            return out


def signer_for(keys: ServerKeys) -> Signer:
    return Signer(keys.derive(TOKEN_SIGNING), legacy_key=keys.legacy_token_key,
                  legacy_until=keys.legacy_until)


async def load_signer(client: aioredis.Redis, key_file: Path | None = None) -> Signer:
    """The token signer of the server key in ``key_file`` (default: ``default_key_file()``),
    shared by every process of one Redis; created on the first start (see server/keys.py)."""
    keys = await load_keys(client, key_file or default_key_file(), int(time.time()))
    return signer_for(keys)


def hash_admin(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def ensure_admin_token(
    client: aioredis.Redis, configured: str | None, data_dir: Path
) -> str | None:
    """Store the admin token's hash; return the plain token only when it was just generated."""
    if configured:
        await client.set(ADMIN, hash_admin(configured))
        return None
    token = secrets.token_urlsafe(24)
    if not await client.set(ADMIN, hash_admin(token), nx=True):
        return None
    _save_token(data_dir / "admin-token", token)
    return token


def _save_token(path: Path, token: str) -> None:
    # Once, at first start: the operator can read it again from here after the banner scrolls.
    # 0600 from its first byte, in a 0700 data directory.
    replace_private(path, (token + "\n").encode("ascii"))


async def check_admin(client: aioredis.Redis, presented: str) -> bool:
    stored = await client.get(ADMIN)
    if stored is None:
        return False
    text = stored.decode() if isinstance(stored, bytes) else stored
    return hmac.compare_digest(text, hash_admin(presented))
