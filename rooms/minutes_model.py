"""The minutes of a meeting as data: what the minutes builder fills from the event log and
what every export (DOCX, PDF, Markdown, JSON, CSV, XLSX) reads. Pure: stdlib only.

All strings are normalised to NFC on construction. Times are timezone-aware ``datetime``s
and are printed in the offset they carry: the builder gives them in the meeting's timezone.
Weights and percentages are exact ``Decimal``s (weights may be "1.5"; floats are never used)
and are written to JSON as decimal strings, "1.5" and "91.43".

``Minutes.to_dict()`` gives a JSON-able dict with these stable keys (times as ISO 8601
strings with offset, ``null`` where absent); ``Minutes.from_dict()`` reads it back::

    schema        "phonghop.minutes/1"
    status        "draft" | "final"
    language      "vi" | "en"
    generated_at  time | null
    meeting       {title, organisation, parent_organisation, reference, place, city,
                   started_at, ended_at}
    attendance    {entitled, present, entitled_weight, present_weight,
                   absent: [{name, delegation, reason}],
                   proxies: [{from_name, to_name, at}],
                   quorum: {rule_text, met, present, entitled, at}}
    agenda        [{number, title, kind, started_at, ended_at,
                    speakers: [{name, delegation, seconds}],
                    documents: [{title, version, pages}],
                    feedback: {count, accepted, answered,
                               samples: [{text, author, upvotes}]} | null,
                    notes: [str],
                    questions: [{text, author, delegation, votes, answered}]}]
    questions     [{text, author, delegation, votes, answered}]  (asked with no agenda item)
    polls         [{poll_id, title, method, secret, rule_text, base_name, base_value, eligible,
                    cast, valid, invalid, seats, agenda_number, opened_at, closed_at,
                    options: [{key, label, count, weight, pct_of_base, pct_of_entitled}],
                    outcome: {decision, elected: [option key], tied: [option key],
                              seats_unfilled, note},
                    receipts_digest,
                    named_votes: [{code, name, delegation, seat,
                                   choice: [option key] | null, weight, cast_by}]}]
    log           {event_count, final_hash, algorithm}
    signatures    {chair, secretary}

Known values (renderers translate them; other values are printed as given):
agenda ``kind`` procedural | report | discussion | vote | election; poll ``method``
yes_no_abstain | single | multiple | approval; ``base_name`` valid | cast | present |
entitled; option ``key`` yes | no | abstain for yes/no/abstain polls.

``questions`` are the Q&A's approved questions (hidden ones are not), most supported first;
files written before the Q&A was in the minutes have none.

``named_votes`` is the roll call of a named (open) poll, sorted by name in Vietnamese order:
every voter of the snapshot frozen at opening, whether or not a ballot was cast for them.
``choice`` lists option keys (``["abstain"]`` an explicit abstention, ``[]`` a blank ballot)
or is ``null`` for a voter who did not vote; ``weight`` is the ballot's weight (the voter's,
when none was cast); ``cast_by`` the name of the proxy holder who cast it, or, when ``choice``
is ``null``, who held the proxy and did not cast it (``null`` when the delegate was to vote in
person). A list with a ``null`` choice is a full roll call: its length is the poll's
``eligible`` and its ballots are ``cast`` (the model checks it); files written before
non-voters were listed hold only ballots. A secret poll's list is always empty: the model
refuses anything else, so no export can print a secret choice next to a name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, cast, get_args

# The sections and their JSON form have modules of their own; this one assembles them and is
# where every exporter and test imports them from (see __all__).
from rooms.minutes_json import (
    JSON,
    Reader,
    attendance_in,
    attendance_out,
    item_in,
    item_out,
    meeting_in,
    meeting_out,
    poll_in,
    poll_out,
    questions_in,
    questions_out,
    time_out,
)
from rooms.minutes_sections import (
    AbsentDelegate,
    AgendaItem,
    Attendance,
    Decision,
    DocumentRef,
    FeedbackSample,
    FeedbackSummary,
    LogSeal,
    MeetingInfo,
    NamedVote,
    Normalised,
    OptionResult,
    Outcome,
    PollResult,
    Proxy,
    QuestionEntry,
    QuorumCheck,
    Signatures,
    Speaker,
    percent,
)

__all__ = [
    "SCHEMA",
    "AbsentDelegate",
    "AgendaItem",
    "Attendance",
    "AttendanceRow",
    "AttendanceStatus",
    "Decision",
    "DocumentRef",
    "FeedbackSample",
    "FeedbackSummary",
    "Language",
    "LogSeal",
    "MeetingInfo",
    "Minutes",
    "MinutesStatus",
    "NamedVote",
    "OptionResult",
    "Outcome",
    "PollResult",
    "PollResultRow",
    "Proxy",
    "QuestionEntry",
    "QuorumCheck",
    "Signatures",
    "Speaker",
    "percent",
    "poll_result_rows",
]

SCHEMA = "phonghop.minutes/1"

MinutesStatus = Literal["draft", "final"]
Language = Literal["vi", "en"]
AttendanceStatus = Literal["present", "absent"]


# --- the minutes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Minutes(Normalised):
    meeting: MeetingInfo
    attendance: Attendance
    agenda: tuple[AgendaItem, ...]
    polls: tuple[PollResult, ...]
    log: LogSeal
    signatures: Signatures
    status: MinutesStatus = "draft"
    language: Language = "vi"
    generated_at: datetime | None = None
    questions: tuple[QuestionEntry, ...] = ()  # asked when no agenda item was current

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.status not in get_args(MinutesStatus):
            raise ValueError(f"unknown status {self.status!r}")
        if self.language not in get_args(Language):
            raise ValueError(f"unknown language {self.language!r}")

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def to_dict(self) -> JSON:
        return {
            "schema": SCHEMA,
            "status": self.status,
            "language": self.language,
            "generated_at": time_out(self.generated_at),
            "meeting": meeting_out(self.meeting),
            "attendance": attendance_out(self.attendance),
            "agenda": [item_out(item) for item in self.agenda],
            "questions": questions_out(self.questions),
            "polls": [poll_out(poll) for poll in self.polls],
            "log": {
                "event_count": self.log.event_count,
                "final_hash": self.log.final_hash,
                "algorithm": self.log.algorithm,
            },
            "signatures": {"chair": self.signatures.chair, "secretary": self.signatures.secretary},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Minutes:
        """Read what to_dict wrote; raises ValueError on anything else."""
        d = Reader(data, "minutes")
        if d.text("schema") != SCHEMA:
            raise ValueError(f"unsupported schema {data.get('schema')!r}")
        status = d.text("status")
        language = d.text("language")
        if status not in get_args(MinutesStatus) or language not in get_args(Language):
            raise ValueError(f"bad status/language {status!r}/{language!r}")
        log = d.obj("log")
        signatures = d.obj("signatures")
        return cls(
            meeting=meeting_in(d.obj("meeting")),
            attendance=attendance_in(d.obj("attendance")),
            agenda=tuple(item_in(x) for x in d.objs("agenda")),
            polls=tuple(poll_in(x) for x in d.objs("polls")),
            log=LogSeal(log.integer("event_count"), log.text("final_hash"), log.text("algorithm")),
            signatures=Signatures(signatures.text("chair"), signatures.text("secretary")),
            status=cast(MinutesStatus, status),
            language=cast(Language, language),
            generated_at=d.time_or_none("generated_at"),
            questions=questions_in(d.objs_or_empty("questions")),
        )


# --- rows for the CSV/XLSX tables ---------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRow(Normalised):
    code: str  # mã đại biểu
    full_name: str
    delegation: str
    title: str  # chức vụ
    seat: str
    status: AttendanceStatus
    checked_in_at: datetime | None = None
    absence_reason: str = ""
    proxy_to: str = ""  # the delegate this absent one gave a proxy to
    weight: Decimal = Decimal(1)


@dataclass(frozen=True)
class PollResultRow(Normalised):
    poll_title: str
    method: str
    secret: bool
    base_name: str
    base_value: int
    option_key: str
    option: str  # the option's label
    count: int
    weight: Decimal
    pct_of_base: Decimal
    pct_of_entitled: Decimal
    # elections: elected | tied | not_elected; other polls: the poll's passed | failed
    result: str


def poll_result_rows(polls: Iterable[PollResult]) -> tuple[PollResultRow, ...]:
    """One row per option of every poll, in poll and ballot order."""
    rows: list[PollResultRow] = []
    for poll in polls:
        is_election = poll.outcome.decision == "elected"
        for o in poll.options:
            result: str = poll.outcome.decision
            if is_election:
                result = poll.option_status(o.key) or "not_elected"
            rows.append(
                PollResultRow(
                    poll_title=poll.title,
                    method=poll.method,
                    secret=poll.secret,
                    base_name=poll.base_name,
                    base_value=poll.base_value,
                    option_key=o.key,
                    option=o.label,
                    count=o.count,
                    weight=o.weight,
                    pct_of_base=o.pct_of_base,
                    pct_of_entitled=o.pct_of_entitled,
                    result=result,
                )
            )
    return tuple(rows)
