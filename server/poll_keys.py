"""One key per secret poll, kept outside Redis and destroyed once the poll is counted.

A secret ballot is sealed (server/sealing.py) with its poll's own random 256-bit key, held
in a file ``polls/<hash of meeting and poll>.key`` beside the server key file (0600 in a
0700 directory; the hash keeps a poll id out of the path). The first seal of a poll creates
it, atomically (``O_EXCL``: two processes racing get the same key), written and synced
before any ballot uses it, so it survives a crash. Several processes serving one meeting
share it the way they share the server key file (the same directory).

When ``poll.closed`` or ``poll.cancelled`` is folded, every process that has the meeting
deletes the file and forgets its copy: from then on nothing on the machine opens that poll's
ciphertexts, wherever they were copied (an old AOF, a backup). A close whose key is missing
is refused with a clear error: never a wrong or empty count.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from pathlib import Path

from server.sealing import Sealer, SealingError

_PREFIX = b"phonghop ballot|"


class PollKeyMissing(SealingError):
    """The poll's key file is gone (destroyed after counting, or lost): its ballots cannot
    be opened."""


class PollKeys:
    """Implements the store's ``Sealer`` for ballots: the context names the poll, and the
    poll's key seals and opens them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cache: dict[bytes, Sealer] = {}

    def _path(self, context: bytes) -> Path:
        if not context.startswith(_PREFIX):
            raise SealingError("not a ballot context")
        return self.directory / (hashlib.sha256(context).hexdigest()[:40] + ".key")

    def _sealer(self, context: bytes, *, create: bool) -> Sealer:
        sealer = self._cache.get(context)
        if sealer is None:
            sealer = Sealer(self._read_or_create(self._path(context), create))
            self._cache[context] = sealer
        return sealer

    def _read_or_create(self, path: Path, create: bool) -> bytes:
        with contextlib.suppress(FileNotFoundError):
            return _read(path)
        if not create:
            raise PollKeyMissing(f"the poll's ballot key {path.name} is missing from "
                                 f"{self.directory}")
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            # link() fails if another process made the key first: then theirs is the key.
            os.link(tmp, path)
        except FileExistsError:
            return _read(path)
        finally:
            tmp.unlink()
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return key

    def seal(self, plaintext: bytes, *, context: bytes, size: int) -> bytes:
        return self._sealer(context, create=True).seal(plaintext, context=context, size=size)

    def open(self, sealed: bytes, *, context: bytes) -> bytes:
        return self._sealer(context, create=False).open(sealed, context=context)

    def destroy(self, context: bytes) -> None:
        self._cache.pop(context, None)
        with contextlib.suppress(FileNotFoundError):
            self._path(context).unlink()


def _read(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) != 32:
        raise SealingError(f"the poll key {path.name} is damaged ({len(key)} bytes)")
    return key


def ballot_context(meeting_id: str, poll_id: str) -> bytes:
    """The context rooms/poll_commands.py seals a poll's ballots to."""
    return _PREFIX + f"{meeting_id}|{poll_id}".encode()
