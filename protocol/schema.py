"""Field specifications for command bodies, and the validator that enforces them.

A command body is checked here against its kind's fields before the domain sees it: wrong
types or unknown fields are protocol errors, so ``rooms`` can trust shapes and only decide
whether the command is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, assert_never

from protocol import limits
from protocol.errors import ErrorCode, ProtocolError

FieldType = Literal["str", "int", "bool", "num", "list", "map", "any"]


@dataclass(frozen=True)
class Field:
    type: FieldType
    required: bool = True
    max_len: int = limits.MAX_STRING_CHARS
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    items: FieldType | None = None


Schema = Mapping[str, Field]


def validate(kind: str, body: Mapping[str, Any], schemas: Mapping[str, Schema]) -> dict[str, Any]:
    schema = schemas.get(kind)
    if schema is None:
        raise ProtocolError(ErrorCode.UNKNOWN_KIND, f"unknown command kind {kind!r}")
    if body.keys() - schema.keys():
        unknown = sorted(body.keys() - schema.keys())
        raise ProtocolError(ErrorCode.BAD_FIELD, f"{kind}: unknown field(s) {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for name, spec in schema.items():
        value = body.get(name)
        if value is None:
            if spec.required:
                raise ProtocolError(ErrorCode.BAD_FIELD, f"{kind}: field '{name}' is required")
            continue
        # A short string of any length-limited field, the most common case, is checked here;
        # the field's name is spelled out only in an error.
        if (spec.type == "str" and type(value) is str and len(value) <= spec.max_len
                and (not spec.choices or value in spec.choices)):
            out[name] = value
        else:
            out[name] = _check(f"{kind}.{name}", value, spec)
    return out


def _check(where: str, value: Any, spec: Field) -> Any:
    ok = _is_type(value, spec.type)
    if not ok:
        raise ProtocolError(ErrorCode.BAD_FIELD, f"{where} must be of type {spec.type}")
    if spec.type == "str":
        if len(value) > spec.max_len:
            raise ProtocolError(ErrorCode.BAD_FIELD, f"{where} is longer than {spec.max_len}")
        if spec.choices and value not in spec.choices:
            raise ProtocolError(
                ErrorCode.BAD_FIELD, f"{where} must be one of {', '.join(spec.choices)}"
            )
    if spec.type in ("int", "num"):
        if spec.min is not None and value < spec.min:
            raise ProtocolError(ErrorCode.BAD_FIELD, f"{where} must be at least {spec.min}")
        if spec.max is not None and value > spec.max:
            raise ProtocolError(ErrorCode.BAD_FIELD, f"{where} must be at most {spec.max}")
    if spec.type == "list":
        if len(value) > spec.max_len:
            raise ProtocolError(ErrorCode.BAD_FIELD, f"{where} has more than {spec.max_len} items")
        if spec.items is not None:
            item_spec = Field(spec.items)
            for item in value:
                _check(f"{where}[]", item, item_spec)
    return value


def _is_type(value: Any, kind: FieldType) -> bool:
    match kind:
        case "str":
            return isinstance(value, str)
        case "int":
            return isinstance(value, int) and not isinstance(value, bool)
        case "bool":
            return isinstance(value, bool)
        case "num":
            return isinstance(value, int | float) and not isinstance(value, bool)
        case "list":
            return isinstance(value, list)
        case "map":
            return isinstance(value, dict)
        case "any":
            return True
        case _:
            assert_never(kind)
