"""Reads from a Redis client made without ``decode_responses``, typed as what it returns.

redis-py types each reply as ``bytes | str`` (whichever way the client decodes) and XRANGE's
as possibly ``None``; the tests' clients never decode, so these narrow the replies to bytes,
checking that they are."""

from __future__ import annotations

import redis


def as_bytes(value: bytes | str | None) -> bytes:
    assert isinstance(value, bytes), value
    return value


def hash_of(r: redis.Redis, key: str) -> dict[bytes, bytes]:
    """HGETALL, in the order Redis gives it."""
    return {as_bytes(field): as_bytes(value) for field, value in r.hgetall(key).items()}


def stream_of(r: redis.Redis, key: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
    """XRANGE of the whole stream: each entry's id and fields."""
    entries = r.xrange(key)
    assert entries is not None
    out: list[tuple[bytes, dict[bytes, bytes]]] = []
    for entry_id, fields in entries:
        assert fields is not None
        out.append((as_bytes(entry_id), {as_bytes(f): as_bytes(v) for f, v in fields.items()}))
    return out
