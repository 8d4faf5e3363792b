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
                    notes: [str]}]
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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal, cast, get_args

from rooms.vietnamese import nfc

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
    "QuorumCheck",
    "Signatures",
    "Speaker",
    "percent",
    "poll_result_rows",
]

SCHEMA = "phonghop.minutes/1"

MinutesStatus = Literal["draft", "final"]
Language = Literal["vi", "en"]
# "counted": a multiple-choice poll with no seats and no rule (a survey): nothing to pass
# or elect, only counts.
Decision = Literal["passed", "failed", "elected", "counted"]
AttendanceStatus = Literal["present", "absent"]

JSON = dict[str, object]


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """``part`` as a percentage of ``whole``, rounded half-up to 2 decimals (0.00 when whole
    is 0). Rounded once, from the exact ratio, so 2/3 is 66.67 and 1/8 is 12.50 everywhere."""
    if whole <= 0:
        return Decimal("0.00")
    exact = Fraction(part) * 100 / Fraction(whole)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


class _Normalised:
    """Mixin for frozen dataclasses: strings (and tuples of strings) become NFC, and times
    must carry a timezone, so nothing downstream has to check again."""

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, str):
                object.__setattr__(self, f.name, nfc(value))
            elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
                object.__setattr__(self, f.name, tuple(nfc(v) for v in value))
            elif isinstance(value, datetime) and value.utcoffset() is None:
                raise ValueError(f"{type(self).__name__}.{f.name} needs a timezone: {value!r}")


def _non_negative(owner: object, **counts: int | Decimal | None) -> None:
    for name, value in counts.items():
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError(f"{type(owner).__name__}.{name} must be finite, got {value}")
        if value is not None and value < 0:
            raise ValueError(f"{type(owner).__name__}.{name} must be >= 0, got {value}")


# --- meeting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingInfo(_Normalised):
    title: str
    organisation: str  # the body holding the meeting, printed upper-case in the header
    place: str  # the venue, as in the opening sentence
    started_at: datetime
    ended_at: datetime | None = None
    parent_organisation: str = ""  # the body above it, printed above it in the header
    reference: str = ""  # the document number, "Số: 01/BB-MTTQ"
    city: str = ""  # for the "Hạ Long, ngày …" line; the place when empty


# --- attendance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AbsentDelegate(_Normalised):
    name: str
    delegation: str = ""
    reason: str = ""  # empty: absent without a reason given


@dataclass(frozen=True)
class Proxy(_Normalised):
    from_name: str  # the absent delegate who gave the proxy
    to_name: str  # the present delegate who holds it
    at: datetime | None = None


@dataclass(frozen=True)
class QuorumCheck(_Normalised):
    rule_text: str  # as the rules state it, "Quá 1/2 tổng số đại biểu được triệu tập"
    met: bool
    present: int
    entitled: int
    at: datetime | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _non_negative(self, present=self.present, entitled=self.entitled)

    @property
    def percent(self) -> Decimal:
        return percent(self.present, self.entitled)


@dataclass(frozen=True)
class Attendance(_Normalised):
    entitled: int  # delegates convened (được triệu tập)
    present: int
    quorum: QuorumCheck  # as evaluated when the meeting opened
    entitled_weight: Decimal | None = None  # None: weights not used, same as the counts
    present_weight: Decimal | None = None
    absent: tuple[AbsentDelegate, ...] = ()
    proxies: tuple[Proxy, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        _non_negative(
            self,
            entitled=self.entitled,
            present=self.present,
            entitled_weight=self.entitled_weight,
            present_weight=self.present_weight,
        )
        if self.present > self.entitled:
            raise ValueError(f"present {self.present} > entitled {self.entitled}")

    @property
    def absent_count(self) -> int:
        return self.entitled - self.present

    @property
    def weighted(self) -> bool:
        return (self.entitled_weight is not None and self.entitled_weight != self.entitled) or (
            self.present_weight is not None and self.present_weight != self.present
        )


# --- agenda -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Speaker(_Normalised):
    name: str
    delegation: str = ""
    seconds: int = 0  # time actually spoken

    def __post_init__(self) -> None:
        super().__post_init__()
        _non_negative(self, seconds=self.seconds)


@dataclass(frozen=True)
class DocumentRef(_Normalised):
    title: str
    version: str = ""
    pages: int | None = None


@dataclass(frozen=True)
class FeedbackSample(_Normalised):
    text: str
    author: str = ""  # name or delegation; empty when anonymous
    upvotes: int = 0


@dataclass(frozen=True)
class FeedbackSummary(_Normalised):
    count: int  # feedback received on the item
    accepted: int = 0  # taken into the document (tiếp thu)
    answered: int = 0  # explained or answered (giải trình)
    samples: tuple[FeedbackSample, ...] = ()  # a few representative texts

    def __post_init__(self) -> None:
        super().__post_init__()
        _non_negative(self, count=self.count, accepted=self.accepted, answered=self.answered)


@dataclass(frozen=True)
class AgendaItem(_Normalised):
    number: int  # position as it ran, from 1
    title: str
    kind: str = "procedural"
    started_at: datetime | None = None
    ended_at: datetime | None = None  # None: not reached or still running
    speakers: tuple[Speaker, ...] = ()
    documents: tuple[DocumentRef, ...] = ()
    feedback: FeedbackSummary | None = None
    notes: tuple[str, ...] = ()  # the secretary's notes


# --- polls --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionResult(_Normalised):
    key: str  # the option's id in the poll; outcomes refer to options by it
    label: str
    count: int
    weight: Decimal  # equals count when weights are not used
    pct_of_base: Decimal  # of the rule's base (see PollResult.base_name), see percent()
    pct_of_entitled: Decimal  # of all delegates entitled (by weight when weighted)

    def __post_init__(self) -> None:
        super().__post_init__()
        _non_negative(self, count=self.count, weight=self.weight)


@dataclass(frozen=True)
class Outcome(_Normalised):
    decision: Decision
    elected: tuple[str, ...] = ()  # option keys, highest count first
    tied: tuple[str, ...] = ()  # option keys tied for the last seat(s): reported, not broken
    seats_unfilled: int = 0
    note: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.decision not in get_args(Decision):
            raise ValueError(f"unknown decision {self.decision!r}")
        _non_negative(self, seats_unfilled=self.seats_unfilled)


@dataclass(frozen=True)
class NamedVote(_Normalised):
    """One voter of a named poll, as the minutes' annex lists it: their ballot, or none."""

    code: str  # the delegate's code (mã đại biểu), unique where names may repeat
    name: str
    # Option keys; ("abstain",) explicit abstention; () blank ballot; None did not vote.
    choice: tuple[str, ...] | None
    weight: Decimal = Decimal(1)
    delegation: str = ""
    seat: str = ""
    # The proxy holder's name: who cast it, or with choice None who was to and did not.
    cast_by: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        _non_negative(self, weight=self.weight)


@dataclass(frozen=True)
class PollResult(_Normalised):
    title: str
    method: str
    secret: bool
    rule_text: str  # "Quá 1/2 tổng số phiếu hợp lệ"
    base_name: str  # what percentages of base are of: valid | cast | present | entitled
    base_value: int
    eligible: int  # who could vote, frozen at opening (present, with proxies)
    cast: int
    valid: int
    invalid: int
    options: tuple[OptionResult, ...]
    outcome: Outcome
    seats: int | None = None  # elections
    agenda_number: int | None = None
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    receipts_digest: str = ""  # hex; lets a delegate check their receipt was counted
    # Named polls only: who chose what, sorted by name (see the module docstring).
    named_votes: tuple[NamedVote, ...] = ()
    poll_id: str = ""  # the poll's id in the log ("" in files written before it was kept)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.secret and self.named_votes:
            raise ValueError(f"secret poll {self.title!r} cannot list who chose what")
        _non_negative(
            self,
            base_value=self.base_value,
            eligible=self.eligible,
            cast=self.cast,
            valid=self.valid,
            invalid=self.invalid,
            seats=self.seats,
        )
        if self.valid + self.invalid != self.cast:
            raise ValueError(f"valid {self.valid} + invalid {self.invalid} != cast {self.cast}")
        keys = [o.key for o in self.options]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate option keys in poll {self.title!r}")
        unknown = (set(self.outcome.elected) | set(self.outcome.tied)) - set(keys)
        if unknown:
            raise ValueError(f"outcome names unknown options {sorted(unknown)}")
        known = {*keys, "abstain"}
        voted = 0
        for vote in self.named_votes:  # one pass: a congress's annex has thousands of rows
            if vote.choice is None:
                continue
            voted += 1
            if not known.issuperset(vote.choice):
                raise ValueError(f"{vote.name!r} chose an unknown option in {self.title!r}")
        # A roll call (one non-voter listed) accounts for every voter: the annex's totals are
        # then section III's, never a second count that could disagree with it.
        if voted != len(self.named_votes) and (
            voted != self.cast or len(self.named_votes) != self.eligible
        ):
            raise ValueError(
                f"the roll call of {self.title!r} lists {len(self.named_votes)} voters, "
                f"{voted} with a ballot; the poll counts {self.eligible} eligible, "
                f"{self.cast} cast"
            )

    @property
    def weighted(self) -> bool:
        return any(o.weight != o.count for o in self.options)

    def option(self, key: str) -> OptionResult:
        for o in self.options:
            if o.key == key:
                return o
        raise KeyError(key)

    def option_status(self, key: str) -> Literal["elected", "tied", ""]:
        if key in self.outcome.elected:
            return "elected"
        if key in self.outcome.tied:
            return "tied"
        return ""


# --- log and signatures -------------------------------------------------------------------


@dataclass(frozen=True)
class LogSeal(_Normalised):
    event_count: int
    final_hash: str  # hex digest of the last event, which chains all before it
    algorithm: str = "sha256"

    def __post_init__(self) -> None:
        super().__post_init__()
        _non_negative(self, event_count=self.event_count)
        if self.final_hash and not all(c in "0123456789abcdefABCDEF" for c in self.final_hash):
            raise ValueError(f"final_hash is not hex: {self.final_hash!r}")


@dataclass(frozen=True)
class Signatures(_Normalised):
    chair: str
    secretary: str


# --- the minutes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Minutes(_Normalised):
    meeting: MeetingInfo
    attendance: Attendance
    agenda: tuple[AgendaItem, ...]
    polls: tuple[PollResult, ...]
    log: LogSeal
    signatures: Signatures
    status: MinutesStatus = "draft"
    language: Language = "vi"
    generated_at: datetime | None = None

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
            "generated_at": _time_out(self.generated_at),
            "meeting": _meeting_out(self.meeting),
            "attendance": _attendance_out(self.attendance),
            "agenda": [_item_out(item) for item in self.agenda],
            "polls": [_poll_out(poll) for poll in self.polls],
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
        d = _Reader(data, "minutes")
        if d.text("schema") != SCHEMA:
            raise ValueError(f"unsupported schema {data.get('schema')!r}")
        status = d.text("status")
        language = d.text("language")
        if status not in get_args(MinutesStatus) or language not in get_args(Language):
            raise ValueError(f"bad status/language {status!r}/{language!r}")
        log = d.obj("log")
        signatures = d.obj("signatures")
        return cls(
            meeting=_meeting_in(d.obj("meeting")),
            attendance=_attendance_in(d.obj("attendance")),
            agenda=tuple(_item_in(x) for x in d.objs("agenda")),
            polls=tuple(_poll_in(x) for x in d.objs("polls")),
            log=LogSeal(log.integer("event_count"), log.text("final_hash"), log.text("algorithm")),
            signatures=Signatures(signatures.text("chair"), signatures.text("secretary")),
            status=cast(MinutesStatus, status),
            language=cast(Language, language),
            generated_at=d.time_or_none("generated_at"),
        )


# --- rows for the CSV/XLSX tables ---------------------------------------------------------


@dataclass(frozen=True)
class AttendanceRow(_Normalised):
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
class PollResultRow(_Normalised):
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


# --- to_dict helpers ----------------------------------------------------------------------


def _time_out(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _decimal_out(value: Decimal | None) -> str | None:
    # A string, not a JSON number: readers parse JSON numbers as binary floats.
    return None if value is None else str(value)


def _meeting_out(m: MeetingInfo) -> JSON:
    return {
        "title": m.title,
        "organisation": m.organisation,
        "parent_organisation": m.parent_organisation,
        "reference": m.reference,
        "place": m.place,
        "city": m.city,
        "started_at": _time_out(m.started_at),
        "ended_at": _time_out(m.ended_at),
    }


def _attendance_out(a: Attendance) -> JSON:
    q = a.quorum
    return {
        "entitled": a.entitled,
        "present": a.present,
        "entitled_weight": _decimal_out(a.entitled_weight),
        "present_weight": _decimal_out(a.present_weight),
        "absent": [
            {"name": x.name, "delegation": x.delegation, "reason": x.reason} for x in a.absent
        ],
        "proxies": [
            {"from_name": p.from_name, "to_name": p.to_name, "at": _time_out(p.at)}
            for p in a.proxies
        ],
        "quorum": {
            "rule_text": q.rule_text,
            "met": q.met,
            "present": q.present,
            "entitled": q.entitled,
            "at": _time_out(q.at),
        },
    }


def _item_out(item: AgendaItem) -> JSON:
    fb = item.feedback
    return {
        "number": item.number,
        "title": item.title,
        "kind": item.kind,
        "started_at": _time_out(item.started_at),
        "ended_at": _time_out(item.ended_at),
        "speakers": [
            {"name": s.name, "delegation": s.delegation, "seconds": s.seconds}
            for s in item.speakers
        ],
        "documents": [
            {"title": d.title, "version": d.version, "pages": d.pages} for d in item.documents
        ],
        "feedback": None
        if fb is None
        else {
            "count": fb.count,
            "accepted": fb.accepted,
            "answered": fb.answered,
            "samples": [
                {"text": s.text, "author": s.author, "upvotes": s.upvotes} for s in fb.samples
            ],
        },
        "notes": list(item.notes),
    }


def _poll_out(p: PollResult) -> JSON:
    return {
        "title": p.title,
        "method": p.method,
        "secret": p.secret,
        "rule_text": p.rule_text,
        "base_name": p.base_name,
        "base_value": p.base_value,
        "eligible": p.eligible,
        "cast": p.cast,
        "valid": p.valid,
        "invalid": p.invalid,
        "seats": p.seats,
        "agenda_number": p.agenda_number,
        "opened_at": _time_out(p.opened_at),
        "closed_at": _time_out(p.closed_at),
        "options": [
            {
                "key": o.key,
                "label": o.label,
                "count": o.count,
                "weight": _decimal_out(o.weight),
                "pct_of_base": _decimal_out(o.pct_of_base),
                "pct_of_entitled": _decimal_out(o.pct_of_entitled),
            }
            for o in p.options
        ],
        "outcome": {
            "decision": p.outcome.decision,
            "elected": list(p.outcome.elected),
            "tied": list(p.outcome.tied),
            "seats_unfilled": p.outcome.seats_unfilled,
            "note": p.outcome.note,
        },
        "receipts_digest": p.receipts_digest,
        "poll_id": p.poll_id,
        "named_votes": [
            {
                "code": v.code,
                "name": v.name,
                "delegation": v.delegation,
                "seat": v.seat,
                "choice": None if v.choice is None else list(v.choice),
                "weight": _decimal_out(v.weight),
                "cast_by": v.cast_by or None,
            }
            for v in p.named_votes
        ],
    }


# --- from_dict helpers --------------------------------------------------------------------


class _Reader:
    """Typed access to one JSON object; every failure names the path that was wrong."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: expected an object")
        self._data: Mapping[str, object] = data
        self._path = path

    def _get(self, key: str) -> object:
        if key not in self._data:
            raise ValueError(f"{self._path}.{key}: missing")
        return self._data[key]

    def _fail(self, key: str, expected: str) -> ValueError:
        return ValueError(f"{self._path}.{key}: expected {expected}")

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def text_or_none(self, key: str) -> str | None:
        return None if self._get(key) is None else self.text(key)

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise self._fail(key, "a boolean")
        return value

    def integer(self, key: str) -> int:
        value = self._get(key)
        # bool is an int in Python but never a count here
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._fail(key, "an integer")
        return value

    def integer_or_none(self, key: str) -> int | None:
        return None if self._get(key) is None else self.integer(key)

    def decimal(self, key: str) -> Decimal:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._fail(key, "a decimal string")
        try:
            number = Decimal(value)
        except ArithmeticError:
            raise self._fail(key, "a decimal string") from None
        if not number.is_finite():
            raise self._fail(key, "a finite decimal")
        return number

    def decimal_or_none(self, key: str) -> Decimal | None:
        return None if self._get(key) is None else self.decimal(key)

    def time_or_none(self, key: str) -> datetime | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._fail(key, "an ISO 8601 time")
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise self._fail(key, "an ISO 8601 time") from None

    def time(self, key: str) -> datetime:
        value = self.time_or_none(key)
        if value is None:
            raise self._fail(key, "an ISO 8601 time")
        return value

    def obj(self, key: str) -> _Reader:
        return _Reader(self._get(key), f"{self._path}.{key}")

    def obj_or_none(self, key: str) -> _Reader | None:
        return None if self._get(key) is None else self.obj(key)

    def _list(self, key: str) -> Sequence[object]:
        value = self._get(key)
        if not isinstance(value, list):
            raise self._fail(key, "a list")
        return value

    def objs(self, key: str) -> list[_Reader]:
        return [_Reader(v, f"{self._path}.{key}[{i}]") for i, v in enumerate(self._list(key))]

    def objs_or_empty(self, key: str) -> list[_Reader]:
        return self.objs(key) if key in self._data else []

    def text_or_empty(self, key: str) -> str:
        """A field later versions added: absent from older files, read as ""."""
        return self.text(key) if key in self._data else ""

    def texts_or_none(self, key: str) -> tuple[str, ...] | None:
        return None if self._get(key) is None else self.texts(key)

    def texts(self, key: str) -> tuple[str, ...]:
        values = self._list(key)
        if not all(isinstance(v, str) for v in values):
            raise self._fail(key, "a list of strings")
        return tuple(cast(Sequence[str], values))


def _meeting_in(d: _Reader) -> MeetingInfo:
    return MeetingInfo(
        title=d.text("title"),
        organisation=d.text("organisation"),
        place=d.text("place"),
        started_at=d.time("started_at"),
        ended_at=d.time_or_none("ended_at"),
        parent_organisation=d.text("parent_organisation"),
        reference=d.text("reference"),
        city=d.text("city"),
    )


def _attendance_in(d: _Reader) -> Attendance:
    q = d.obj("quorum")
    return Attendance(
        entitled=d.integer("entitled"),
        present=d.integer("present"),
        entitled_weight=d.decimal_or_none("entitled_weight"),
        present_weight=d.decimal_or_none("present_weight"),
        quorum=QuorumCheck(
            rule_text=q.text("rule_text"),
            met=q.flag("met"),
            present=q.integer("present"),
            entitled=q.integer("entitled"),
            at=q.time_or_none("at"),
        ),
        absent=tuple(
            AbsentDelegate(x.text("name"), x.text("delegation"), x.text("reason"))
            for x in d.objs("absent")
        ),
        proxies=tuple(
            Proxy(x.text("from_name"), x.text("to_name"), x.time_or_none("at"))
            for x in d.objs("proxies")
        ),
    )


def _item_in(d: _Reader) -> AgendaItem:
    fb = d.obj_or_none("feedback")
    return AgendaItem(
        number=d.integer("number"),
        title=d.text("title"),
        kind=d.text("kind"),
        started_at=d.time_or_none("started_at"),
        ended_at=d.time_or_none("ended_at"),
        speakers=tuple(
            Speaker(s.text("name"), s.text("delegation"), s.integer("seconds"))
            for s in d.objs("speakers")
        ),
        documents=tuple(
            DocumentRef(x.text("title"), x.text("version"), x.integer_or_none("pages"))
            for x in d.objs("documents")
        ),
        feedback=None
        if fb is None
        else FeedbackSummary(
            count=fb.integer("count"),
            accepted=fb.integer("accepted"),
            answered=fb.integer("answered"),
            samples=tuple(
                FeedbackSample(s.text("text"), s.text("author"), s.integer("upvotes"))
                for s in fb.objs("samples")
            ),
        ),
        notes=d.texts("notes"),
    )


def _poll_in(d: _Reader) -> PollResult:
    o = d.obj("outcome")
    decision = o.text("decision")
    if decision not in get_args(Decision):
        raise ValueError(f"unknown decision {decision!r}")
    return PollResult(
        title=d.text("title"),
        method=d.text("method"),
        secret=d.flag("secret"),
        rule_text=d.text("rule_text"),
        base_name=d.text("base_name"),
        base_value=d.integer("base_value"),
        eligible=d.integer("eligible"),
        cast=d.integer("cast"),
        valid=d.integer("valid"),
        invalid=d.integer("invalid"),
        seats=d.integer_or_none("seats"),
        agenda_number=d.integer_or_none("agenda_number"),
        opened_at=d.time_or_none("opened_at"),
        closed_at=d.time_or_none("closed_at"),
        options=tuple(
            OptionResult(
                key=x.text("key"),
                label=x.text("label"),
                count=x.integer("count"),
                weight=x.decimal("weight"),
                pct_of_base=x.decimal("pct_of_base"),
                pct_of_entitled=x.decimal("pct_of_entitled"),
            )
            for x in d.objs("options")
        ),
        outcome=Outcome(
            decision=cast(Decision, decision),
            elected=o.texts("elected"),
            tied=o.texts("tied"),
            seats_unfilled=o.integer("seats_unfilled"),
            note=o.text("note"),
        ),
        receipts_digest=d.text("receipts_digest"),
        poll_id=d.text_or_empty("poll_id"),
        # Absent from files written before the annex existed: read as no list.
        named_votes=tuple(
            NamedVote(
                code=v.text("code"),
                name=v.text("name"),
                delegation=v.text("delegation"),
                seat=v.text("seat"),
                choice=v.texts_or_none("choice"),
                weight=v.decimal("weight"),
                cast_by=v.text_or_none("cast_by") or "",
            )
            for v in d.objs_or_empty("named_votes")
        ),
    )
