"""Poll methods and ballot validation: what a poll asks, and whether a choice answers it.

A choice arrives as a small JSON value from a tablet; `validate_ballot` either returns its one
canonical form, a `NormalizedChoice`, or raises a `BallotError` whose `code` the tablet shows.

Choices, by method (the JSON the tablet sends):

- ``yes_no_abstain``: ``"yes"``, ``"no"`` or ``"abstain"``.
- ``single``: an option id, or ``"abstain"``.
- ``multiple``: a list of ``min``..``max`` distinct option ids, or ``"abstain"``.
- ``approval`` ("gạch tên"): the list of candidate ids the ballot *keeps* (names not crossed
  out), at most ``seats`` of them; ``[]`` keeps nobody. Or ``"abstain"``.

Blank ballots. A ballot that supports no option is *blank*: an abstention (``"abstain"``
wherever ``allow_abstain``), an empty ``multiple`` list when ``min`` is 0, or an ``approval``
ballot that keeps no names. A blank ballot is accepted, cast and **valid**; it only adds to no
option. Vietnamese practice counts abstentions ("không biểu quyết" as a choice) among the valid
ballots, and `rooms.tally` counts every accepted ballot as valid. Note that the election law
(Luật Bầu cử ĐBQH và HĐND 2015, art. 74) calls a paper ballot with every name crossed out
*invalid*; a congress that follows that rule must not enable it here without a spec flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal, NoReturn, TypeAlias, assert_never, get_args

Method: TypeAlias = Literal["yes_no_abstain", "single", "multiple", "approval"]
METHODS: Final[tuple[Method, ...]] = get_args(Method)

ABSTAIN: Final = "abstain"
YES_NO: Final[tuple[str, str]] = ("yes", "no")

SpecErrorCode: TypeAlias = Literal["bad_spec"]
BallotErrorCode: TypeAlias = Literal[
    "bad_choice",  # not the shape of choice this method takes
    "unknown_option",  # an id that is not on the ballot
    "duplicate_choice",  # the same id twice
    "too_many_choices",  # more than `max` (multiple) or `seats` (approval)
    "too_few_choices",  # fewer than `min` (multiple)
    "abstain_not_allowed",  # "abstain" on a poll without `allow_abstain`
]


class SpecError(ValueError):
    """A poll specification that cannot be voted on (a configuration mistake)."""

    def __init__(self, code: SpecErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: SpecErrorCode = code
        self.message = message


class BallotError(ValueError):
    """A choice that this poll cannot accept; the ballot is refused, nothing is recorded."""

    def __init__(self, code: BallotErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: BallotErrorCode = code
        self.message = message


@dataclass(frozen=True)
class PollSpec:
    """What a poll asks.

    `options` are the option ids (``single``, ``multiple``) or candidate ids (``approval``), in
    ballot order; for ``yes_no_abstain`` leave them empty. `min`/`max` bound a ``multiple``
    ballot (`max` None means "all options"); `seats` is the number of places an ``approval``
    election fills (required) or a ``multiple`` poll awards (optional; None: every option that
    passes the rule). Use the constructors below rather than the raw fields.
    """

    method: Method
    options: tuple[str, ...] = ()
    min: int = 0
    max: int | None = None
    seats: int | None = None
    allow_abstain: bool = True

    @classmethod
    def yes_no_abstain(cls, *, allow_abstain: bool = True) -> PollSpec:
        return cls("yes_no_abstain", allow_abstain=allow_abstain)

    @classmethod
    def single(cls, options: Sequence[str], *, allow_abstain: bool = True) -> PollSpec:
        return cls("single", tuple(options), allow_abstain=allow_abstain)

    @classmethod
    def multiple(
        cls,
        options: Sequence[str],
        *,
        min: int = 1,  # shadows the builtin: the domain's own word, used as a keyword
        max: int | None = None,
        seats: int | None = None,
        allow_abstain: bool = True,
    ) -> PollSpec:
        return cls("multiple", tuple(options), min, max, seats, allow_abstain)

    @classmethod
    def approval(
        cls, candidates: Sequence[str], *, seats: int, allow_abstain: bool = True
    ) -> PollSpec:
        return cls("approval", tuple(candidates), seats=seats, allow_abstain=allow_abstain)

    @property
    def candidates(self) -> tuple[str, ...]:
        """The options of an approval election, by their election name."""
        return self.options

    @property
    def choosable(self) -> tuple[str, ...]:
        """The ids a ballot may name: the options, or ("yes", "no")."""
        return YES_NO if self.method == "yes_no_abstain" else self.options

    @property
    def max_choices(self) -> int:
        """The most ids one ballot may name."""
        match self.method:
            case "yes_no_abstain" | "single":
                return 1
            case "multiple":
                return len(self.options) if self.max is None else self.max
            case "approval":
                assert self.seats is not None  # checked in __post_init__
                return self.seats
            case _:
                assert_never(self.method)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            _bad_spec(f"unknown method {self.method!r}")
        if not isinstance(self.options, tuple):
            _bad_spec("options must be a tuple of ids")
        self._check_whole_numbers()
        match self.method:
            case "yes_no_abstain":
                if self.options:
                    _bad_spec("a yes/no/abstain poll has no options of its own")
                self._only_defaults("min", "max", "seats")
            case "single":
                self._check_options()
                self._only_defaults("min", "max", "seats")
            case "multiple":
                self._check_options()
                self._check_multiple_bounds()
            case "approval":
                self._check_options()
                self._only_defaults("min", "max")
                n = len(self.options)
                if self.seats is None or not 1 <= self.seats <= n:
                    _bad_spec(f"an approval election needs 1 <= seats <= {n}, got {self.seats}")
            case _:
                assert_never(self.method)

    def _check_whole_numbers(self) -> None:
        for name, value in (("min", self.min), ("max", self.max), ("seats", self.seats)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                _bad_spec(f"{name} must be a whole number, not {value!r}")

    def _check_multiple_bounds(self) -> None:
        """min, max and seats of a multiple-choice poll against its number of options."""
        n = len(self.options)
        top = n if self.max is None else self.max
        if not 0 <= self.min <= top <= n or top < 1:
            _bad_spec(f"need 0 <= min <= max <= {n} and max >= 1, "
                      f"got min={self.min} max={self.max}")
        if self.seats is not None and not 1 <= self.seats <= n:
            _bad_spec(f"seats must be between 1 and {n}, got {self.seats}")

    def _check_options(self) -> None:
        if not self.options:
            _bad_spec(f"a {self.method} poll needs options")
        for o in self.options:
            if not isinstance(o, str) or not o:
                _bad_spec(f"option ids are non-empty strings, not {o!r}")
            if o == ABSTAIN:
                _bad_spec(f"{ABSTAIN!r} is reserved and cannot be an option id")
        if len(set(self.options)) != len(self.options):
            _bad_spec("option ids must be distinct")

    def _only_defaults(self, *names: str) -> None:
        defaults = {"min": 0, "max": None, "seats": None}
        for name in names:
            if getattr(self, name) != defaults[name]:
                _bad_spec(f"{name} does not apply to a {self.method} poll")


def _bad_spec(message: str) -> NoReturn:
    raise SpecError("bad_spec", message)


@dataclass(frozen=True)
class NormalizedChoice:
    """A validated choice in canonical form.

    `selected` holds the chosen ids in ballot order (for yes/no/abstain, ``("yes",)`` or
    ``("no",)``); it is empty for a blank ballot. `abstain` tells an explicit abstention from an
    empty selection, so that `to_json` gives back what was sent (in canonical order).
    """

    method: Method
    selected: tuple[str, ...]
    abstain: bool = False

    @property
    def blank(self) -> bool:
        """A ballot that supports no option: cast and valid, counted for nobody."""
        return not self.selected

    def to_json(self) -> str | list[str]:
        """The canonical JSON choice; `validate_ballot` accepts it back unchanged."""
        if self.abstain:
            return ABSTAIN
        match self.method:
            case "yes_no_abstain" | "single":
                return self.selected[0]
            case "multiple" | "approval":
                return list(self.selected)
            case _:
                assert_never(self.method)


_ONE_ID = ("yes_no_abstain", "single")


def _abstain_or_one_id(spec: PollSpec, choice: object) -> NormalizedChoice | None:
    if not isinstance(choice, str):
        return None
    if choice == ABSTAIN:
        if not spec.allow_abstain:
            raise BallotError("abstain_not_allowed", "this poll does not take abstentions")
        return NormalizedChoice(spec.method, (), abstain=True)
    if spec.method in _ONE_ID and choice in spec.choosable:
        # One allowed id where one is asked: every check of validate_ballot passes, and
        # most ballots of a burst are this.
        return _one_id(spec.method, choice)
    return None


@lru_cache(maxsize=256)
def _one_id(method: Method, choice: str) -> NormalizedChoice:
    # Immutable, and a burst's ballots name a few ids: each choice is made once, not once a
    # ballot. Only ids of a poll reach here, and the cache is bounded anyway.
    return NormalizedChoice(method, (choice,))


def validate_ballot(spec: PollSpec, choice: object) -> NormalizedChoice:
    """`choice` as the canonical choice of a ballot in a poll of `spec`, or a `BallotError`.

    Checks run in a fixed order, so a choice wrong in several ways always gets the same code:
    shape (``bad_choice``, ``abstain_not_allowed``), length bound (``too_many_choices``), then
    ids (``unknown_option``, ``duplicate_choice``), then ``too_few_choices``.
    """
    simple = _abstain_or_one_id(spec, choice)
    if simple is not None:
        return simple
    match spec.method:
        case "yes_no_abstain" | "single":
            if not isinstance(choice, str):
                raise BallotError("bad_choice", f"expected one option id, got {_show(choice)}")
            ids: list[str] = [choice]
        case "multiple" | "approval":
            if not isinstance(choice, list | tuple) or not all(isinstance(c, str) for c in choice):
                raise BallotError("bad_choice", f"expected a list of ids, got {_show(choice)}")
            ids = list(choice)
        case _:
            assert_never(spec.method)

    # Approval: a paper "gạch tên" ballot keeping more than `seats` names would be counted as
    # cast but invalid. On a tablet we refuse it at submission instead, with a clear error, so
    # the delegate can correct it: an invalid ballot is never recorded electronically.
    if len(ids) > spec.max_choices:
        raise BallotError(
            "too_many_choices", f"at most {spec.max_choices} choices, got {len(ids)}"
        )
    allowed = spec.choosable
    for i in ids:
        if i not in allowed:
            raise BallotError("unknown_option", f"{_show(i)} is not on this ballot")
    if len(set(ids)) != len(ids):
        raise BallotError("duplicate_choice", "the same option was chosen twice")
    if spec.method == "multiple" and len(ids) < spec.min:
        raise BallotError("too_few_choices", f"at least {spec.min} choices, got {len(ids)}")
    position = {o: n for n, o in enumerate(allowed)}
    return NormalizedChoice(spec.method, tuple(sorted(ids, key=position.__getitem__)))


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
