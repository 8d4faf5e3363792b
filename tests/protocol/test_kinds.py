"""The closed kinds of protocol/kinds.py are exactly what the tables decide and fold: no
command without a decider, no decider for an unknown kind, no event without an evolver."""

from __future__ import annotations

import ast
from pathlib import Path

from protocol.commands import COMMANDS
from protocol.kinds import (
    COMMAND_KINDS,
    DECIDED_KINDS,
    EVENT_KINDS,
    SERVER_COMMAND_KINDS,
    is_decided_kind,
    is_event_kind,
)
from rooms import aggregate

ROOT = Path(__file__).resolve().parent.parent.parent
HINT = "a kind is added in protocol/kinds.py and in its feature's table, both or neither"


def test_command_kinds_are_the_wire_schemas() -> None:
    assert set(COMMANDS) == COMMAND_KINDS, HINT


def test_server_command_kinds_have_no_wire_schema() -> None:
    # A client may not send them: the HTTP upload routes issue them after their own checks.
    assert SERVER_COMMAND_KINDS
    assert not SERVER_COMMAND_KINDS & set(COMMANDS)


def test_every_decided_kind_has_one_decider_and_every_decider_a_known_kind() -> None:
    assert set(aggregate.DECISIONS) == DECIDED_KINDS, HINT


def test_every_event_kind_has_an_evolver_and_every_evolver_a_known_kind() -> None:
    # meeting.created starts the state, so aggregate.evolve folds it before the table.
    assert set(aggregate.EVOLVERS) == EVENT_KINDS - {"meeting.created"}, HINT


def test_every_event_the_code_makes_is_an_event_kind() -> None:
    made = set()
    for path in sorted((ROOT / "rooms").glob("*.py")) + sorted((ROOT / "server").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Event"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                made.add(node.args[0].value)
    assert len(made) > 20
    assert made <= EVENT_KINDS, HINT


def test_the_guards_know_the_kinds() -> None:
    assert is_decided_kind("ballot.cast") and is_decided_kind("roster.import")
    assert not is_decided_kind("ballot.spoil")
    assert is_event_kind("meeting.created") and not is_event_kind("meeting.create")
