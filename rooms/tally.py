"""Counting accepted ballots into a poll's result: shares, outcome, winners, ties.

Counting rules, decided once here:

- Every accepted ballot is *valid*, including blank ones (abstentions, empty selections): they
  count in the ``valid`` and ``cast`` bases and for no option. So with a "valid ballots" rule an
  abstention weighs like a "no"; with a "delegates present" or "all delegates" rule so does not
  voting at all. Ballots *cast* may exceed the valid ones only by ballots the counting
  committee declared invalid (paper ballots entered by hand): pass `cast` for that; a tablet
  ballot is never invalid, it is refused at submission (`rooms.ballots`).
- Outcomes are decided on *weights*: a delegate's weight multiplies their ballot, and a proxy
  holder's second ballot is simply another ballot carrying the absent delegate's weight. Where
  nobody has a weight, weight equals count. Counts are reported beside weights.
- Percentages are of the rule's base and of all entitled delegates (the National Assembly of
  Viet Nam shows both). They are for display; outcomes use exact fractions.
- Seats go to the options that pass the rule, highest weight first. A tie at the last seat is
  reported in `tie_at_last_seat`; the tied candidates are not elected and their seats stay open
  (practice is a new round among them). It is never broken by ballot order or by count.
- The "present" base is the snapshot's present figure as given: whether a delegate represented
  by proxy counts as present is the attendance module's decision, not this one's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal, TypeAlias, assert_never

from rooms.ballots import Method, NormalizedChoice, PollSpec
from rooms.majority import Base, Number, Rule, RuleError, exact, percent

Json: TypeAlias = dict[str, "Json"] | list["Json"] | str | int | bool | None

TallyErrorCode: TypeAlias = Literal[
    "rule_required",  # a yes/no/abstain poll has no outcome without a rule
    "bad_ballot",  # a ballot that does not belong to this poll
    "bad_weight",  # a ballot weight that is not a positive finite number
    "inconsistent_counts",  # snapshot figures that contradict each other or the ballots
]


class TallyError(ValueError):
    """Inputs a result cannot be computed from; a bug upstream, never a voter's mistake."""

    def __init__(self, code: TallyErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: TallyErrorCode = code
        self.message = message


def to_decimal(value: Fraction) -> Decimal:
    """An exact decimal Fraction (sums of Decimal weights are) as the shortest Decimal."""
    num, den = value.numerator, value.denominator
    places = 0
    while 10**places % den:
        places += 1
        if places > 60:
            raise ValueError(f"{value} has no exact decimal form")
    return Decimal(f"{num * 10**places // den}E-{places}")  # exact: the constructor never rounds


@dataclass(frozen=True)
class Total:
    """A number of delegates or ballots and their summed weight."""

    count: int
    weight: Decimal

    @classmethod
    def of(cls, count: int, weight: Decimal | int | None = None) -> Total:
        """`count` with `weight` (default: one per head)."""
        return cls(count, Decimal(count if weight is None else weight))

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise TallyError("inconsistent_counts", f"bad count {self.count!r}")
        if not isinstance(self.weight, Decimal) or not self.weight.is_finite() or self.weight < 0:
            raise TallyError("inconsistent_counts", f"bad weight {self.weight!r}")

    def covers(self, other: Total) -> bool:
        return self.count >= other.count and self.weight >= other.weight

    def to_dict(self) -> dict[str, Json]:
        return {"count": self.count, "weight": str(to_decimal(Fraction(self.weight)))}


@dataclass(frozen=True)
class Share:
    """Ballots for one option (or blank), with their percentages of the base and of all."""

    count: int
    weight: Decimal
    percent_of_base: Decimal
    percent_of_entitled: Decimal

    def to_dict(self) -> dict[str, Json]:
        return {
            "count": self.count,
            "weight": str(self.weight),
            "percent_of_base": str(self.percent_of_base),
            "percent_of_entitled": str(self.percent_of_entitled),
        }


@dataclass(frozen=True)
class OptionResult:
    """One option's share and, where a rule applies to it, whether it passed the rule.

    For yes/no/abstain only "yes" has `passed` (the poll's outcome); "no" has None.
    """

    option: str
    share: Share
    passed: bool | None


@dataclass(frozen=True)
class Result:
    """The counted result of one poll.

    `base` is the rule's base (``valid`` when there is no rule: percentages still need one) and
    `base_total` its value; `threshold` is the exact rule fraction × base weight a weight is
    compared with. `passed` is the outcome of a yes/no/abstain poll, None otherwise. `winners`
    (the elected, for an approval election) are in rank order; `tie_at_last_seat` in ballot
    order; `seats_open` counts seats neither won nor filled (a tie, or too few passed the rule).
    """

    method: Method
    rule: Rule | None
    base: Base
    base_total: Total
    threshold: Fraction | None
    entitled: Total
    present: Total
    cast: Total
    valid: Total
    invalid: Total
    options: tuple[OptionResult, ...]
    blank: Share
    passed: bool | None
    seats: int | None
    winners: tuple[str, ...]
    tie_at_last_seat: tuple[str, ...]
    seats_open: int

    @property
    def elected(self) -> tuple[str, ...]:
        """The winners of an approval election, by their election name."""
        return self.winners

    def option(self, option: str) -> OptionResult:
        """The result row of `option` (KeyError if the poll has no such option)."""
        for row in self.options:
            if row.option == option:
                return row
        raise KeyError(option)

    def to_dict(self) -> dict[str, Json]:
        """A JSON-able form for events and exports: decimals and fractions as strings."""
        rule: Json = None
        if self.rule is not None:
            rule = {
                "fraction": _fraction_str(self.rule.fraction),
                "strict": self.rule.strict,
                "base": self.rule.base,
                "vi": self.rule.describe("vi"),
                "en": self.rule.describe("en"),
            }
        return {
            "method": self.method,
            "rule": rule,
            "base": self.base,
            "base_total": self.base_total.to_dict(),
            "threshold": None if self.threshold is None else str(self.threshold),
            "entitled": self.entitled.to_dict(),
            "present": self.present.to_dict(),
            "cast": self.cast.to_dict(),
            "valid": self.valid.to_dict(),
            "invalid": self.invalid.to_dict(),
            "options": [
                {"option": row.option, **row.share.to_dict(), "passed": row.passed}
                for row in self.options
            ],
            "blank": self.blank.to_dict(),
            "passed": self.passed,
            "seats": self.seats,
            "winners": list(self.winners),
            "tie_at_last_seat": list(self.tie_at_last_seat),
            "seats_open": self.seats_open,
        }


def tally(
    spec: PollSpec,
    rule: Rule | None,
    ballots: Iterable[tuple[NormalizedChoice, Decimal]],
    *,
    entitled: Total,
    present: Total,
    cast: Total | None = None,
) -> Result:
    """Count `ballots` (accepted, anonymous, each with its weight) into a `Result`.

    `entitled` and `present` come from the snapshot frozen when the poll opened. `cast` is the
    ballots cast, invalid ones included; None means "exactly the accepted ballots".
    """
    if rule is None and spec.method == "yes_no_abstain":
        raise TallyError("rule_required", "a yes/no/abstain poll needs a majority rule")
    counted = _count(spec, ballots)
    valid = Total(counted.valid_count, to_decimal(counted.valid_weight))
    cast = valid if cast is None else cast
    invalid = _difference(cast, valid, "ballots cast", "valid ballots")
    _difference(entitled, present, "delegates entitled", "delegates present")
    _difference(entitled, cast, "delegates entitled", "ballots cast")

    base: Base = "valid" if rule is None else rule.base
    base_total = _base_total(base, valid=valid, cast=cast, present=present, entitled=entitled)
    bw = Fraction(base_total.weight)
    decided = _decide(spec, rule, counted, bw, entitled)
    return Result(
        method=spec.method,
        rule=rule,
        base=base,
        base_total=base_total,
        threshold=None if rule is None else rule.threshold(bw),
        entitled=entitled,
        present=present,
        cast=cast,
        valid=valid,
        invalid=invalid,
        options=decided.rows,
        blank=_share(counted.blank_count, counted.blank_weight, bw, entitled),
        passed=decided.passed,
        seats=decided.seats,
        winners=decided.winners,
        tie_at_last_seat=decided.tie,
        seats_open=0 if decided.seats is None else decided.seats - len(decided.winners),
    )


@dataclass
class _Counted:
    """Ballots summed per option (in ballot order), blank ones, and all of them."""

    counts: dict[str, int]
    weights: dict[str, Fraction]
    blank_count: int = 0
    blank_weight: Fraction = Fraction(0)
    valid_count: int = 0
    valid_weight: Fraction = Fraction(0)


def _count(spec: PollSpec, ballots: Iterable[tuple[NormalizedChoice, Decimal]]) -> _Counted:
    choosable = spec.choosable
    counted = _Counted(dict.fromkeys(choosable, 0), dict.fromkeys(choosable, Fraction(0)))
    for choice, weight in ballots:
        w = _weight(weight)
        if choice.method != spec.method or any(o not in counted.counts for o in choice.selected):
            raise TallyError("bad_ballot", f"ballot {choice!r} does not belong to this poll")
        counted.valid_count += 1
        counted.valid_weight += w
        if choice.blank:
            counted.blank_count += 1
            counted.blank_weight += w
        for o in choice.selected:
            counted.counts[o] += 1
            counted.weights[o] += w
    return counted


def _share(count: int, weight: Fraction, base_weight: Fraction, entitled: Total) -> Share:
    return Share(
        count, to_decimal(weight), percent(weight, base_weight), percent(weight, entitled.weight)
    )


@dataclass(frozen=True)
class _Decided:
    """Each option's row, and what the rule and the seats make of them."""

    rows: tuple[OptionResult, ...]
    passed: bool | None = None
    seats: int | None = None
    winners: tuple[str, ...] = ()
    tie: tuple[str, ...] = ()


def _decide(
    spec: PollSpec, rule: Rule | None, counted: _Counted, bw: Fraction, entitled: Total
) -> _Decided:
    """The outcome of a yes/no/abstain poll, or the seats an election or choice fills."""
    choosable = spec.choosable
    counts, weights = counted.counts, counted.weights

    def share(option: str) -> Share:
        return _share(counts[option], weights[option], bw, entitled)

    def passes(option: str) -> bool | None:
        return None if rule is None else rule.passes(weights[option], bw)

    match spec.method:
        case "yes_no_abstain":
            passed = passes("yes")
            rows = tuple(
                OptionResult(o, share(o), passed if o == "yes" else None) for o in choosable
            )
            return _Decided(rows, passed=passed)
        case "single" | "multiple" | "approval":
            rows = tuple(OptionResult(o, share(o), passes(o)) for o in choosable)
            seats = 1 if spec.method == "single" else spec.seats
            if rule is not None:
                eligible = [r.option for r in rows if r.passed]
            elif seats is not None:
                eligible = [o for o in choosable if weights[o] > 0]
            else:
                eligible = []  # a multiple-choice survey: counted, nothing to win
            winners, tie = _fill_seats(eligible, weights, seats)
            return _Decided(rows, seats=seats, winners=winners, tie=tie)
        case _:
            assert_never(spec.method)


def _fill_seats(
    eligible: list[str], weights: dict[str, Fraction], seats: int | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(winners in rank order, tied at the last seat in ballot order) among `eligible`."""
    ranked = sorted(eligible, key=lambda o: -weights[o])  # stable: ballot order among equals
    if seats is None or len(ranked) <= seats:
        return tuple(ranked), ()
    cut = weights[ranked[seats - 1]]
    if weights[ranked[seats]] != cut:
        return tuple(ranked[:seats]), ()
    above = tuple(o for o in ranked if weights[o] > cut)
    tied = tuple(o for o in eligible if weights[o] == cut)
    return above, tied


def _base_total(base: Base, *, valid: Total, cast: Total, present: Total, entitled: Total) -> Total:
    match base:
        case "valid":
            return valid
        case "cast":
            return cast
        case "present":
            return present
        case "entitled":
            return entitled
        case _:
            assert_never(base)


def _weight(weight: Number) -> Fraction:
    try:
        w = exact(weight)
    except RuleError as e:
        raise TallyError("bad_weight", e.message) from None
    if w <= 0:
        raise TallyError("bad_weight", f"a ballot weighs more than nothing, not {weight!r}")
    return w


def _difference(whole: Total, part: Total, whole_name: str, part_name: str) -> Total:
    if not whole.covers(part):
        raise TallyError(
            "inconsistent_counts",
            f"{part_name} ({part.count}, weight {part.weight}) exceed "
            f"{whole_name} ({whole.count}, weight {whole.weight})",
        )
    weight = to_decimal(Fraction(whole.weight) - Fraction(part.weight))
    return Total(whole.count - part.count, weight)


def _fraction_str(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"
