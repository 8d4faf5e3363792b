"""Signed, expiring tokens for participants, and the admin bearer token.

A participant token is ``MEETING~PARTICIPANT~PR~EXPIRY~SIG`` (about 60 ASCII characters, small
enough for a QR code): ``P`` is the purpose (``j`` join link, ``b`` badge check-in), ``R`` the
first letter of the role when issued, ``EXPIRY`` seconds since the epoch in base 36, and ``SIG``
the first 22 characters of the URL-safe base64 HMAC-SHA256 of everything before it, keyed with
the secret in ``ph:secret``. A token names its meeting, so one of meeting A fails on B.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as aioredis

from protocol.errors import ErrorCode
from rooms.model import Role
from server.store import ADMIN, SECRET

SEP = "~"
_ROLE_LETTER = {
    Role.CHAIR: "c",
    Role.SECRETARY: "s",
    Role.DELEGATE: "d",
    Role.SCREEN: "h",
    Role.OBSERVER: "o",
}
_LETTER_ROLE = {v: k for k, v in _ROLE_LETTER.items()}


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


class Signer:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def derive(self, label: bytes) -> bytes:
        """A key of its own for another use, so that no other MAC can double as a token's."""
        return hmac.new(self._key, label, hashlib.sha256).digest()

    def _sig(self, payload: str) -> str:
        mac = hmac.new(self._key, payload.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii")[:22]

    def issue(
        self, meeting_id: str, participant_id: str, role: Role, expires: int, purpose: str = "j"
    ) -> str:
        payload = SEP.join(
            (meeting_id, participant_id, purpose + _ROLE_LETTER[role], _b36(expires))
        )
        return f"{payload}{SEP}{self._sig(payload)}"

    def verify(
        self, token: str, now: int, meeting_id: str | None = None, purpose: str = "j"
    ) -> TokenClaims:
        parts = token.strip().split(SEP)
        if len(parts) != 5 or len(parts[2]) != 2:
            raise TokenError(ErrorCode.BAD_TOKEN, "malformed token")
        payload = SEP.join(parts[:4])
        if not hmac.compare_digest(self._sig(payload), parts[4]):
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
        return TokenClaims(mid, pid, kind[0], role, expires)


def _b36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, r = divmod(value, 36)
        out = digits[r] + out
        if value == 0:
            return out


async def load_signer(client: aioredis.Redis) -> Signer:
    """The cluster-wide signing key: the first process to start creates it, all share it."""
    await client.set(SECRET, secrets.token_bytes(32), nx=True)
    key = await client.get(SECRET)
    assert key is not None
    return Signer(bytes(key))


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
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n", encoding="ascii")
    path.chmod(0o600)


async def check_admin(client: aioredis.Redis, presented: str) -> bool:
    stored = await client.get(ADMIN)
    return stored is not None and hmac.compare_digest(bytes(stored).decode(), hash_admin(presented))
