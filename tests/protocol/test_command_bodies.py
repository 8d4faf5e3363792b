"""Each command kind's TypedDict (protocol/command_bodies.py) says what its schema says."""

from __future__ import annotations

import inspect
import typing
from typing import Any, Literal, NotRequired, get_args, get_origin

import pytest

from protocol import command_bodies
from protocol.command_bodies import COMMAND_BODIES
from protocol.commands import COMMANDS
from protocol.schema import Field, FieldType

_PLAIN: dict[FieldType, object] = {
    "str": str,
    "int": int,
    "bool": bool,
    "num": float,
    "map": dict[str, Any],
    "any": Any,
}


def expected_type(field: Field) -> object:
    """The annotation a field of this schema has in its body's TypedDict."""
    if field.type == "str" and field.choices:
        return Literal[field.choices]
    if field.type == "list":
        return list[_PLAIN[field.items] if field.items else Any]  # type: ignore[misc]
    return _PLAIN[field.type]


def test_every_command_kind_has_exactly_one_body_type() -> None:
    assert set(COMMAND_BODIES) == set(COMMANDS)
    bodies = list(COMMAND_BODIES.values())
    assert len(set(bodies)) == len(bodies), "two kinds share one body type"
    # A private base (the fields two bodies share) is no kind's body of its own.
    defined = {
        obj
        for name, obj in inspect.getmembers(command_bodies)
        if typing.is_typeddict(obj) and not name.startswith("_")
    }
    assert defined == set(bodies), "a body type that no kind uses"


@pytest.mark.parametrize("kind", sorted(COMMANDS))
def test_body_type_keys_equal_the_schema(kind: str) -> None:
    schema, body = COMMANDS[kind], COMMAND_BODIES[kind]  # type: ignore[index]
    required = {name for name, field in schema.items() if field.required}
    optional = {name for name, field in schema.items() if not field.required}
    # A TypedDict class is a plain ``type`` to mypy; these attributes exist at run time.
    keys = (body.__required_keys__, body.__optional_keys__)  # type: ignore[attr-defined]
    assert (set(keys[0]), set(keys[1])) == (required, optional)


@pytest.mark.parametrize("kind", sorted(COMMANDS))
def test_body_type_values_equal_the_schema(kind: str) -> None:
    schema, body = COMMANDS[kind], COMMAND_BODIES[kind]  # type: ignore[index]
    hints = typing.get_type_hints(body, include_extras=True)
    for name, field in schema.items():
        hint = hints[name]
        if get_origin(hint) is NotRequired:
            (hint,) = get_args(hint)
        assert hint == expected_type(field), f"{kind}.{name}"


def test_the_value_check_tells_types_apart() -> None:
    assert expected_type(Field("str", choices=("a", "b"))) == Literal["a", "b"]
    assert expected_type(Field("list", items="str")) == list[str]
    assert expected_type(Field("list")) == list[Any]
    assert expected_type(Field("int")) != expected_type(Field("num"))
