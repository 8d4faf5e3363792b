"""The sections of the minutes as frozen dataclasses: the meeting, attendance, agenda items,
poll results, the log seal and the signatures; ``rooms.minutes_model`` assembles them into
``Minutes`` and documents their JSON form. Pure: stdlib only.

Every string is NFC on construction and every time carries a timezone (``Normalised``);
counts and weights are checked non-negative, so nothing downstream has to check again.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal, get_args

from rooms.vietnamese import nfc

# "counted": a multiple-choice poll with no seats and no rule (a survey): nothing to pass
# or elect, only counts.
Decision = Literal["passed", "failed", "elected", "counted"]


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """``part`` as a percentage of ``whole``, rounded half-up to 2 decimals (0.00 when whole
    is 0). Rounded once, from the exact ratio, so 2/3 is 66.67 and 1/8 is 12.50 everywhere."""
    if whole <= 0:
        return Decimal("0.00")
    exact = Fraction(part) * 100 / Fraction(whole)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


class Normalised:
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


def check_non_negative(owner: object, **counts: int | Decimal | None) -> None:
    for name, value in counts.items():
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError(f"{type(owner).__name__}.{name} must be finite, got {value}")
        if value is not None and value < 0:
            raise ValueError(f"{type(owner).__name__}.{name} must be >= 0, got {value}")


# --- meeting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingInfo(Normalised):
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
class AbsentDelegate(Normalised):
    name: str
    delegation: str = ""
    reason: str = ""  # empty: absent without a reason given


@dataclass(frozen=True)
class Proxy(Normalised):
    from_name: str  # the absent delegate who gave the proxy
    to_name: str  # the present delegate who holds it
    at: datetime | None = None


@dataclass(frozen=True)
class QuorumCheck(Normalised):
    rule_text: str  # as the rules state it, "Quá 1/2 tổng số đại biểu được triệu tập"
    met: bool
    present: int
    entitled: int
    at: datetime | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        check_non_negative(self, present=self.present, entitled=self.entitled)

    @property
    def percent(self) -> Decimal:
        return percent(self.present, self.entitled)


@dataclass(frozen=True)
class Attendance(Normalised):
    entitled: int  # delegates convened (được triệu tập)
    present: int
    quorum: QuorumCheck  # as evaluated when the meeting opened
    entitled_weight: Decimal | None = None  # None: weights not used, same as the counts
    present_weight: Decimal | None = None
    absent: tuple[AbsentDelegate, ...] = ()
    proxies: tuple[Proxy, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        check_non_negative(
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
class Speaker(Normalised):
    name: str
    delegation: str = ""
    seconds: int = 0  # time actually spoken

    def __post_init__(self) -> None:
        super().__post_init__()
        check_non_negative(self, seconds=self.seconds)


@dataclass(frozen=True)
class DocumentRef(Normalised):
    title: str
    version: str = ""
    pages: int | None = None


@dataclass(frozen=True)
class FeedbackSample(Normalised):
    text: str
    author: str = ""  # name or delegation; empty when anonymous
    upvotes: int = 0


@dataclass(frozen=True)
class FeedbackSummary(Normalised):
    count: int  # feedback received on the item
    accepted: int = 0  # taken into the document (tiếp thu)
    answered: int = 0  # explained or answered (giải trình)
    samples: tuple[FeedbackSample, ...] = ()  # a few representative texts

    def __post_init__(self) -> None:
        super().__post_init__()
        check_non_negative(self, count=self.count, accepted=self.accepted, answered=self.answered)


@dataclass(frozen=True)
class QuestionEntry(Normalised):
    """An approved question of the Q&A, as the hall saw it."""

    text: str
    author: str = ""  # the delegate who asked
    delegation: str = ""
    votes: int = 0  # delegates who supported it
    answered: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        check_non_negative(self, votes=self.votes)


@dataclass(frozen=True)
class AgendaItem(Normalised):
    number: int  # position as it ran, from 1
    title: str
    kind: str = "procedural"
    started_at: datetime | None = None
    ended_at: datetime | None = None  # None: not reached or still running
    speakers: tuple[Speaker, ...] = ()
    documents: tuple[DocumentRef, ...] = ()
    feedback: FeedbackSummary | None = None
    notes: tuple[str, ...] = ()  # the secretary's notes
    questions: tuple[QuestionEntry, ...] = ()  # approved questions, most supported first


# --- polls --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionResult(Normalised):
    key: str  # the option's id in the poll; outcomes refer to options by it
    label: str
    count: int
    weight: Decimal  # equals count when weights are not used
    pct_of_base: Decimal  # of the rule's base (see PollResult.base_name), see percent()
    pct_of_entitled: Decimal  # of all delegates entitled (by weight when weighted)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_non_negative(self, count=self.count, weight=self.weight)


@dataclass(frozen=True)
class Outcome(Normalised):
    decision: Decision
    elected: tuple[str, ...] = ()  # option keys, highest count first
    tied: tuple[str, ...] = ()  # option keys tied for the last seat(s): reported, not broken
    seats_unfilled: int = 0
    note: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.decision not in get_args(Decision):
            raise ValueError(f"unknown decision {self.decision!r}")
        check_non_negative(self, seats_unfilled=self.seats_unfilled)


@dataclass(frozen=True)
class NamedVote(Normalised):
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
        check_non_negative(self, weight=self.weight)


@dataclass(frozen=True)
class PollResult(Normalised):
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
    # Named polls only: who chose what, sorted by name (see rooms.minutes_model's docstring).
    named_votes: tuple[NamedVote, ...] = ()
    poll_id: str = ""  # the poll's id in the log ("" in files written before it was kept)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.secret and self.named_votes:
            raise ValueError(f"secret poll {self.title!r} cannot list who chose what")
        check_non_negative(
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
class LogSeal(Normalised):
    event_count: int
    final_hash: str  # hex digest of the last event, which chains all before it
    algorithm: str = "sha256"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_non_negative(self, event_count=self.event_count)
        if self.final_hash and not all(c in "0123456789abcdefABCDEF" for c in self.final_hash):
            raise ValueError(f"final_hash is not hex: {self.final_hash!r}")


@dataclass(frozen=True)
class Signatures(Normalised):
    chair: str
    secretary: str
