"""One TypedDict per event kind: the body the meeting log holds, as the code in ``rooms``
writes it (each body names its writer) and the evolvers read it.

A key is required when every writer of the kind writes it, ``NotRequired`` when one leaves
it out; None is written out as ``X | None``. Maps nested in bodies are in
``protocol.event_shapes``. A projected copy of a body (what a delegate or the hall screen gets
of ``poll.opened``, ``poll.closed`` or an attendance event) is a part of the logged body, not
one of these. ``protocol.event_check.check_event_body`` checks a body against its type at run
time; tests/protocol/test_event_bodies.py runs it over whole meetings.
"""

# No ``from __future__ import annotations``: with string annotations Python 3.11 cannot see
# ``NotRequired`` when it builds a TypedDict (see protocol/command_bodies.py).

from typing import Literal, NotRequired, TypedDict

from protocol.event_shapes import (
    AgendaItemChanges,
    AgendaItemMap,
    AttendanceMode,
    DocumentVersionMap,
    FeedbackStatus,
    MeetingSettingsMap,
    NamedBallotRow,
    OpeningRule,
    ParticipantMap,
    PollCountsMap,
    PollDefinitionMap,
    PollOutcomeMap,
    PollQuorumMap,
    PollResultMap,
    PollSnapshotMap,
    RuleBase,
    SpeakKind,
)
from protocol.kinds import EventKind

# ---- agenda (rooms/agenda.py) ------------------------------------------------------------


class AgendaCurrentChangedBody(TypedDict):
    id: str | None  # None: no current item
    previous: str | None


class AgendaImportedBody(TypedDict):
    items: list[AgendaItemMap]


class AgendaItemAddedBody(TypedDict):
    item: AgendaItemMap
    parent: str | None  # None: a top-level item
    position: int


class AgendaItemRemovedBody(TypedDict):
    id: str


class AgendaItemUpdatedBody(TypedDict):
    id: str
    changes: AgendaItemChanges


class AgendaReorderedBody(TypedDict):
    parent: str | None
    order: list[str]


class AgendaTimerStartedBody(TypedDict):
    item: str
    started_at: int
    duration_ms: int


class AgendaTimerStoppedBody(TypedDict):
    item: str
    started_at: int
    elapsed_ms: int
    duration_ms: int


# ---- attendance (rooms/attendance.py, rooms/attendance_commands.py) -----------------------


class AttendanceAbsentBody(TypedDict):
    participant: str
    reason: str  # "" when none was given


class AttendanceCheckedInBody(TypedDict):
    participant: str
    mode: AttendanceMode
    via: Literal["badge", "device", "manual"]
    device: NotRequired[str]  # only from a device that named itself


class AttendanceCheckedOutBody(TypedDict):
    participant: str
    via: Literal["badge", "manual"]


class AttendanceDeviceBody(TypedDict):
    participant: str
    device: str


class AttendanceDoublePresenceBody(TypedDict):
    participant: str
    devices: list[str]  # [the device checked in from, the one that tried now]


# ---- documents and follow-the-chair (rooms/documents.py) ----------------------------------


class DocumentDraftedBody(DocumentVersionMap):
    pass


class DocumentPublishedBody(DocumentVersionMap):
    pass


class FloorFollowedBody(TypedDict):
    document: str
    version: int
    page: int


class FloorUnfollowedBody(TypedDict):
    pass


# ---- feedback (rooms/feedback.py) --------------------------------------------------------


class FeedbackMarkedBody(TypedDict):
    id: str
    status: FeedbackStatus
    answer: str


class FeedbackMergedBody(TypedDict):
    id: str
    into: str  # the root of the entry it was merged into


class FeedbackSubmittedBody(TypedDict):
    id: str
    author: str
    item: str | None
    text: str
    # Where in a document, or all None for feedback on the item itself.
    document: str | None
    version: int | None
    page: int | None
    paragraph: int | None


class FeedbackTaggedBody(TypedDict):
    id: str
    tags: list[str]


# ---- the meeting (rooms/meeting.py) ------------------------------------------------------


class MeetingAdjournedBody(TypedDict):
    reason: NotRequired[str]


class MeetingClosedBody(TypedDict):
    pass


class MeetingCreatedBody(TypedDict):
    id: str
    title: str
    title_en: NotRequired[str]
    place: NotRequired[str]
    organisation: NotRequired[str]
    timezone: NotRequired[str]
    starts: NotRequired[str]
    ends: NotRequired[str]
    quorum: NotRequired[str]
    settings: MeetingSettingsMap  # as given; the state fills in the defaults


class MeetingOpenedBody(TypedDict):
    pass


class MeetingResumedBody(TypedDict):
    pass


class MeetingUpdatedBody(TypedDict):
    """Only what changed: the fields ``meeting.update`` may send, and the changed settings."""

    title: NotRequired[str]
    title_en: NotRequired[str]
    place: NotRequired[str]
    quorum: NotRequired[str]
    settings: NotRequired[MeetingSettingsMap]


# ---- notes (rooms/notes.py) --------------------------------------------------------------


class NoteAddedBody(TypedDict):
    id: str
    item: str
    text: str


class NoteEditedBody(TypedDict):
    id: str
    text: str  # "" withdraws the note


# ---- roster (rooms/roster.py) ------------------------------------------------------------


class ParticipantAddedBody(ParticipantMap):
    pass


class ParticipantRemovedBody(TypedDict):
    id: str


class ParticipantReissuedBody(TypedDict):
    """A new credential generation (rooms/credentials.py): earlier links stop working."""

    id: str
    generation: int


class ParticipantSignedInBody(TypedDict):
    id: str
    via: Literal["badge", "seat", "link"]
    # A badge sign-in moves to a new generation; a join link keeps the one it has.
    generation: NotRequired[int]
    # The delegate's new voting device session (public id, not a credential).
    session: NotRequired[str]


class DevicePairedBody(TypedDict):
    id: str
    kind: Literal["kiosk", "screen", "seat"]


class ParticipantUpdatedBody(ParticipantMap):
    """The whole participant after the change."""


class RosterImportedBody(TypedDict):
    participants: list[ParticipantMap]


# ---- polls (rooms/polls.py, rooms/poll_closing.py) ----------------------------------------


class PollCancelledBody(TypedDict):
    poll: str
    reason: NotRequired[str]


class PollClosedBody(TypedDict):
    poll: str
    reason: NotRequired[str]
    result: PollResultMap
    outcome: PollOutcomeMap
    counts: PollCountsMap
    voted: list[str]  # who cast a ballot, sorted (a secret poll too)
    receipts: list[str]  # the receipt hashes, sorted
    receipts_digest: str
    ballots: NotRequired[list[NamedBallotRow]]  # a named poll only


class PollCreatedBody(PollDefinitionMap):
    pass


class PollUpdatedBody(PollDefinitionMap):
    """The draft's whole new definition (its id unchanged)."""


class PollOpenedBody(TypedDict):
    poll: str
    rule: OpeningRule | None
    base: RuleBase
    quorum: PollQuorumMap | None  # None when the rule cannot be read
    snapshot: PollSnapshotMap
    closes_at: int | None


class PollPublishedBody(TypedDict):
    poll: str
    result: PollResultMap
    counts: PollCountsMap
    receipts_digest: str


# ---- proxies (rooms/proxies.py, rooms/attendance.py) -------------------------------------

ProxyGrantedBody = TypedDict("ProxyGrantedBody", {"from": str, "to": str})

# "arrived": the giver checked in, so the proxy lapsed in the same decision.
ProxyRevokedBody = TypedDict(
    "ProxyRevokedBody", {"from": str, "to": str, "reason": Literal["revoked", "arrived"]}
)


# ---- questions (rooms/questions.py) ------------------------------------------------------


class QuestionAnsweredBody(TypedDict):
    id: str
    answered: bool


class QuestionApprovedBody(TypedDict):
    """The whole question, so the views that never saw ``question.asked`` need nothing else."""

    id: str
    author: str
    item: str | None
    text: str
    at: int
    status: Literal["approved"]
    answered: bool
    votes: int


class QuestionAskedBody(TypedDict):
    id: str
    author: str
    item: str | None
    text: str


class QuestionHiddenBody(TypedDict):
    id: str


class QuestionVotedBody(TypedDict):
    id: str
    participant: str
    up: bool


# ---- speakers (rooms/speakers.py) --------------------------------------------------------


class _Speaker(TypedDict):
    """Who, with the name and delegation the views print ("" when not on the roster)."""

    participant: str
    full_name: str
    delegation: str
    item: str


class SpeakersFloorEndedBody(_Speaker):
    kind: SpeakKind
    started_at: int
    spoke_ms: int
    seconds: int


class SpeakersFloorGivenBody(_Speaker):
    kind: SpeakKind
    started_at: int
    seconds: int


class SpeakersReorderedBody(TypedDict):
    item: str
    order: list[str]


class SpeakersRequestedBody(_Speaker):
    kind: SpeakKind


class SpeakersWithdrawnBody(_Speaker):
    pass


EVENT_BODIES: dict[EventKind, type] = {
    "agenda.current_changed": AgendaCurrentChangedBody,
    "agenda.imported": AgendaImportedBody,
    "agenda.item_added": AgendaItemAddedBody,
    "agenda.item_removed": AgendaItemRemovedBody,
    "agenda.item_updated": AgendaItemUpdatedBody,
    "agenda.reordered": AgendaReorderedBody,
    "agenda.timer_started": AgendaTimerStartedBody,
    "agenda.timer_stopped": AgendaTimerStoppedBody,
    "attendance.absent": AttendanceAbsentBody,
    "attendance.checked_in": AttendanceCheckedInBody,
    "attendance.checked_out": AttendanceCheckedOutBody,
    "attendance.device": AttendanceDeviceBody,
    "attendance.double_presence": AttendanceDoublePresenceBody,
    "document.drafted": DocumentDraftedBody,
    "document.published": DocumentPublishedBody,
    "feedback.marked": FeedbackMarkedBody,
    "feedback.merged": FeedbackMergedBody,
    "feedback.submitted": FeedbackSubmittedBody,
    "feedback.tagged": FeedbackTaggedBody,
    "floor.followed": FloorFollowedBody,
    "floor.unfollowed": FloorUnfollowedBody,
    "meeting.adjourned": MeetingAdjournedBody,
    "meeting.closed": MeetingClosedBody,
    "meeting.created": MeetingCreatedBody,
    "meeting.opened": MeetingOpenedBody,
    "meeting.resumed": MeetingResumedBody,
    "meeting.updated": MeetingUpdatedBody,
    "note.added": NoteAddedBody,
    "note.edited": NoteEditedBody,
    "participant.added": ParticipantAddedBody,
    "participant.removed": ParticipantRemovedBody,
    "participant.reissued": ParticipantReissuedBody,
    "participant.signed_in": ParticipantSignedInBody,
    "device.paired": DevicePairedBody,
    "participant.updated": ParticipantUpdatedBody,
    "poll.cancelled": PollCancelledBody,
    "poll.closed": PollClosedBody,
    "poll.created": PollCreatedBody,
    "poll.updated": PollUpdatedBody,
    "poll.opened": PollOpenedBody,
    "poll.published": PollPublishedBody,
    "proxy.granted": ProxyGrantedBody,
    "proxy.revoked": ProxyRevokedBody,
    "question.answered": QuestionAnsweredBody,
    "question.approved": QuestionApprovedBody,
    "question.asked": QuestionAskedBody,
    "question.hidden": QuestionHiddenBody,
    "question.voted": QuestionVotedBody,
    "roster.imported": RosterImportedBody,
    "speakers.floor_ended": SpeakersFloorEndedBody,
    "speakers.floor_given": SpeakersFloorGivenBody,
    "speakers.reordered": SpeakersReorderedBody,
    "speakers.requested": SpeakersRequestedBody,
    "speakers.withdrawn": SpeakersWithdrawnBody,
}
