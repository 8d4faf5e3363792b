"""A definition made into a meeting (in memory: the commands the shell would run, decided and
folded) gives the same definition back; a rule that refuses a step names the step's field."""

from __future__ import annotations

from dataclasses import replace
from importlib import resources

import pytest

from rooms.definition import loads_toml
from rooms.definition_meeting import (
    DocumentFile,
    definition_of,
    document_slots,
    plan,
    rehearse,
)
from rooms.model import Rejected
from rooms.polls import PollStatus, polls_of
from tests.rooms.contexts import at

CONGRESS = resources.files("server").joinpath("assets/demo/congress.toml").read_text("utf-8")
T0 = 1_732_000_000_000
PDF = DocumentFile("ab" * 32, 1234, 1, "placeholder.pdf")


def test_a_definition_made_into_a_meeting_gives_itself_back() -> None:
    definition = loads_toml(CONGRESS)
    slots = document_slots(definition)
    assert [(s.id, s.item) for s in slots] == [("d1", "4"), ("d2", "5"), ("d3", "5")]
    steps = plan(definition, [(s, PDF) for s in slots])
    assert [s.kind for s in steps] == ["agenda.import", *["document.add"] * 3,
                                       *["poll.create"] * 4]
    state = rehearse("m1", definition.meeting, steps, at(T0))
    polls = polls_of(state).polls
    assert [(p.id, p.status, p.definition.agenda_item) for p in polls.values()] == [
        ("p2", PollStatus.DRAFT, "2"), ("p3", PollStatus.DRAFT, "3"),
        ("p7", PollStatus.DRAFT, "7"), ("p8", PollStatus.DRAFT, "8")]
    # The roster file's name is the one thing a meeting does not keep.
    assert definition_of(state) == replace(definition,
                                           meeting=replace(definition.meeting, roster=""))


def test_a_refused_step_names_its_field() -> None:
    definition = loads_toml(CONGRESS)
    steps = plan(definition, [])
    steps[1].body["id"] = steps[2].body["id"]  # two polls with one id
    with pytest.raises(Rejected) as info:
        rehearse("m1", definition.meeting, steps, at(T0))
    assert info.value.code == "duplicate" and info.value.details["field"] == "polls.p3"
