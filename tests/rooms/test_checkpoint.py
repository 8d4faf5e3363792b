"""A checkpoint restores exactly the state a full fold gives, and refuses what it cannot read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rooms import aggregate, checkpoint, polls, questions
from rooms.checkpoint import CheckpointError, decode_state, encode_state
from rooms.model import Event, Rejected
from rooms.poll_state import PollStatus
from rooms.state import MeetingState, with_slice
from tests.rooms import floor_fixtures
from tests.rooms.minutes_fixtures import Meeting, full_meeting, partial_named_meeting

PEOPLE = ("C1", "S1", "D1", "D2", "D3", "D4")


def resumed(events: list[Event], cut: int) -> MeetingState:
    """Fold ``events[:cut]``, go through a checkpoint, fold the rest."""
    state = aggregate.fold(events[:cut])
    restored = decode_state(encode_state(state))
    assert restored == state
    for seq, event in enumerate(events[cut:], start=cut + 1):
        restored = aggregate.evolve(restored, event, seq)
    return restored


@pytest.mark.parametrize("build", [full_meeting, partial_named_meeting])
def test_a_checkpoint_at_every_seq_of_a_rich_meeting_resumes_to_the_full_fold(
    build: Callable[[], Meeting],
) -> None:
    events = [entry.event for entry in build().entries]
    full = aggregate.fold(events)
    for cut in range(1, len(events) + 1):
        assert resumed(events, cut) == full


def test_the_floor_survives_a_checkpoint() -> None:
    state = floor_fixtures.given(*floor_fixtures.opened_meeting())
    commands: list[tuple[str, str, dict[str, Any]]] = [
        ("s1", "agenda.import", {"items": [{"id": "1", "title": "Thảo luận"}]}),
        ("c1", "agenda.set_current", {"id": "1"}),
        ("d1", "question.ask", {"id": "q1", "text": "Khi nào có kết quả?"}),
        ("d2", "speakers.request", {}),
        ("c1", "agenda.timer.start", {"seconds": 300}),
        ("c1", "question.approve", {"id": "q1"}),
        ("d3", "question.vote", {"id": "q1", "up": True}),
    ]
    for who, kind, body in commands:
        state = floor_fixtures.then_apply(state, floor_fixtures.when(state, who, kind, body))
    assert questions.questions_of(state).questions["q1"].status == questions.APPROVED
    assert decode_state(encode_state(state)) == state


def test_the_same_state_gives_the_same_bytes() -> None:
    state = full_meeting().state
    assert state is not None
    assert encode_state(decode_state(encode_state(state))) == encode_state(state)


# ---- random meetings ----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    kind: str
    body: Callable[[Meeting, int], dict[str, Any]]
    who: tuple[str, ...] = ("C1", "S1")


DELEGATES = ("D1", "D2", "D3", "D4")


def _question(m: Meeting, n: int) -> str:
    assert m.state is not None
    ids = sorted(questions.questions_of(m.state).questions) or ["q0"]
    return ids[n % len(ids)]


STEPS: tuple[Step, ...] = (
    Step("meeting.adjourn", lambda m, n: {}, ("C1",)),
    Step("meeting.resume", lambda m, n: {}, ("C1",)),
    Step("checkin.manual", lambda m, n: {"participant": PEOPLE[n]}),
    Step("checkin.out", lambda m, n: {"participant": PEOPLE[n]}),
    Step("checkin.absent", lambda m, n: {"participant": PEOPLE[n], "reason": f"lý do {n}"}),
    Step("proxy.grant", lambda m, n: {"from": PEOPLE[n], "to": PEOPLE[(n + 1) % 6]}),
    Step("proxy.revoke", lambda m, n: {"from": PEOPLE[n]}),
    Step("agenda.add", lambda m, n: {"item": {"id": f"b{n}", "title": f"Mục {n}"}}),
    Step("agenda.set_current", lambda m, n: {"id": f"a{n}"}, ("C1",)),
    Step("speakers.request", lambda m, n: {}, DELEGATES),
    Step("speakers.give_floor", lambda m, n: {}, ("C1",)),
    Step("speakers.end", lambda m, n: {}, ("C1",)),
    Step("feedback.submit", lambda m, n: {"id": f"f{n}", "text": f"Ý kiến {n}"}, DELEGATES),
    Step("note.add", lambda m, n: {"item": f"a{n}", "text": f"Ghi chú {n}"}, ("S1",)),
    Step("question.ask", lambda m, n: {"id": f"q{n}", "text": f"Câu hỏi {n}"}, DELEGATES),
    Step("question.approve", lambda m, n: {"id": _question(m, n)}, ("C1",)),
    Step("question.vote", lambda m, n: {"id": _question(m, n), "up": n % 2 == 0}, DELEGATES),
    Step("poll.create", lambda m, n: {
        "id": f"p{n}", "title": f"Biểu quyết {n}", "method": "yes_no_abstain",
        "rule": "more than 1/2 of valid ballots", "secret": n % 2 == 1}, ("S1",)),
    Step("poll.open", lambda m, n: {"poll": f"p{n}"}, ("C1",)),
    Step("poll.close", lambda m, n: {"poll": f"p{n}"}, ("C1",)),
)


def _run(m: Meeting, step: Step, n: int) -> None:
    assert m.state is not None
    if step.kind == "poll.close":
        poll = polls.polls_of(m.state).polls.get(f"p{n}")
        if poll is None or poll.status != PollStatus.OPEN or poll.snapshot is None:
            return
        voters = sorted(poll.snapshot.voters)
        m.close_poll(poll.id, {v: ("yes", "no", "abstain")[i % 3] for i, v in enumerate(voters)},
                     minute=n)
        return
    try:
        m.do(step.who[n % len(step.who)], step.kind, step.body(m, n), minute=n)
    except Rejected:
        pass  # a command the rules refuse leaves no event: the log is what was allowed


def random_meeting(program: list[tuple[Step, int]]) -> Meeting:
    """An opened meeting with an agenda, then the program's commands."""
    m = Meeting()
    m.do("S1", "agenda.import",
         {"items": [{"id": f"a{i}", "title": f"Mục {i}"} for i in range(6)]})
    m.do("C1", "meeting.open")
    for step, n in program:
        _run(m, step, n)
    return m


programs = st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 5)),
                    min_size=1, max_size=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs, data=st.data())
def test_a_checkpoint_of_a_random_meeting_resumes_to_the_full_fold(
    program: list[tuple[Step, int]], data: st.DataObject
) -> None:
    events = [entry.event for entry in random_meeting(program).entries]
    cut = data.draw(st.integers(1, len(events)), label="cut")
    assert resumed(events, cut) == aggregate.fold(events)


# ---- what is refused ----------------------------------------------------------------------


def _state() -> MeetingState:
    state = full_meeting().state
    assert state is not None
    return state


def test_garbage_and_truncated_bytes_are_refused() -> None:
    data = encode_state(_state())
    for bad in (b"", b"\xc1", b"not a checkpoint", data[: len(data) // 2], data + b"\x00"):
        with pytest.raises(CheckpointError):
            decode_state(bad)


def test_another_schema_version_or_fingerprint_is_refused() -> None:
    version, fingerprint, tree = msgpack.unpackb(encode_state(_state()), raw=False,
                                                 strict_map_key=False)
    for header in ((version + 1, fingerprint), (version, "0" * 16)):
        with pytest.raises(CheckpointError, match="schema"):
            decode_state(msgpack.packb([*header, tree], use_bin_type=True))


def test_a_tree_that_does_not_fit_the_types_is_refused() -> None:
    _, _, tree = msgpack.unpackb(encode_state(_state()), raw=False, strict_map_key=False)
    for broken in (tree[:-1], [3, "rooms.model.Nothing", 1], [99, 1], "a string"):
        data = msgpack.packb([checkpoint.SCHEMA_VERSION, checkpoint.FINGERPRINT, broken],
                             use_bin_type=True)
        with pytest.raises(CheckpointError):
            decode_state(data)


def test_a_state_type_outside_the_listed_modules_cannot_be_written() -> None:
    @dataclass(frozen=True)
    class Stray:
        n: int

    with pytest.raises(CheckpointError, match="STATE_MODULES"):
        encode_state(with_slice(_state(), "stray", Stray(1)))


def test_the_fingerprint_changes_with_a_field_of_a_state_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    @dataclass(frozen=True)
    class Participant:  # rooms.model.Participant with one more field
        id: str
        badge_colour: str

    assert checkpoint._fingerprint() == checkpoint.FINGERPRINT
    changed = {**checkpoint._TYPES, "rooms.model.Participant": Participant}
    monkeypatch.setattr(checkpoint, "_TYPES", changed)
    assert checkpoint._fingerprint() != checkpoint.FINGERPRINT
