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

import hashlib
import io
import json
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rooms.log_verify import verify_export

__all__ = ["FORMAT", "ArchiveRefused", "Unpacked", "pack", "read_member", "unpack"]

FORMAT = "phonghop-archive-v1"
MANIFEST = "manifest.json"
LOG = "log.json"
# Unpacked, an archive may hold this much (a zip bomb is refused before it is inflated).
MAX_UNPACKED = 2 * 1024**3
MAX_FILES = 5000
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ArchiveRefused(ValueError):
    """The file is not a sound archive of a meeting; nothing was imported."""


@dataclass(frozen=True)
class Unpacked:
    meeting: str
    manifest: dict[str, Any]
    files: dict[str, bytes]  # path -> bytes, every file but the manifest
    log: dict[str, Any]  # log.json, parsed and verified


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pack(meeting: str, files: Mapping[str, bytes], final_hash: str, created_at: int) -> bytes:
    """The ZIP of ``files`` with their manifest. PDFs are stored (already compressed)."""
    manifest = {
        "format": FORMAT, "meeting": meeting, "final_hash": final_hash,
        "hash_algorithm": "sha256-chain-v1", "created_at": created_at,
        "files": {path: {"sha256": _sha(data), "size": len(data)}
                  for path, data in sorted(files.items())},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1),
                    zipfile.ZIP_DEFLATED)
        for path, data in sorted(files.items()):
            method = zipfile.ZIP_STORED if path.endswith(".pdf") else zipfile.ZIP_DEFLATED
            zf.writestr(path, data, method)
    return out.getvalue()


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ArchiveRefused("not a ZIP file") from None
    infos = zf.infolist()
    if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > MAX_UNPACKED:
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


def _files(zf: zipfile.ZipFile, listed: Mapping[str, Any]) -> dict[str, bytes]:
    names = {i.filename for i in zf.infolist() if not i.is_dir()} - {MANIFEST}
    if extra := sorted(names - set(listed)):
        raise ArchiveRefused(f"files not in the manifest: {', '.join(extra[:5])}")
    files: dict[str, bytes] = {}
    for path, entry in listed.items():
        if not _SAFE_PATH.match(path) or ".." in path.split("/"):
            raise ArchiveRefused(f"unsafe file name in the manifest: {path!r}")
        if path not in names:
            raise ArchiveRefused(f"{path} is in the manifest but not in the ZIP")
        try:
            data = zf.read(path)
        except (zipfile.BadZipFile, zlib.error):
            raise ArchiveRefused(f"{path} is damaged in the ZIP (its CRC does not match)") from None
        if not isinstance(entry, dict) or _sha(data) != entry.get("sha256"):
            raise ArchiveRefused(f"{path} does not match its SHA-256 in the manifest: "
                                 "the file was changed after export")
        files[path] = data
    return files


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


def unpack(data: bytes) -> Unpacked:
    """The archive's files once every check has passed; else ``ArchiveRefused``."""
    with _open(data) as zf:
        manifest = _manifest(zf)
        files = _files(zf, manifest["files"])
    log = _verified_log(files, manifest)
    return Unpacked(str(manifest["meeting"]), manifest, files, log)


def read_member(source: Path, path: str) -> bytes | None:
    """One listed file of a kept archive (None if it holds no such file), checked against its
    sum: the whole archive was verified when it was added; this read checks only its file."""
    with zipfile.ZipFile(source) as zf:
        entry = _manifest(zf)["files"].get(path)
        if not isinstance(entry, dict):
            return None
        data = zf.read(path)
    if _sha(data) != entry.get("sha256"):
        raise ArchiveRefused(f"{path} no longer matches its SHA-256 in the manifest")
    return data
