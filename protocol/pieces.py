"""A large frame encoded in pieces: what ``codec.encode_map`` gives, byte for byte, once the
pieces are joined.

A staff snapshot of a congress holds its roster and its attendance, 5,000 entries each:
encoded in one call, about 45 ms of JSON (22 ms of msgpack) in which the server's event
loop serves no one else. Here a long list or map is encoded ``slice_items`` entries at a
time, and the maps above it key by key, so that the shell can let other work run between
pieces (server/hub.py). Pure: no I/O, no clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import msgpack

__all__ = ["SLICE", "json_pieces", "msgpack_pieces"]

SLICE = 256  # entries of a long list or map encoded at once: ~1 ms of a roster in JSON
_DEPTH = 4  # maps this deep are walked key by key; deeper ones are encoded whole
_PACKER = msgpack.Packer(use_bin_type=True)


def _json(value: Any) -> str:
    # The options of codec.encode_map.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_pieces(value: Any, slice_items: int = SLICE, depth: int = 0) -> Iterator[str]:
    """``codec.encode_map(value, "json")`` in pieces."""
    if type(value) is list and len(value) > slice_items:
        yield "["
        for start in range(0, len(value), slice_items):
            yield ("," if start else "") + _json(value[start:start + slice_items])[1:-1]
        yield "]"
    elif type(value) is dict and value and all(type(key) is str for key in value):
        if len(value) > slice_items:
            entries = list(value.items())
            yield "{"
            for start in range(0, len(entries), slice_items):
                part = dict(entries[start:start + slice_items])
                yield ("," if start else "") + _json(part)[1:-1]
            yield "}"
        elif depth < _DEPTH:
            mark = "{"
            for key, item in value.items():
                yield mark + _json(key) + ":"
                yield from json_pieces(item, slice_items, depth + 1)
                mark = ","
            yield "}"
        else:
            yield _json(value)
    else:
        yield _json(value)


def msgpack_pieces(value: Any, slice_items: int = SLICE, depth: int = 0) -> Iterator[bytes]:
    """``codec.encode_map(value, "msgpack")`` in pieces."""
    pack = _PACKER.pack
    if type(value) is list and len(value) > slice_items:
        yield _PACKER.pack_array_header(len(value))
        for start in range(0, len(value), slice_items):
            yield b"".join([pack(item) for item in value[start:start + slice_items]])
    elif type(value) is dict and len(value) > slice_items:
        entries = list(value.items())
        yield _PACKER.pack_map_header(len(value))
        for start in range(0, len(entries), slice_items):
            yield b"".join([pack(key) + pack(item)
                            for key, item in entries[start:start + slice_items]])
    elif type(value) is dict and depth < _DEPTH:
        yield _PACKER.pack_map_header(len(value))
        for key, item in value.items():
            yield pack(key)
            yield from msgpack_pieces(item, slice_items, depth + 1)
    else:
        yield pack(value)
