"""The canonical encoding of log events and the hash chain over them.

An event ``{"kind", "body", "actor", "at"}`` is encoded as msgpack with map keys sorted
(recursively), strings as UTF-8 NFC, integers in their smallest msgpack form. Its digest is
``sha256(canonical_bytes).hexdigest()``. The chain is::

    hash_0 = "0" * 64
    hash_n = sha256(f"{hash_(n-1)}|{n}|{digest_n}".encode()).hexdigest()

so anyone holding an export can recompute every link (``python run.py verify``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import msgpack

GENESIS = "0" * 64


def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted(v) for v in value]
    return value


def canonical_bytes(event: Mapping[str, Any]) -> bytes:
    return msgpack.packb(_sorted(event), use_bin_type=True)  # type: ignore[no-any-return]


def digest(event_bytes: bytes) -> str:
    return hashlib.sha256(event_bytes).hexdigest()


def link(prev_hash: str, seq: int, event_digest: str) -> str:
    return hashlib.sha256(f"{prev_hash}|{seq}|{event_digest}".encode("ascii")).hexdigest()
