"""Command bodies are checked against their kind's fields before the domain sees them."""

from __future__ import annotations

import pytest

from protocol.commands import COMMANDS, validate_command
from protocol.errors import ErrorCode, ProtocolError
from protocol.schema import Field, validate


def test_known_kind_with_valid_body() -> None:
    assert validate_command("meeting.adjourn", {"reason": "nghỉ giải lao"}) == {
        "reason": "nghỉ giải lao"
    }
    assert validate_command("meeting.open", {}) == {}


@pytest.mark.parametrize(
    ("kind", "body", "code"),
    [
        ("meeting.launch", {}, ErrorCode.UNKNOWN_KIND),
        ("meeting.open", {"extra": 1}, ErrorCode.BAD_FIELD),
        ("meeting.adjourn", {"reason": 5}, ErrorCode.BAD_FIELD),
        ("meeting.adjourn", {"reason": "x" * 2001}, ErrorCode.BAD_FIELD),
        ("participant.remove", {}, ErrorCode.BAD_FIELD),
        ("participant.add", {"id": "X1", "role": "king"}, ErrorCode.BAD_FIELD),
    ],
)
def test_bad_bodies(kind: str, body: dict[str, object], code: ErrorCode) -> None:
    with pytest.raises(ProtocolError) as info:
        validate_command(kind, body)
    assert info.value.code == code


def test_field_types_bounds_and_items() -> None:
    schemas = {
        "k": {
            "n": Field("int", min=1, max=3),
            "b": Field("bool", required=False),
            "xs": Field("list", required=False, max_len=2, items="str"),
        }
    }
    assert validate("k", {"n": 2, "xs": ["a"]}, schemas) == {"n": 2, "xs": ["a"]}
    for body in (
        {"n": 0},
        {"n": 4},
        {"n": True},
        {"n": 1, "b": 1},
        {"n": 1, "xs": [1]},
        {"n": 1, "xs": ["a", "b", "c"]},
    ):
        with pytest.raises(ProtocolError):
            validate("k", body, schemas)


def test_every_schema_field_is_well_formed() -> None:
    for kind, schema in COMMANDS.items():
        assert "." in kind, kind
        for name, spec in schema.items():
            assert isinstance(spec, Field), (kind, name)
