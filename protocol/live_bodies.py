"""The body of each ``live`` message kind, one ``TypedDict`` each, as the server's live hooks
write them (each names its writer). Live values are not logged: the latest one replaces the
one before (``live`` in docs/protocol.md).

``protocol.asyncapi`` publishes these in /asyncapi.json; tests/contract/test_live_and_snapshot.py
checks the live frames of a real meeting against the published schema, so a key added where
a body is written and not here fails there.
"""

# No ``from __future__ import annotations``: with string annotations Python 3.11 cannot see
# ``NotRequired`` when it builds a TypedDict (see protocol/command_bodies.py).

from typing import NotRequired, TypedDict

from protocol.attendance_shapes import AttendanceRecordMap, QuorumMap
from protocol.snapshot_state import FeedbackEntry, QuestionEntry


class PresenceBody(TypedDict):
    """``rooms.quorum.Quorum.counts``: what a delegate's tablet shows."""

    present: int
    entitled: int
    met: bool | None


class MeBody(TypedDict):
    """server/attendance_live.py: the participant's own attendance, to their devices only."""

    attendance: AttendanceRecordMap


class QuestionVotesBody(TypedDict):
    """server/floor_live.py: approved question id → its votes."""

    votes: dict[str, int]


class PollProgressRow(TypedDict):
    poll: str
    voted: int
    eligible: int
    closes_at: int | None


class PollProgressBody(TypedDict):
    """server/poll_live.py: each open poll's turnout."""

    polls: list[PollProgressRow]


class PollTallyRow(TypedDict):
    poll: str
    options: dict[str, int]  # option id → ballots naming it so far
    blank: int


class PollTallyBody(TypedDict):
    """server/poll_live.py: the running count of open named polls with ``live_tally`` (to
    staff and the hall screen)."""

    polls: list[PollTallyRow]


class PollEligibilityBody(TypedDict):
    """server/poll_live.py: to a voter who does not cast exactly their own ballot: whom they
    cast for (none, or themselves and the delegates whose proxy they hold)."""

    poll: str
    may_cast_for: list[str]


class MineBody(TypedDict):
    """server/floor_live.py (rooms/my_items.py): a delegate's own questions and feedback, to
    their own devices only: all of them on connecting (``all``), then each one that changed."""

    questions: list[QuestionEntry]
    feedback: list[FeedbackEntry]
    all: NotRequired[bool]  # true: the whole list, replacing what the tablet had


LIVE_BODIES: dict[str, type] = {
    "me": MeBody,
    "mine": MineBody,
    "poll.eligibility": PollEligibilityBody,
    "poll.progress": PollProgressBody,
    "poll.tally": PollTallyBody,
    "presence": PresenceBody,
    "questions.votes": QuestionVotesBody,
    "quorum": QuorumMap,
}
