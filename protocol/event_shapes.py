"""The maps nested in event bodies (a participant, an agenda item, a poll's result, …) and the
closed sets of words they use, as ``TypedDict`` and ``Literal`` types for
``protocol.event_bodies``.

The words are written out here because ``protocol`` does not import ``rooms``;
tests/protocol/test_event_bodies.py keeps each set equal to the table in ``rooms`` it mirrors
(roles, agenda kinds, MIME types, poll methods, rule bases, meeting settings).
"""

# No ``from __future__ import annotations``: with string annotations Python 3.11 cannot see
# ``NotRequired`` when it builds a TypedDict (see protocol/command_bodies.py).

from typing import Any, Literal, NotRequired, TypedDict

# ---- words -------------------------------------------------------------------------------

RoleName = Literal["chair", "secretary", "delegate", "screen", "observer"]  # rooms.model.Role
AgendaKind = Literal["procedural", "report", "discussion", "vote", "election"]
Mime = Literal["application/pdf", "image/png", "image/jpeg", "image/webp", "image/gif"]
PollMethod = Literal["yes_no_abstain", "single", "multiple", "approval"]
RuleBase = Literal["valid", "cast", "present", "entitled"]  # rooms.majority.Base
AttendanceMode = Literal["in_person", "online"]
SpeakKind = Literal["speak", "point_of_order"]
FeedbackStatus = Literal["new", "accepted", "answered"]
DeviceCheckin = Literal["tap", "connect", "off"]


# ---- meeting and roster ------------------------------------------------------------------


class MeetingSettingsMap(TypedDict):
    """Settings by name (rooms/settings.py's table): ``meeting.created`` carries those given,
    ``meeting.updated`` those that changed, so every one may be absent."""

    device_checkin: NotRequired[DeviceCheckin]
    hybrid: NotRequired[bool]
    proxy_limit: NotRequired[int]
    proxies_count_for_quorum: NotRequired[bool]
    require_check_in: NotRequired[bool]
    require_quorum_to_open: NotRequired[bool]
    parent_organisation: NotRequired[str]
    reference: NotRequired[str]
    city: NotRequired[str]
    majority: NotRequired[str]
    badge_sign_in: NotRequired[Literal["off", "checked_in", "open", "seat_tablets"]]


class ParticipantMap(TypedDict):
    """``rooms.model.Participant.to_dict``: the roster's one writer gives every field."""

    id: str
    full_name: str
    role: RoleName
    delegation: str
    title: str
    seat: str
    weight: str  # a decimal string ("1", "1.5"): weights are exact, never floats


# ---- agenda ------------------------------------------------------------------------------


class AgendaItemMap(TypedDict):
    """``rooms.agenda_items.AgendaItem.to_dict``; ``items`` are the sub-items (one level)."""

    id: str
    title: str
    kind: AgendaKind
    minutes: int
    documents: list[str]
    items: list["AgendaItemMap"]
    feedback: bool
    speaker_seconds: int
    poll: NotRequired[dict[str, Any]]  # the plan's poll spec, kept as given


class AgendaItemChanges(TypedDict):
    """The fields of an item that ``agenda.update`` changed, with their new values."""

    title: NotRequired[str]
    kind: NotRequired[AgendaKind]
    minutes: NotRequired[int]
    documents: NotRequired[list[str]]
    feedback: NotRequired[bool]
    speaker_seconds: NotRequired[int]


# ---- documents ---------------------------------------------------------------------------


class DocumentVersionMap(TypedDict):
    """A document and one of its versions, as ``document.drafted`` and ``.published`` carry
    them: everything a view needs without the earlier events."""

    id: str
    title: str
    item: str | None
    version: int
    sha256: str
    size: int
    mime: Mime
    filename: str
    pages: int
    by: str


# ---- polls -------------------------------------------------------------------------------


class PollOption(TypedDict):
    id: str
    label: str


class Total(TypedDict):
    """``rooms.tally.Total.to_dict``: a head count and its weight as a decimal string."""

    count: int
    weight: str


class RuleMap(TypedDict):
    """A majority rule as ``rooms.tally.Result.to_dict`` writes it."""

    fraction: str  # "1/2"
    strict: bool
    base: RuleBase
    vi: str
    en: str


class OpeningRule(RuleMap):
    """``poll.opened`` also keeps the rule's text as the poll gave it."""

    text: str


class PollQuorumMap(TypedDict):
    """The quorum at opening (rooms/polls.py ``_quorum_check``)."""

    rule: str
    required: bool
    met: bool
    present: Total
    entitled: Total


class PollSnapshotMap(TypedDict):
    """``rooms.poll_state.Snapshot.to_dict``: who may vote, frozen at opening."""

    entitled: Total
    present: Total
    eligible: Total
    check_in_required: bool
    voters: dict[str, str]  # delegate → weight
    proxies: dict[str, str]  # absent delegate → the holder who casts for them


class ShareMap(TypedDict):
    """``rooms.tally.Share.to_dict``; percentages are decimal strings."""

    count: int
    weight: str
    percent_of_base: str
    percent_of_entitled: str


class OptionResultMap(ShareMap):
    option: str
    passed: bool | None


class PollResultMap(TypedDict):
    """``rooms.tally.Result.to_dict``: the exact count."""

    method: PollMethod
    rule: RuleMap | None
    base: RuleBase
    base_total: Total
    threshold: str | None
    entitled: Total
    present: Total
    cast: Total
    valid: Total
    invalid: Total
    options: list[OptionResultMap]
    blank: ShareMap
    passed: bool | None
    seats: int | None
    winners: list[str]
    tie_at_last_seat: list[str]
    seats_open: int


class PollOutcomeMap(TypedDict):
    """``rooms.poll_closing.outcome``: ``passed``/``failed`` (yes/no/abstain) and ``counted``
    (no seats) say nothing more; ``elected``/``tied`` name who."""

    decision: Literal["passed", "failed", "counted", "elected", "tied"]
    elected: NotRequired[list[str]]
    tied: NotRequired[list[str]]
    seats_open: NotRequired[int]


class PollCountsMap(TypedDict):
    eligible: Total
    voted: Total
    ballots: int
    receipts: int


class NamedBallotRow(TypedDict):
    """One ballot of a named poll; ``by`` is the proxy holder who cast it for ``voter``."""

    voter: str
    choice: str | list[str]
    weight: str
    by: NotRequired[str]


class PollDefinitionMap(TypedDict):
    """``rooms.poll_definition.definition_to_dict``: every field, None where unset."""

    poll: str
    title: str
    method: PollMethod
    options: list[PollOption]
    min: int
    max: int | None
    seats: int | None
    allow_abstain: bool
    secret: bool
    rule: str | None
    quorum: str | None
    allow_change: bool
    live_tally: bool
    timer: int | None
    agenda_item: str | None
