"""One TypedDict per command kind: the body a decider receives, after
``protocol.commands.validate_command`` has checked it against the kind's schema.

Required keys are the schema's required fields and ``NotRequired`` ones its optional fields
(a validated body holds only the fields that were sent); a field with ``choices`` is a
``Literal``. The schemas stay the one thing checked at run time; these types say the same to
mypy, and tests/protocol/test_command_bodies.py fails when the two part ways.
"""

# No ``from __future__ import annotations`` here: with string annotations Python 3.11 cannot
# see ``NotRequired`` when it builds a TypedDict, and ``__optional_keys__`` would be empty.

from typing import Any, Literal, NotRequired, TypedDict

from protocol.kinds import CommandKind


class AgendaAddBody(TypedDict):
    item: dict[str, Any]
    parent: NotRequired[str]
    position: NotRequired[int]


class AgendaImportBody(TypedDict):
    items: list[dict[str, Any]]


class AgendaRemoveBody(TypedDict):
    id: str


class AgendaReorderBody(TypedDict):
    parent: NotRequired[str]
    order: list[str]


class AgendaSetCurrentBody(TypedDict):
    id: NotRequired[str]


class AgendaTimerStartBody(TypedDict):
    seconds: NotRequired[int]


class AgendaTimerStopBody(TypedDict):
    pass


class AgendaUpdateBody(TypedDict):
    id: str
    title: NotRequired[str]
    kind: NotRequired[Literal["procedural", "report", "discussion", "vote", "election"]]
    minutes: NotRequired[int]
    documents: NotRequired[list[str]]
    feedback: NotRequired[bool]
    speaker_seconds: NotRequired[int]


class BallotCastBody(TypedDict):
    poll: str
    choice: Any
    ballot_id: str
    on_behalf_of: NotRequired[str]


class CheckinAbsentBody(TypedDict):
    participant: str
    reason: NotRequired[str]


class CheckinManualBody(TypedDict):
    participant: str
    mode: NotRequired[Literal["in_person", "online"]]


class CheckinOutBody(TypedDict):
    participant: NotRequired[str]
    token: NotRequired[str]


class CheckinScanBody(TypedDict):
    token: str


class CheckinSelfBody(TypedDict):
    device: NotRequired[str]
    mode: NotRequired[Literal["in_person", "online"]]


class DocumentReleaseBody(TypedDict):
    id: str
    version: NotRequired[int]


class FeedbackMarkBody(TypedDict):
    id: str
    status: Literal["new", "accepted", "answered"]
    answer: NotRequired[str]


class FeedbackMergeBody(TypedDict):
    id: str
    into: str


class FeedbackSubmitBody(TypedDict):
    text: str
    item: NotRequired[str]
    document: NotRequired[str]
    version: NotRequired[int]
    page: NotRequired[int]
    paragraph: NotRequired[int]


class FeedbackTagBody(TypedDict):
    id: str
    tags: list[str]


class FloorFollowBody(TypedDict):
    document: str
    version: NotRequired[int]
    page: NotRequired[int]


class FloorUnfollowBody(TypedDict):
    pass


class MeetingAdjournBody(TypedDict):
    reason: NotRequired[str]


class MeetingCloseBody(TypedDict):
    pass


class MeetingOpenBody(TypedDict):
    pass


class MeetingResumeBody(TypedDict):
    pass


class MeetingUpdateBody(TypedDict):
    title: NotRequired[str]
    title_en: NotRequired[str]
    place: NotRequired[str]
    quorum: NotRequired[str]
    settings: NotRequired[dict[str, Any]]


class NoteAddBody(TypedDict):
    item: str
    text: str


class NoteEditBody(TypedDict):
    id: str
    text: str


class ParticipantAddBody(TypedDict):
    id: str
    full_name: NotRequired[str]
    role: NotRequired[Literal["chair", "secretary", "delegate", "screen", "observer"]]
    delegation: NotRequired[str]
    title: NotRequired[str]
    seat: NotRequired[str]
    weight: NotRequired[str]


class ParticipantRemoveBody(TypedDict):
    id: str


class ParticipantReissueBody(TypedDict):
    id: str


class ParticipantSignInBody(TypedDict):
    id: str
    via: NotRequired[Literal["badge", "seat", "link"]]
    session: NotRequired[str]


class DevicePairBody(TypedDict):
    kind: Literal["kiosk", "screen", "seat"]


class ParticipantUpdateBody(TypedDict):
    id: str
    full_name: NotRequired[str]
    role: NotRequired[Literal["chair", "secretary", "delegate", "screen", "observer"]]
    delegation: NotRequired[str]
    title: NotRequired[str]
    seat: NotRequired[str]
    weight: NotRequired[str]


class PollCancelBody(TypedDict):
    poll: str
    reason: NotRequired[str]


class PollCloseBody(TypedDict):
    poll: str
    reason: NotRequired[str]


class _PollDefinitionBody(TypedDict):
    title: str
    method: Literal["yes_no_abstain", "single", "multiple", "approval"]
    options: NotRequired[list[Any]]
    candidates: NotRequired[list[Any]]
    min: NotRequired[int]
    max: NotRequired[int]
    seats: NotRequired[int]
    secret: NotRequired[bool]
    rule: NotRequired[str]
    quorum: NotRequired[str]
    allow_change: NotRequired[bool]
    allow_abstain: NotRequired[bool]
    live_tally: NotRequired[bool]
    timer: NotRequired[int]
    agenda_item: NotRequired[str]


class PollCreateBody(_PollDefinitionBody):
    id: NotRequired[str]


class PollUpdateBody(_PollDefinitionBody):
    poll: str


class PollOpenBody(TypedDict):
    poll: str


class PollPublishBody(TypedDict):
    poll: str


# "from" is a Python keyword: these two take the functional form.
ProxyGrantBody = TypedDict("ProxyGrantBody", {"from": str, "to": str})


ProxyRevokeBody = TypedDict("ProxyRevokeBody", {"from": str})


class QuestionAnswerBody(TypedDict):
    id: str
    answered: NotRequired[bool]


class QuestionApproveBody(TypedDict):
    id: str


class QuestionAskBody(TypedDict):
    text: str
    item: NotRequired[str]


class QuestionHideBody(TypedDict):
    id: str


class QuestionVoteBody(TypedDict):
    id: str
    up: bool


class SpeakersEndBody(TypedDict):
    pass


class SpeakersGiveFloorBody(TypedDict):
    participant: NotRequired[str]
    seconds: NotRequired[int]


class SpeakersReorderBody(TypedDict):
    order: list[str]


class SpeakersRequestBody(TypedDict):
    point_of_order: NotRequired[bool]


class SpeakersWithdrawBody(TypedDict):
    participant: NotRequired[str]
    item: NotRequired[str]


# Each command kind's body type, one per kind.
COMMAND_BODIES: dict[CommandKind, type] = {
    "agenda.add": AgendaAddBody,
    "agenda.import": AgendaImportBody,
    "agenda.remove": AgendaRemoveBody,
    "agenda.reorder": AgendaReorderBody,
    "agenda.set_current": AgendaSetCurrentBody,
    "agenda.timer.start": AgendaTimerStartBody,
    "agenda.timer.stop": AgendaTimerStopBody,
    "agenda.update": AgendaUpdateBody,
    "ballot.cast": BallotCastBody,
    "checkin.absent": CheckinAbsentBody,
    "checkin.manual": CheckinManualBody,
    "checkin.out": CheckinOutBody,
    "checkin.scan": CheckinScanBody,
    "checkin.self": CheckinSelfBody,
    "document.release": DocumentReleaseBody,
    "feedback.mark": FeedbackMarkBody,
    "feedback.merge": FeedbackMergeBody,
    "feedback.submit": FeedbackSubmitBody,
    "feedback.tag": FeedbackTagBody,
    "floor.follow": FloorFollowBody,
    "floor.unfollow": FloorUnfollowBody,
    "meeting.adjourn": MeetingAdjournBody,
    "meeting.close": MeetingCloseBody,
    "meeting.open": MeetingOpenBody,
    "meeting.resume": MeetingResumeBody,
    "meeting.update": MeetingUpdateBody,
    "note.add": NoteAddBody,
    "note.edit": NoteEditBody,
    "participant.add": ParticipantAddBody,
    "participant.remove": ParticipantRemoveBody,
    "participant.reissue": ParticipantReissueBody,
    "participant.sign_in": ParticipantSignInBody,
    "device.pair": DevicePairBody,
    "participant.update": ParticipantUpdateBody,
    "poll.cancel": PollCancelBody,
    "poll.close": PollCloseBody,
    "poll.create": PollCreateBody,
    "poll.update": PollUpdateBody,
    "poll.open": PollOpenBody,
    "poll.publish": PollPublishBody,
    "proxy.grant": ProxyGrantBody,
    "proxy.revoke": ProxyRevokeBody,
    "question.answer": QuestionAnswerBody,
    "question.approve": QuestionApproveBody,
    "question.ask": QuestionAskBody,
    "question.hide": QuestionHideBody,
    "question.vote": QuestionVoteBody,
    "speakers.end": SpeakersEndBody,
    "speakers.give_floor": SpeakersGiveFloorBody,
    "speakers.reorder": SpeakersReorderBody,
    "speakers.request": SpeakersRequestBody,
    "speakers.withdraw": SpeakersWithdrawBody,
}
