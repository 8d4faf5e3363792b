"""Majority and quorum rules as data: a fraction, strict or not, and a base.

"More than 1/2 of delegates present" and "ít nhất 2/3 tổng số đại biểu" are the same kind of
value, a `Rule`; outcomes are decided with exact rational arithmetic, never with floats.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, TypeAlias, assert_never, get_args

Base: TypeAlias = Literal["valid", "cast", "present", "entitled"]
"""What a rule's fraction is taken of.

- ``valid``: valid ballots (every accepted ballot, abstentions and blank ballots included; only
  ballots the counting committee declared invalid are excluded, see `rooms.tally`);
- ``cast``: ballots cast, valid or not;
- ``present``: delegates present when the poll opened (frozen snapshot);
- ``entitled``: all delegates entitled to vote, present or not.
"""

BASES: Final[tuple[Base, ...]] = get_args(Base)

Number: TypeAlias = Fraction | int | Decimal
"""A count or a weight. Floats are refused: 0.1 is not a weight anyone meant."""

RuleErrorCode: TypeAlias = Literal["bad_rule", "bad_number", "bad_quorum_rule"]


class RuleError(ValueError):
    """A rule that cannot be parsed or built, or a number a rule cannot be applied to."""

    def __init__(self, code: RuleErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: RuleErrorCode = code
        self.message = message


def exact(value: Number) -> Fraction:
    """`value` as an exact Fraction; refuses floats, bools, NaN, infinities and negatives."""
    if isinstance(value, bool) or not isinstance(value, Fraction | int | Decimal):
        raise RuleError("bad_number", f"not an exact count or weight: {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise RuleError("bad_number", f"not a finite number: {value!r}")
    result = Fraction(value)
    if result < 0:
        raise RuleError("bad_number", f"counts and weights are never negative: {value!r}")
    return result


def percent(part: Number, whole: Number) -> Decimal:
    """`part` as a percentage of `whole`, two decimals, ROUND_HALF_UP. For display only.

    A zero `whole` gives 0.00 (there is nothing to be a share of). Rounding is done on the exact
    rational value, so 2/3 is 66.67 and 1/8 is 12.50 with no intermediate binary or decimal
    rounding.
    """
    p, w = exact(part), exact(whole)
    if w == 0:
        return Decimal("0.00")
    hundredths = p * 10_000 / w  # percent * 100, non-negative
    rounded = int(hundredths + Fraction(1, 2))  # floor(x + 1/2) is half-up for x >= 0
    return Decimal(f"{rounded}E-2")  # exact: the constructor never rounds


@dataclass(frozen=True)
class Rule:
    """`fraction` of `base`, passed with more than it (`strict`) or at least it.

    The fraction is in (0, 1]; "more than 1/1" could never pass and is refused.
    """

    fraction: Fraction
    strict: bool
    base: Base

    def __post_init__(self) -> None:
        if not isinstance(self.fraction, Fraction):
            raise RuleError("bad_rule", f"fraction must be a Fraction, not {self.fraction!r}")
        if not 0 < self.fraction <= 1:
            raise RuleError("bad_rule", f"fraction must be in (0, 1], not {self.fraction}")
        if self.strict and self.fraction == 1:
            raise RuleError("bad_rule", "'more than all' can never pass")
        if self.base not in BASES:
            raise RuleError("bad_rule", f"unknown base {self.base!r}")

    def threshold(self, base_total: Number) -> Fraction:
        """The exact value a count is compared with: `fraction` × `base_total`."""
        return self.fraction * exact(base_total)

    def passes(self, count: Number, base_total: Number) -> bool:
        """Whether `count` meets the rule against `base_total`. A zero base never passes."""
        c, b = exact(count), exact(base_total)
        if b == 0:
            return False
        t = self.fraction * b
        return c > t if self.strict else c >= t

    def min_count(self, base_total: int) -> int | None:
        """The smallest whole count that passes against `base_total`; None for a zero base.

        350 entitled, more than 1/2: 176. 300 entitled, at least 2/3: 200; more than 2/3: 201.
        """
        b = exact(base_total)
        if b == 0:
            return None
        t = self.fraction * b
        floor = t.numerator // t.denominator
        if self.strict:
            return floor + 1
        return floor if floor == t else floor + 1

    def describe(self, lang: Literal["vi", "en"] = "vi") -> str:
        """The rule in words; `parse_rule` reads every rendering back to an equal Rule."""
        frac = f"{self.fraction.numerator}/{self.fraction.denominator}"
        match lang:
            case "vi":
                qualifier = "quá" if self.strict else "ít nhất"
                return f"{qualifier} {frac} {_BASE_VI[self.base]}"
            case "en":
                qualifier = "more than" if self.strict else "at least"
                return f"{qualifier} {frac} of {_BASE_EN[self.base]}"
            case _:
                assert_never(lang)


def quorum_met(rule: Rule, present: Number, entitled: Number) -> bool:
    """Whether `present` (a count or a weight) is a quorum of `entitled` under `rule`.

    A quorum rule reads "more than 1/2 of delegates present" (what is measured is the present
    delegates) or "more than 1/2 of all delegates" (what it is measured against); either way
    presence is compared with the entitled total. A rule on ballots cannot be a quorum rule.
    """
    match rule.base:
        case "present" | "entitled":
            return rule.passes(present, entitled)
        case "valid" | "cast":
            raise RuleError("bad_quorum_rule", f"a quorum is not counted in ballots: {rule}")
        case _:
            assert_never(rule.base)


_BASE_VI: Final[dict[Base, str]] = {
    "valid": "tổng số phiếu hợp lệ",
    "cast": "tổng số phiếu thu vào",
    "present": "tổng số đại biểu có mặt",
    "entitled": "tổng số đại biểu",
}
_BASE_EN: Final[dict[Base, str]] = {
    "valid": "valid ballots",
    "cast": "ballots cast",
    "present": "delegates present",
    "entitled": "all delegates",
}

# The grammar, applied to NFC, case-folded, whitespace-collapsed text:
#
#   rule      := strict FRACTION [of] base | atleast FRACTION [of] base
#              | "từ" FRACTION [của] base "trở lên"
#   FRACTION  := N/M | N% | N.N% | "nửa" | "một nửa" | "half" | "one half"
#
# Bases are a closed list of phrases per language (below). Anything else is a `bad_rule` error
# that quotes the text, so a typo in a meeting's configuration is found when it is loaded.

_STRICT_WORDS = ("more than", "over", "above", "greater than", "quá", "trên", "hơn")
_AT_LEAST_WORDS = ("at least", "no less than", "not less than", "ít nhất", "tối thiểu",
                   "không ít hơn")
_FRACTION = r"(?P<frac>[0-9]+\s*/\s*[0-9]+|[0-9]+(?:\.[0-9]+)?\s*%|(?:một\s+)?nửa|(?:one\s+)?half)"
_OF = r"(?:\s+(?:of|của|so với))?"

_NOUN_EN = r"(?:delegates|deputies|members|voters)"
_NOUN_VI = r"(?:đại biểu(?: quốc hội)?|thành viên|ủy viên)"
_BASE_PHRASES: Final[tuple[tuple[Base, str], ...]] = (
    ("valid", r"(?:the\s+)?valid\s+(?:ballots|votes)"),
    ("valid", r"(?:tổng\s+)?(?:số\s+)?phiếu\s+hợp\s+lệ"),
    ("cast", r"(?:the\s+)?(?:(?:ballots|votes)\s+cast|cast\s+(?:ballots|votes))"),
    ("cast", r"(?:tổng\s+)?(?:số\s+)?phiếu\s+(?:thu\s+vào|thu\s+về|đã\s+bỏ|biểu\s+quyết)"),
    ("cast", rf"(?:tổng\s+)?số\s+{_NOUN_VI}\s+tham\s+gia\s+(?:biểu\s+quyết|bỏ\s+phiếu)"),
    ("present", rf"(?:the\s+)?(?:{_NOUN_EN}\s+present|present\s+{_NOUN_EN}|those\s+present)"),
    ("present", rf"(?:tổng\s+)?(?:số\s+)?{_NOUN_VI}\s+(?:có\s+mặt|dự\s+họp)"),
    ("entitled", rf"(?:(?:all|the)\s+)?(?:the\s+)?{_NOUN_EN}"
                 r"(?:\s+entitled(?:\s+to\s+vote)?)?"),
    ("entitled", rf"(?:all\s+)?(?:the\s+)?entitled\s+{_NOUN_EN}"),
    ("entitled", rf"(?:(?:tổng\s+)?số|toàn\s+thể)\s+{_NOUN_VI}(?:\s+được\s+triệu\s+tập)?"),
)


def _words(options: tuple[str, ...]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in options)


_BASE_GROUP = "|".join(f"(?P<b{i}>{p})" for i, (_, p) in enumerate(_BASE_PHRASES))
_RULE_RE = re.compile(
    rf"(?:(?P<strict>{_words(_STRICT_WORDS)})|(?P<atleast>{_words(_AT_LEAST_WORDS)}))"
    rf"\s+{_FRACTION}{_OF}\s+(?:{_BASE_GROUP})"
)
_FROM_RE = re.compile(rf"từ\s+{_FRACTION}{_OF}\s+(?:{_BASE_GROUP})\s+trở\s+lên")


def _normalize(text: str) -> str:
    t = unicodedata.normalize("NFC", text).casefold()
    # Two accepted spellings of the same syllable ("uỷ"/"ủy"); keep one.
    t = t.replace("uỷ", "ủy")
    t = " ".join(t.split())
    return t.rstrip(".;").strip()


def _fraction(text: str) -> Fraction:
    t = "".join(text.split())
    if t in ("nửa", "mộtnửa", "half", "onehalf"):
        return Fraction(1, 2)
    if t.endswith("%"):
        return Fraction(Decimal(t[:-1])) / 100
    num, den = t.split("/")
    if int(den) == 0:
        raise RuleError("bad_rule", f"zero denominator in {text!r}")
    return Fraction(int(num), int(den))


def parse_rule(text: str) -> Rule:
    """Read a rule written in English or Vietnamese.

    >>> parse_rule("more than 1/2 of delegates present")
    Rule(fraction=Fraction(1, 2), strict=True, base='present')
    >>> parse_rule("từ 2/3 tổng số đại biểu trở lên").describe("en")
    'at least 2/3 of all delegates'
    """
    if not isinstance(text, str):
        raise RuleError("bad_rule", f"a rule is text, not {text!r}")
    t = _normalize(text)
    if m := _RULE_RE.fullmatch(t):
        strict = m["strict"] is not None
    elif m := _FROM_RE.fullmatch(t):
        strict = False
    else:
        raise RuleError(
            "bad_rule",
            f"cannot read rule {text!r}; expected e.g. 'more than 1/2 of valid ballots', "
            "'at least 2/3 of all delegates', 'quá 1/2 tổng số đại biểu có mặt'",
        )
    base = next(b for i, (b, _) in enumerate(_BASE_PHRASES) if m[f"b{i}"] is not None)
    return Rule(_fraction(m["frac"]), strict, base)
