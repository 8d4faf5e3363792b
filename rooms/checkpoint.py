"""A meeting's folded state as bytes and back: the checkpoint that lets a restart fold only the
tail of a long log. Pure: the shell stores the bytes (server/checkpoints.py).

A checkpoint is a cache, never the record: the shell verifies it against the log before use
and folds from the start when it does not fit. What it holds is the state's frozen
dataclasses, enums and containers, walked field by field; nothing the memoising helpers
(rooms/memo.py) compute is in a state, so nothing of theirs is stored.

Format: msgpack of ``[SCHEMA_VERSION, FINGERPRINT, tree]``. In the tree, scalars (None, bool,
int, float, str, bytes) stand as themselves and every other value is an array whose first
item says what it is (``_LIST`` … ``_SET`` below). ``FINGERPRINT`` digests every stored
class's name, fields and field types, and every enum's members, so a checkpoint written by
code whose state types differ is refused without anyone remembering to bump the version.
Bump ``SCHEMA_VERSION`` when an evolver changes what it derives from the same events.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping
from decimal import Decimal
from enum import Enum
from types import ModuleType
from typing import Any

import msgpack

from rooms import (
    agenda,
    agenda_items,
    attendance,
    attendance_state,
    ballots,
    documents,
    feedback,
    lifecycle,
    majority,
    model,
    notes,
    poll_state,
    proxies,
    questions,
    quorum,
    speakers,
    state,
    tally,
)
from rooms.state import MeetingState

SCHEMA_VERSION = 1

# The modules whose dataclasses and enums may appear in a meeting's state. A feature that
# adds a state type in a new module lists the module here; until then writing a checkpoint
# of a state holding it raises CheckpointError (and the shell keeps folding from the start).
STATE_MODULES: tuple[ModuleType, ...] = (
    model, lifecycle, state, agenda, agenda_items, attendance, attendance_state, ballots,
    documents, feedback, majority, notes, poll_state, proxies, questions, quorum, speakers,
    tally,
)

_LIST, _TUPLE, _DICT, _DATACLASS, _ENUM, _DECIMAL, _FROZENSET, _SET = range(8)
_SCALARS = (str, int, bool, float, bytes, type(None))


class CheckpointError(ValueError):
    """The bytes are not a checkpoint this code can restore (other version, corrupt)."""


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _collect() -> dict[str, type]:
    found: dict[str, type] = {}
    for module in STATE_MODULES:
        for value in vars(module).values():
            if not isinstance(value, type) or value.__module__ != module.__name__:
                continue
            if dataclasses.is_dataclass(value) or issubclass(value, Enum):
                found[_name(value)] = value
    return found


_TYPES: dict[str, type] = _collect()
# Field names of each dataclass, in definition order: the order its values are stored in.
_FIELDS: dict[type, tuple[str, ...]] = {
    cls: tuple(f.name for f in dataclasses.fields(cls))
    for cls in _TYPES.values()
    if dataclasses.is_dataclass(cls)
}


def _fingerprint() -> str:
    parts: list[str] = []
    for name in sorted(_TYPES):
        cls = _TYPES[name]
        if dataclasses.is_dataclass(cls):
            fields = ",".join(f"{f.name}:{f.type}" for f in dataclasses.fields(cls))
            parts.append(f"{name}({fields})")
        else:
            assert issubclass(cls, Enum)
            parts.append(f"{name}[{','.join(f'{m.name}={m.value!r}' for m in cls)}]")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


FINGERPRINT = _fingerprint()


# ---- encoding ---------------------------------------------------------------------------


def encode_state(meeting: MeetingState) -> bytes:
    """The checkpoint of ``meeting``; raises CheckpointError on a value it cannot store."""
    tree = _encode(meeting)
    packed: bytes = msgpack.packb([SCHEMA_VERSION, FINGERPRINT, tree], use_bin_type=True)
    return packed


def _encode(value: Any) -> Any:
    kind = type(value)
    if kind in _SCALARS:
        return value
    encoder = _ENCODERS.get(kind)
    if encoder is not None:
        return encoder(value)
    if kind in _FIELDS:
        return [_DATACLASS, _name(kind), *(_encode(getattr(value, f)) for f in _FIELDS[kind])]
    if isinstance(value, Enum) and _TYPES.get(_name(kind)) is kind:
        return [_ENUM, _name(kind), value.value]
    if isinstance(value, Mapping):  # a read-only view of a dict, say
        return _encode_dict(value)
    raise CheckpointError(f"a {_name(kind)} cannot be stored: list its module in STATE_MODULES")


def _encode_dict(value: Mapping[Any, Any]) -> list[Any]:
    out: list[Any] = [_DICT]
    for key, item in value.items():
        out.append(_encode(key))
        out.append(_encode(item))
    return out


_ENCODERS: dict[type, Callable[[Any], Any]] = {
    list: lambda v: [_LIST, *map(_encode, v)],
    tuple: lambda v: [_TUPLE, *map(_encode, v)],
    dict: _encode_dict,
    Decimal: lambda v: [_DECIMAL, str(v)],
    # Sorted so the same state gives the same bytes (the items of a set are comparable here:
    # roles, ids).
    frozenset: lambda v: [_FROZENSET, *sorted(map(_encode, v), key=repr)],
    set: lambda v: [_SET, *sorted(map(_encode, v), key=repr)],
}


# ---- decoding ---------------------------------------------------------------------------


def decode_state(data: bytes) -> MeetingState:
    """The state ``encode_state`` stored; CheckpointError if it is not one of this code's."""
    try:
        version, fingerprint, tree = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except (ValueError, TypeError, msgpack.ExtraData, msgpack.FormatError,
            msgpack.StackError) as exc:
        raise CheckpointError(f"not a checkpoint: {exc}") from None
    if version != SCHEMA_VERSION or fingerprint != FINGERPRINT:
        raise CheckpointError(f"checkpoint schema {version}/{fingerprint}, "
                              f"this code reads {SCHEMA_VERSION}/{FINGERPRINT}")
    try:
        restored = _decode(tree)
    except (ValueError, TypeError, KeyError, IndexError, ArithmeticError) as exc:
        raise CheckpointError(f"corrupt checkpoint: {exc!r}") from None
    if not isinstance(restored, MeetingState):
        raise CheckpointError("a checkpoint holds a MeetingState")
    return restored


def _decode(node: Any) -> Any:
    if not isinstance(node, list):
        return node
    tag = node[0]
    if tag == _DATACLASS:
        cls = _TYPES[node[1]]
        names = _FIELDS[cls]
        if len(node) - 2 != len(names):
            raise ValueError(f"{node[1]} has {len(names)} fields, stored {len(node) - 2}")
        return cls(**{n: _decode(v) for n, v in zip(names, node[2:], strict=True)})
    if tag == _DICT:
        items = node[1:]
        return {_decode(items[i]): _decode(items[i + 1]) for i in range(0, len(items), 2)}
    if tag == _ENUM:
        return _TYPES[node[1]](node[2])
    decoder = _DECODERS.get(tag)
    if decoder is None:
        raise ValueError(f"unknown tag {tag!r}")
    return decoder(node[1:])


_DECODERS: dict[int, Callable[[list[Any]], Any]] = {
    _LIST: lambda items: [_decode(i) for i in items],
    _TUPLE: lambda items: tuple(_decode(i) for i in items),
    _DECIMAL: lambda items: Decimal(items[0]),
    _FROZENSET: lambda items: frozenset(_decode(i) for i in items),
    _SET: lambda items: {_decode(i) for i in items},
}
