"""Files and directories only their owner can read: the data directory, keys, passwords.

Every file is created 0600 from its first byte (``O_CREAT | O_EXCL`` with the mode), never
chmodded after being written, so there is no moment at which another user of the machine could
open it. Directories are 0700; one found looser (made by an older version) is tightened.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import IO, Protocol

__all__ = ["private_dir", "copy_private", "create_once", "unnamed_file", "replace_private",
           "tighten"]

FILE_MODE = 0o600
DIR_MODE = 0o700
_CHUNK = 1024 * 1024


def private_dir(path: Path) -> Path:
    """``path`` and any missing parents created 0700; ``path`` itself made 0700 if it is not."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o777 != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to a file that must not exist yet, 0600 from the start, fsynced."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the umask may have taken bits away, never added: restore
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


class Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def unnamed_file(directory: Path) -> IO[bytes]:
    """A file without a name in ``directory`` (``O_TMPFILE`` on Linux; elsewhere unlinked at
    once), 0600: no path another process could open, gone when closed or if the server dies."""
    return tempfile.TemporaryFile(dir=directory)


def copy_private(source: Readable, directory: Path) -> tuple[Path, str]:
    """Copy ``source``, from where it stands, into a new file of ``directory`` (0600 from the
    start, fsynced; a hidden ``.tmp`` name for the caller to rename or remove) a chunk at a
    time. Its path and the SHA-256 of what was copied."""
    path = _temp_beside(private_dir(directory) / "incoming")
    digest = hashlib.sha256()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return path, digest.hexdigest()


def _temp_beside(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")


def create_once(path: Path, data: bytes) -> tuple[bytes, bool]:
    """The content of ``path``: ``data`` if this call created it, else what is already there.

    Atomic against other processes doing the same: the file appears complete (written to a
    temporary name, then hard-linked to ``path``, which fails if ``path`` exists), so a reader
    never sees half a key and two first starts cannot each keep a key of their own.
    Returns ``(content, created)``.
    """
    private_dir(path.parent)
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes(), False
    tmp = _temp_beside(path)
    _write_new(tmp, data)
    try:
        os.link(tmp, path)
        created = True
    except FileExistsError:
        created = False
    finally:
        tmp.unlink()
    _fsync_dir(path.parent)
    return (data, True) if created else (path.read_bytes(), False)


def replace_private(path: Path, data: bytes) -> None:
    """Write ``path`` whole (readers see the old or the new content), 0600 from the start."""
    private_dir(path.parent)
    tmp = _temp_beside(path)
    _write_new(tmp, data)
    try:
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def tighten(root: Path) -> None:
    """Make every directory under ``root`` 0700 and every file 0600: data left by a version
    that wrote with the default umask. Symlinks are left alone (chmod would follow them)."""
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            sub = Path(dirpath) / name
            if not sub.is_symlink():
                private_dir(sub)
        for name in filenames:
            file = Path(dirpath) / name
            if not file.is_symlink() and file.stat().st_mode & 0o077:
                file.chmod(FILE_MODE)


def _fsync_dir(path: Path) -> None:
    # The new name must survive a power cut as well as the content does.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
