"""A closed meeting as one ZIP file, and the checks an imported one must pass.

The ZIP holds ``manifest.json`` and the files it lists, each with its SHA-256 and size:
``definition.toml``, ``log.json`` (the hash-chained log, as ``GET .../log.json`` gives it),
``minutes/bien-ban.pdf`` (the final minutes) and ``minutes/bien-ban-da-ky.pdf`` when they were
signed, ``results.csv``, and ``documents/ID-vN.EXT`` for every document version. A file is
refused (``ArchiveRefused``, with a message that says what is wrong) when a listed file is
missing or differs from its sum, a file is not listed, the log's hash chain breaks, or the
log does not end in the manifest's final hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from rooms.log_verify import verify_export
from server.file_stream import CHUNK, Chunks

__all__ = ["FORMAT", "ArchiveRefused", "Unpacked", "ZipWriter", "open_member", "unpacked"]

FORMAT = "phonghop-archive-v1"
MANIFEST = "manifest.json"
LOG = "log.json"
# Unpacked, an archive may hold this much (a zip bomb is refused before it is inflated).
MAX_UNPACKED = 2 * 1024**3
MAX_FILES = 5000
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
_ZIP_EPOCH = 315_532_800  # 1980-01-01 UTC
SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ArchiveRefused(ValueError):
    """The file is not a sound archive of a meeting; nothing was imported."""


@dataclass(frozen=True)
class Unpacked:
    meeting: str
    manifest: dict[str, Any]
    files: Mapping[str, bytes]  # path -> bytes, every file but the manifest, read when asked
    log: dict[str, Any]  # log.json, parsed and verified


class _Members(Mapping[str, bytes]):
    """The verified files of an open archive, each read from it when asked for: the index
    reads one PDF at a time, never the whole archive at once."""

    def __init__(self, zf: zipfile.ZipFile, paths: list[str]) -> None:
        self._zf, self._paths = zf, paths

    def __getitem__(self, path: str) -> bytes:
        if path not in self._paths:
            raise KeyError(path)
        return self._zf.read(path)

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


class ZipWriter:
    """A meeting's ZIP written into ``out`` one file at a time, each in pieces as it comes
    (the log page by page from Redis, a document chunk by chunk from disk), never whole in
    memory; ``finish`` adds the manifest with every file's SHA-256 and size. PDFs are stored
    (already compressed), the rest deflated."""

    def __init__(self, out: IO[bytes], meeting: str, created_at: int) -> None:
        self._zip = zipfile.ZipFile(out, "w")
        self._meeting, self._created_at = meeting, created_at
        self._files: dict[str, dict[str, Any]] = {}

    def _info(self, path: str) -> zipfile.ZipInfo:
        # Every file dated by the export's clock (UTC), not the machine's local time; ZIP
        # dates start in 1980 (a test clock may start earlier).
        seconds = max(self._created_at // 1000, _ZIP_EPOCH)
        info = zipfile.ZipInfo(path, date_time=time.gmtime(seconds)[:6])
        stored = path.endswith(".pdf")
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        return info

    def member(self, path: str) -> _Member:
        return _Member(self._zip.open(self._info(path), "w"), path, self._files)

    def add(self, path: str, data: bytes) -> None:
        with self.member(path) as member:
            member.write(data)

    def add_file(self, path: str, source: Path) -> None:
        with source.open("rb") as file, self.member(path) as member:
            while chunk := file.read(CHUNK):
                member.write(chunk)

    def finish(self, final_hash: str) -> None:
        manifest = {
            "format": FORMAT, "meeting": self._meeting, "final_hash": final_hash,
            "hash_algorithm": "sha256-chain-v1", "created_at": self._created_at,
            "files": dict(sorted(self._files.items())),
        }
        self._zip.writestr(self._info(MANIFEST),
                           json.dumps(manifest, ensure_ascii=False, indent=1))
        self._zip.close()


class _Member:
    """One file being written; its sum goes to the manifest when it is closed."""

    def __init__(self, out: IO[bytes], path: str, files: dict[str, dict[str, Any]]) -> None:
        self._out, self._path, self._files = out, path, files
        self._digest, self._size = hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self._out.write(data)
        self._digest.update(data)
        self._size += len(data)

    def close(self) -> None:
        self._out.close()
        self._files[self._path] = {"sha256": self._digest.hexdigest(), "size": self._size}

    def __enter__(self) -> _Member:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open(source: Path) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise ArchiveRefused("not a ZIP file") from None
    infos = zf.infolist()
    if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > MAX_UNPACKED:
        zf.close()
        raise ArchiveRefused(f"too large: more than {MAX_FILES} files or "
                             f"{MAX_UNPACKED // 1024**2} MB unpacked")
    return zf


def _manifest(zf: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except KeyError:
        raise ArchiveRefused("manifest.json is missing") from None
    except ValueError:
        raise ArchiveRefused("manifest.json is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveRefused(f"manifest.json is not a {FORMAT} manifest")
    if not isinstance(manifest.get("files"), dict) or not SAFE_ID.match(
            str(manifest.get("meeting", ""))):
        raise ArchiveRefused("manifest.json lacks its meeting id or its list of files")
    return manifest


def _sha_of_member(zf: zipfile.ZipFile, path: str) -> str:
    digest = hashlib.sha256()
    try:
        with zf.open(path) as member:
            while chunk := member.read(CHUNK):
                digest.update(chunk)
    except KeyError:
        raise ArchiveRefused(f"{path} is in the manifest but not in the ZIP") from None
    except (zipfile.BadZipFile, zlib.error):
        raise ArchiveRefused(f"{path} is damaged in the ZIP (its CRC does not match)") from None
    return digest.hexdigest()


def _files(zf: zipfile.ZipFile, listed: Mapping[str, Any]) -> _Members:
    """Every listed file checked against its sum, read through in chunks and not kept."""
    names = {i.filename for i in zf.infolist() if not i.is_dir()} - {MANIFEST}
    if extra := sorted(names - set(listed)):
        raise ArchiveRefused(f"files not in the manifest: {', '.join(extra[:5])}")
    for path, entry in listed.items():
        if not _SAFE_PATH.match(path) or ".." in path.split("/"):
            raise ArchiveRefused(f"unsafe file name in the manifest: {path!r}")
        if path not in names:
            raise ArchiveRefused(f"{path} is in the manifest but not in the ZIP")
        if not isinstance(entry, dict) or _sha_of_member(zf, path) != entry.get("sha256"):
            raise ArchiveRefused(f"{path} does not match its SHA-256 in the manifest: "
                                 "the file was changed after export")
    return _Members(zf, list(listed))


def _verified_log(files: Mapping[str, bytes], manifest: Mapping[str, Any]) -> dict[str, Any]:
    try:
        log = json.loads(files[LOG])
    except KeyError:
        raise ArchiveRefused("log.json is missing") from None
    except ValueError:
        raise ArchiveRefused("log.json is not JSON") from None
    if not isinstance(log, dict):
        raise ArchiveRefused("log.json is not a log export")
    verdict = verify_export(log, str(manifest.get("final_hash", "")))
    if verdict.failure is not None:
        raise ArchiveRefused(f"the log's hash chain is broken at {verdict.failure.describe()}")
    if verdict.problem:
        raise ArchiveRefused(f"the log does not verify: {verdict.problem}")
    if log.get("meeting") != manifest["meeting"]:
        raise ArchiveRefused("log.json is the log of another meeting")
    return log


@contextlib.contextmanager
def unpacked(source: Path) -> Iterator[Unpacked]:
    """The archive at ``source`` once every check has passed, open while the block runs (its
    files are read from it when asked for); else ``ArchiveRefused``. ``source`` must be a file
    no one else writes: what was checked is what is read."""
    with _open(source) as zf:
        manifest = _manifest(zf)
        files = _files(zf, manifest["files"])
        log = _verified_log(files, manifest)
        yield Unpacked(str(manifest["meeting"]), manifest, files, log)


def open_member(source: Path, path: str) -> Chunks | None:
    """One listed file of a kept archive, open to be sent in chunks (None if it holds no
    such file). Its sum is checked first, by reading it through once in chunks too: the whole
    archive was verified when it was added, this read checks only its file, and never holds
    it whole. The ZIP stays open until it is sent, so a record replaced meanwhile does not
    change what was checked."""
    zf = zipfile.ZipFile(source)
    try:
        entry = _manifest(zf)["files"].get(path)
        if not isinstance(entry, dict):
            zf.close()
            return None
        if _sha_of_member(zf, path) != entry.get("sha256"):
            raise ArchiveRefused(f"{path} no longer matches its SHA-256 in the manifest")
        return Chunks(zf.open(path), zf.getinfo(path).file_size, zf)
    except BaseException:
        zf.close()
        raise
