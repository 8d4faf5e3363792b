"""The ``state`` of a ``snapshot`` frame, one ``TypedDict`` per map, as ``rooms`` writes it
(``rooms.aggregate.snapshot`` and each feature's ``SNAPSHOT`` part; each map names its writer).

A key is ``NotRequired`` when some roles do not get it (staff-only parts, a delegate's own
lists) or its writer leaves it out. ``protocol.asyncapi`` publishes these in /asyncapi.json;
tests/contract/test_live_and_snapshot.py checks the snapshots of whole meetings, for every
role, against the published schema, so a key added in ``rooms`` and not here fails there.
"""

# No ``from __future__ import annotations``: with string annotations Python 3.11 cannot see
# ``NotRequired`` when it builds a TypedDict (see protocol/command_bodies.py).

from typing import Literal, NotRequired, TypedDict

from protocol.attendance_shapes import AttendanceRecordMap, QuorumMap
from protocol.event_shapes import (
    AgendaItemMap,
    AttendanceMode,
    MeetingSettingsMap,
    Mime,
    ParticipantMap,
    PollCountsMap,
    PollDefinitionMap,
    PollOutcomeMap,
    PollResultMap,
    SpeakKind,
    Total,
)

# ---- the meeting (rooms/aggregate.py, rooms/model.py) -------------------------------------


class MeetingInfoMap(TypedDict):
    """``rooms.model.MeetingInfo.to_dict``: every field ("" when unset); settings as given."""

    title: str
    title_en: str
    place: str
    organisation: str
    timezone: str
    starts: str
    ends: str
    quorum: str
    settings: MeetingSettingsMap


class RoleCounts(TypedDict):
    """How many of each role are on the roster."""

    chair: int
    secretary: int
    delegate: int
    screen: int
    observer: int


# ---- agenda (rooms/agenda.py) -------------------------------------------------------------


class AgendaTimerMap(TypedDict):
    item: str
    started_at: int
    duration_ms: int


class AgendaSnapshot(TypedDict):
    items: list[AgendaItemMap]
    current: str | None
    timer: AgendaTimerMap | None


# ---- attendance (rooms/attendance.py) -----------------------------------------------------


class StaffRecordMap(AttendanceRecordMap):
    """A record as the chair and secretaries see it: with the device it checked in from and
    every device seen while present (double presence)."""

    device: NotRequired[str]
    double_presence: NotRequired[list[str]]


# An active proxy (``rooms.attendance_state.Grant.to_dict``): the snapshot lists no ended one,
# so ``ended_at`` and ``end_reason`` never appear here.
ProxyGrantMap = TypedDict("ProxyGrantMap", {"from": str, "to": str, "at": int, "by": str})


class AttendanceSnapshot(TypedDict):
    """Everyone: their own record and the counts; chair, secretary and screen: the quorum;
    chair and secretary: every record and the proxies."""

    me: AttendanceRecordMap
    present: int
    entitled: int
    met: bool | None
    quorum: NotRequired[QuorumMap]
    records: NotRequired[dict[str, StaffRecordMap]]
    proxies: NotRequired[list[ProxyGrantMap]]


# ---- documents (rooms/documents.py) -------------------------------------------------------


class DocumentVersionEntry(TypedDict):
    version: int
    sha256: str
    size: int
    mime: Mime
    filename: str
    pages: int
    at: int
    by: str
    released: bool


class DocumentEntry(TypedDict):
    """Delegates, screens and observers get released documents and versions only."""

    id: str
    title: str
    item: str | None
    current: int | None
    versions: list[DocumentVersionEntry]


class FollowMap(TypedDict):
    document: str
    version: int
    page: int
    at: int


# ---- feedback, notes, questions -----------------------------------------------------------


class FeedbackEntry(TypedDict):
    """``rooms.feedback.Feedback.to_dict``."""

    id: str
    author: str
    item: str | None
    text: str
    at: int
    document: str | None
    version: int | None
    page: int | None
    paragraph: int | None
    tags: list[str]
    status: Literal["new", "accepted", "answered"]
    answer: str
    merged_into: str | None


class NoteEntry(TypedDict):
    """``rooms.notes.Note.to_dict`` (staff only)."""

    id: str
    item: str
    text: str
    author: str
    at: int
    edited_at: int


class QuestionEntry(TypedDict):
    """``rooms.questions.Question.to_dict``."""

    id: str
    author: str
    item: str | None
    text: str
    at: int
    status: Literal["pending", "approved", "hidden"]
    answered: bool
    votes: int


# ---- polls (rooms/polls.py poll_view) -----------------------------------------------------


class PollSnapshotCounts(TypedDict):
    """The poll's snapshot at opening without the voter and proxy lists."""

    entitled: Total
    present: Total
    eligible: Total
    check_in_required: bool


class PollEntry(PollDefinitionMap):
    """A poll as the role sees it: the definition, its times, once opened the counts of who
    may vote and whom this participant casts for, once closed the result (staff, or anyone
    once published) or only the counts."""

    status: Literal["draft", "open", "closing", "closed", "published", "cancelled"]
    created_at: int
    opened_at: int | None
    closes_at: int | None
    closed_at: int | None
    published_at: int | None
    snapshot: NotRequired[PollSnapshotCounts]
    may_cast_for: NotRequired[list[str]]
    result: NotRequired[PollResultMap]
    counts: NotRequired[PollCountsMap]
    receipts_digest: NotRequired[str]
    outcome: NotRequired[PollOutcomeMap]


# ---- speakers (rooms/speakers.py) ---------------------------------------------------------


class QueuedSpeaker(TypedDict):
    participant: str
    kind: SpeakKind
    at: int
    full_name: str
    delegation: str


class FloorMap(TypedDict):
    participant: str
    item: str
    kind: SpeakKind
    started_at: int
    seconds: int
    full_name: str
    delegation: str


class SpeakersSnapshot(TypedDict):
    queues: dict[str, list[QueuedSpeaker]]  # agenda item id → its queue (empty ones left out)
    floor: FloorMap | None


# ---- the whole state ----------------------------------------------------------------------


class SnapshotState(TypedDict):
    """``rooms.aggregate.snapshot``: the meeting as the participant's role may see it."""

    id: str
    info: MeetingInfoMap
    status: Literal["scheduled", "open", "adjourned", "closed"]
    seq: int
    me: ParticipantMap | None  # None for a participant no longer on the roster
    counts: RoleCounts
    participants: NotRequired[list[ParticipantMap]]  # chair and secretary
    agenda: AgendaSnapshot
    attendance: AttendanceSnapshot
    documents: list[DocumentEntry]
    follow: FollowMap | None
    feedback: list[FeedbackEntry]  # staff: all; others: their own
    notes: NotRequired[list[NoteEntry]]  # staff
    polls: list[PollEntry]
    questions: list[QuestionEntry]  # staff: all; others: approved, most votes first
    my_questions: NotRequired[list[QuestionEntry]]  # a delegate's own
    my_votes: NotRequired[list[str]]  # the questions a delegate voted for
    speakers: SpeakersSnapshot


__all__ = ["AttendanceMode", "SnapshotState"]
