"""JSON Schema for the protocol's Python types: command ``Field`` specs, ``TypedDict`` bodies,
the envelope dataclasses. Used by ``protocol.asyncapi`` to publish the contract. Pure.

Named maps (a ``TypedDict`` or a dataclass) are put once in ``defs`` under their class name and
referred to with ``$ref``, so a client generator gets one type per map, as the code has.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin

from protocol.schema import Field, FieldType

SchemaMap = dict[str, Any]
REF_PREFIX = "#/components/schemas/"

_FIELD_TYPES: dict[FieldType, SchemaMap] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "num": {"type": "number"},
    "list": {"type": "array"},
    "map": {"type": "object"},
    "any": {},
}
_PLAIN: dict[type, SchemaMap] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    bool: {"type": "boolean"},
    float: {"type": "number"},
    type(None): {"type": "null"},
}


def field_schema(spec: Field) -> SchemaMap:
    """A command body field as protocol.schema.validate checks it."""
    out: SchemaMap = dict(_FIELD_TYPES[spec.type])
    if spec.type == "str":
        out["maxLength"] = spec.max_len
        if spec.choices:
            out["enum"] = list(spec.choices)
    if spec.type in ("int", "num"):
        if spec.min is not None:
            out["minimum"] = spec.min
        if spec.max is not None:
            out["maximum"] = spec.max
    if spec.type == "list":
        out["maxItems"] = spec.max_len
        if spec.items is not None:
            out["items"] = field_schema(Field(spec.items))
    return out


def command_body_schema(fields: typing.Mapping[str, Field]) -> SchemaMap:
    """A command body: its fields, the required ones, nothing else (unknown is ``bad_field``)."""
    return {
        "type": "object",
        "properties": {name: field_schema(spec) for name, spec in fields.items()},
        "required": [name for name, spec in fields.items() if spec.required],
        "additionalProperties": False,
    }


def type_schema(tp: Any, defs: dict[str, SchemaMap]) -> SchemaMap:
    """The JSON Schema of a Python type; named maps are added to ``defs`` and referred to."""
    if tp is Any:
        return {}
    if typing.is_typeddict(tp) or dataclasses.is_dataclass(tp):
        return _named(tp, defs)
    origin = get_origin(tp)
    if origin is Literal:
        return _literal(get_args(tp))
    if origin is Union or origin is types.UnionType:
        return _union(get_args(tp), defs)
    if origin is list or origin is tuple:
        return {"type": "array", "items": type_schema(get_args(tp)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": type_schema(get_args(tp)[1], defs)}
    if tp in _PLAIN:
        return dict(_PLAIN[tp])
    if tp is dict:
        return {"type": "object"}
    raise TypeError(f"no JSON Schema for {tp!r}")


def map_fields(tp: Any) -> tuple[dict[str, Any], frozenset[str]]:
    """A TypedDict's or dataclass's value types by key and its required keys."""
    hints = typing.get_type_hints(tp, include_extras=True)
    for key, hint in hints.items():
        if get_origin(hint) in (NotRequired, Required):
            (hints[key],) = get_args(hint)
    if dataclasses.is_dataclass(tp):
        required = frozenset(
            f.name
            for f in dataclasses.fields(tp)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )
        return hints, required
    return hints, frozenset(tp.__required_keys__)


def _named(tp: Any, defs: dict[str, SchemaMap]) -> SchemaMap:
    name = tp.__name__
    if name not in defs:
        defs[name] = {}  # a placeholder first: a map may (indirectly) hold itself
        hints, required = map_fields(tp)
        schema: SchemaMap = {
            "type": "object",
            "properties": {key: type_schema(hint, defs) for key, hint in hints.items()},
            "required": sorted(required),
            "additionalProperties": False,
        }
        if tp.__doc__ and not dataclasses.is_dataclass(tp):
            schema["description"] = " ".join(tp.__doc__.split())
        defs[name] = schema
    return {"$ref": REF_PREFIX + name}


def _literal(choices: tuple[Any, ...]) -> SchemaMap:
    kinds = {type(c) for c in choices}
    out: SchemaMap = {"enum": list(choices)}
    if len(kinds) == 1 and (kind := next(iter(kinds))) in _PLAIN:
        out.update(_PLAIN[kind])
    return out


def _union(members: tuple[Any, ...], defs: dict[str, SchemaMap]) -> SchemaMap:
    schemas = [type_schema(m, defs) for m in members]
    plain = [s for s in schemas if set(s) == {"type"}]
    if len(plain) == len(schemas):
        return {"type": [s["type"] for s in plain]}
    return {"anyOf": schemas}
