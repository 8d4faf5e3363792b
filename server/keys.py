"""The server's secret keys: one master key in a file outside Redis, sub-keys derived by purpose.

The key file (``DATA_DIR/keys/server.key``, or ``PHONGHOP_KEY_FILE``) is JSON, 0600 in a 0700
directory, created atomically on first start. Every process serving the same Redis must read the
same file (copy it, or point ``PHONGHOP_KEY_FILE`` at one shared file): Redis holds only the
key's public id, ``ph:key-id``, so that a process started with another key refuses to start
instead of issuing tokens the others reject.

Redis never holds the key itself: whoever reads its data (AOF, RDB, a backup, a replica,
``MONITOR``) cannot forge a token or open a sealed ballot. Versions before this one kept the
token key in Redis as ``ph:secret``; at start it is moved out (see ``load_keys``).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis.asyncio as aioredis
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from server.private_files import create_once
from server.store import KEY_ID, SECRET

__all__ = [
    "BALLOT_RECEIPTS",
    "KEY_FILE_ENV",
    "KeyFileError",
    "ServerKeys",
    "TOKEN_SIGNING",
    "default_key_file",
    "load_keys",
    "read_key_file",
]

log = logging.getLogger("phonghop.keys")

KEY_FILE_ENV = "PHONGHOP_KEY_FILE"
# Purposes: each use of the master key gets a key of its own, so that no MAC or ciphertext
# made for one purpose can be passed off as another's.
TOKEN_SIGNING = b"phonghop token signing v1"
BALLOT_RECEIPTS = b"phonghop ballot receipts v1"
_KEY_ID = b"phonghop key id v1"
_SALT = b"phonghop server key"
_FORMAT = "phonghop-server-key"
# Tokens signed with a key moved out of Redis stay valid this long after the move, so that
# printed badges and sent links keep working through the meeting in progress; the old key was
# readable by anyone with the Redis data, so its window is bounded rather than endless.
LEGACY_WINDOW = 30 * 24 * 3600


class KeyFileError(RuntimeError):
    """The key file is unreadable, or not the key the other processes of this Redis use."""


@dataclass(frozen=True)
class ServerKeys:
    master: bytes = field(repr=False)
    # The pre-migration token key (``ph:secret``), accepted for verification until
    # ``legacy_until`` (Unix seconds); never used to sign.
    legacy_token_key: bytes | None = field(default=None, repr=False)
    legacy_until: int = 0

    def derive(self, purpose: bytes) -> bytes:
        """A 32-byte key for ``purpose`` (HKDF-SHA256 of the master key)."""
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose)
        return hkdf.derive(self.master)

    @property
    def key_id(self) -> str:
        """A public name of the key (16 hex digits): equal ids, equal keys; reveals nothing."""
        return self.derive(_KEY_ID)[:8].hex()

    def to_bytes(self) -> bytes:
        doc: dict[str, object] = {"format": _FORMAT, "version": 1, "master": _b64(self.master)}
        if self.legacy_token_key is not None:
            doc |= {"legacy_token_key": _b64(self.legacy_token_key),
                    "legacy_until": self.legacy_until}
        return (json.dumps(doc, indent=1) + "\n").encode("ascii")

    @classmethod
    def from_bytes(cls, data: bytes, source: Path) -> ServerKeys:
        try:
            doc = json.loads(data)
            if doc.get("format") != _FORMAT or doc.get("version") != 1:
                raise ValueError("not a phonghop key file of version 1")
            master = base64.b64decode(doc["master"], validate=True)
            legacy = doc.get("legacy_token_key")
            keys = cls(master,
                       base64.b64decode(legacy, validate=True) if legacy else None,
                       int(doc.get("legacy_until", 0)))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyFileError(f"{source} is not a valid key file: {exc}") from None
        if len(keys.master) < 32:
            raise KeyFileError(f"{source}: the master key is shorter than 32 bytes")
        return keys


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def default_key_file(data_dir: Path | None = None) -> Path:
    """``PHONGHOP_KEY_FILE``, else ``keys/server.key`` in ``data_dir`` (default
    ``PHONGHOP_DATA_DIR`` or ``./var``)."""
    configured = os.environ.get(KEY_FILE_ENV)
    if configured:
        return Path(configured).absolute()
    if data_dir is None:
        data_dir = Path(os.environ.get("PHONGHOP_DATA_DIR") or "var")
    return data_dir.absolute() / "keys" / "server.key"


def read_key_file(path: Path) -> ServerKeys:
    try:
        return ServerKeys.from_bytes(path.read_bytes(), path)
    except OSError as exc:
        raise KeyFileError(f"cannot read the key file {path}: {exc.strerror}") from None


async def load_keys(client: aioredis.Redis, path: Path, now: int | None = None) -> ServerKeys:
    """The keys in ``path``; on first start created there (moving ``ph:secret`` out of Redis).

    Afterwards ``ph:secret`` no longer exists and ``ph:key-id`` names the key in use.
    """
    now = int(time.time()) if now is None else now
    legacy = _raw(await client.get(SECRET))
    keys = _open_or_create(path, legacy, _raw(await client.get(KEY_ID)), now)
    if legacy is not None:
        await client.delete(SECRET)
        moved = keys.legacy_token_key is not None and secrets.compare_digest(
            keys.legacy_token_key, legacy)
        log.warning(
            "deleted the token key kept in Redis (%s)%s", SECRET,
            f"; it is kept in {path} to verify tokens issued before, until "
            f"{time.strftime('%Y-%m-%d', time.gmtime(keys.legacy_until))}" if moved
            else "; it was not the key in the key file, so tokens signed with it are refused",
        )
    await _check_key_id(client, keys, path)
    return keys


def _open_or_create(
    path: Path, legacy: bytes | None, registered: bytes | None, now: int
) -> ServerKeys:
    if path.exists():
        return read_key_file(path)
    if legacy is None and registered is not None:
        raise KeyFileError(
            f"no key file at {path}, but this Redis is already used with a key "
            f"(id {registered.decode()}): copy the key file of the other phonghop "
            f"processes there, or set {KEY_FILE_ENV} to it"
        )
    # A fresh master even when migrating: the old key was in the AOF for anyone to read,
    # so it only verifies tokens issued before, for a bounded time, and derives nothing.
    fresh = ServerKeys(secrets.token_bytes(32), legacy,
                       now + LEGACY_WINDOW if legacy is not None else 0)
    content, created = create_once(path, fresh.to_bytes())
    keys = ServerKeys.from_bytes(content, path)
    if created:
        log.warning("created the server key file %s (id %s)", path, keys.key_id)
    return keys


async def _check_key_id(client: aioredis.Redis, keys: ServerKeys, path: Path) -> None:
    await client.set(KEY_ID, keys.key_id, nx=True)
    registered = _raw(await client.get(KEY_ID))
    if registered is not None and registered.decode() != keys.key_id:
        raise KeyFileError(
            f"the key file {path} (id {keys.key_id}) is not the key the other phonghop "
            f"processes of this Redis use (id {registered.decode()}): give every process "
            f"the same key file ({KEY_FILE_ENV})"
        )


def _raw(value: bytes | str | None) -> bytes | None:
    # The clients here do not decode responses; a str would be a client made otherwise.
    return value.encode() if isinstance(value, str) else value
