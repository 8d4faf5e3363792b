"""Majority and quorum rules: thresholds exactly at the edge, parsing, rendering, percentages."""

import ast
import doctest
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Literal

import pytest

import rooms.majority
from rooms.majority import Rule, RuleError, exact, parse_rule, percent, quorum_met

HALF, TWO_THIRDS, THREE_QUARTERS = Fraction(1, 2), Fraction(2, 3), Fraction(3, 4)


@pytest.mark.parametrize(
    ("given_rule", "base_total", "count", "then_passes"),
    [
        # 300 entitled: "at least 2/3" passes with 200, "more than 2/3" needs 201.
        (Rule(TWO_THIRDS, False, "entitled"), 300, 200, True),
        (Rule(TWO_THIRDS, False, "entitled"), 300, 199, False),
        (Rule(TWO_THIRDS, True, "entitled"), 300, 200, False),
        (Rule(TWO_THIRDS, True, "entitled"), 300, 201, True),
        # 350 entitled: "more than 1/2" needs 176; exactly half (175) is not more than half.
        (Rule(HALF, True, "entitled"), 350, 175, False),
        (Rule(HALF, True, "entitled"), 350, 176, True),
        (Rule(HALF, False, "entitled"), 350, 175, True),
        # Same edges on every base: the base only names where base_total comes from.
        (Rule(HALF, True, "valid"), 120, 60, False),
        (Rule(HALF, True, "valid"), 120, 61, True),
        (Rule(HALF, False, "cast"), 121, 60, False),
        (Rule(HALF, False, "cast"), 121, Fraction(121, 2), True),
        (Rule(THREE_QUARTERS, False, "cast"), 8, 6, True),
        (Rule(THREE_QUARTERS, True, "cast"), 8, 6, False),
        (Rule(TWO_THIRDS, False, "present"), 301, 200, False),
        (Rule(TWO_THIRDS, False, "present"), 301, 201, True),
        # Unanimity is "at least 1/1".
        (Rule(Fraction(1), False, "present"), 20, 20, True),
        (Rule(Fraction(1), False, "present"), 20, 19, False),
        # An empty base never passes, not even with nothing against it.
        (Rule(HALF, False, "valid"), 0, 0, False),
        (Rule(HALF, True, "present"), 0, 0, False),
    ],
)
def test_passes_exactly_at_the_threshold(
    given_rule: Rule, base_total: int, count: int | Fraction, then_passes: bool
) -> None:
    assert given_rule.passes(count, base_total) is then_passes


@pytest.mark.parametrize(
    ("given_rule", "base_total", "then_min_count"),
    [
        (Rule(HALF, True, "entitled"), 350, 176),
        (Rule(HALF, True, "entitled"), 351, 176),
        (Rule(HALF, False, "entitled"), 350, 175),
        (Rule(TWO_THIRDS, False, "entitled"), 300, 200),
        (Rule(TWO_THIRDS, True, "entitled"), 300, 201),
        (Rule(TWO_THIRDS, False, "entitled"), 350, 234),
        (Rule(THREE_QUARTERS, False, "cast"), 1, 1),
        (Rule(HALF, True, "valid"), 1, 1),
        (Rule(HALF, True, "valid"), 0, None),
    ],
)
def test_min_count_is_the_first_passing_whole_count(
    given_rule: Rule, base_total: int, then_min_count: int | None
) -> None:
    assert given_rule.min_count(base_total) == then_min_count
    if then_min_count is not None:
        assert given_rule.passes(then_min_count, base_total)
        assert not given_rule.passes(then_min_count - 1, base_total)


@pytest.mark.parametrize(
    ("given_rule", "count", "base_total", "then_passes"),
    [
        # Weighted: 100.5 of 200.5 is more than half (100.25); 100.25 exactly is not.
        (Rule(HALF, True, "valid"), Decimal("100.5"), Decimal("200.5"), True),
        (Rule(HALF, True, "valid"), Decimal("100.25"), Decimal("200.5"), False),
        (Rule(HALF, False, "valid"), Decimal("100.25"), Decimal("200.5"), True),
        # 2/3 of 4.5 is 3 exactly: at least passes, more than does not. Floats would wobble here.
        (Rule(TWO_THIRDS, False, "entitled"), Decimal("3.0"), Decimal("4.5"), True),
        (Rule(TWO_THIRDS, True, "entitled"), Decimal("3.0"), Decimal("4.5"), False),
        (Rule(TWO_THIRDS, True, "entitled"), Decimal("3.000000000000000000000000001"),
         Decimal("4.5"), True),
        # Mixed number types compare exactly.
        (Rule(HALF, True, "present"), Fraction(7, 2), 7, False),
        (Rule(HALF, True, "present"), Decimal("3.51"), 7, True),
    ],
)
def test_weighted_counts_are_exact(
    given_rule: Rule, count: Decimal | Fraction, base_total: Decimal | int, then_passes: bool
) -> None:
    assert given_rule.passes(count, base_total) is then_passes


@pytest.mark.parametrize(
    "bad_number",
    [0.5, True, Decimal("NaN"), Decimal("Infinity"), -1, Decimal("-0.5"), "3"],
)
def test_numbers_that_are_not_exact_counts_are_refused(bad_number: object) -> None:
    with pytest.raises(RuleError) as e:
        Rule(HALF, True, "valid").passes(bad_number, 10)  # type: ignore[arg-type]
    assert e.value.code == "bad_number"


def test_exact_converts_decimal_weights_without_loss() -> None:
    assert exact(Decimal("1.1")) == Fraction(11, 10)
    assert exact(Decimal("1.1")) * 3 == Fraction(33, 10)  # 1.1 * 3 == 3.3, unlike floats


@pytest.mark.parametrize(
    ("given_rule", "present", "entitled", "then_quorum"),
    [
        (Rule(HALF, True, "present"), 175, 350, False),
        (Rule(HALF, True, "present"), 176, 350, True),
        (Rule(HALF, True, "entitled"), 176, 350, True),  # "more than 1/2 of all delegates"
        (Rule(TWO_THIRDS, False, "present"), 200, 300, True),
        (Rule(TWO_THIRDS, False, "present"), 199, 300, False),
        (Rule(HALF, True, "present"), Decimal("175.5"), Decimal("350"), True),  # by weight
        (Rule(HALF, True, "present"), Decimal("175.0"), Decimal("350"), False),
        (Rule(HALF, True, "present"), 0, 0, False),
    ],
)
def test_quorum_compares_present_with_entitled(
    given_rule: Rule, present: int | Decimal, entitled: int | Decimal, then_quorum: bool
) -> None:
    assert quorum_met(given_rule, present, entitled) is then_quorum


@pytest.mark.parametrize(
    "ballot_base", ["more than 1/2 of valid ballots", "at least 1/2 of ballots cast"]
)
def test_a_rule_on_ballots_is_not_a_quorum_rule(ballot_base: str) -> None:
    with pytest.raises(RuleError) as e:
        quorum_met(parse_rule(ballot_base), 200, 300)
    assert e.value.code == "bad_quorum_rule"


def test_the_congress_quorum_string_is_a_quorum_rule() -> None:
    quorum = parse_rule("more than 1/2 of delegates present")  # congress.toml [meeting].quorum
    assert quorum_met(quorum, 176, 350)
    assert not quorum_met(quorum, 175, 350)


@pytest.mark.parametrize(
    ("text", "then_rule"),
    [
        # English, as congress.toml writes them.
        ("more than 1/2 of delegates present", Rule(HALF, True, "present")),
        ("more than 1/2 of valid ballots", Rule(HALF, True, "valid")),
        ("more than 1/2 of all delegates", Rule(HALF, True, "entitled")),
        ("at least 2/3 of all delegates", Rule(TWO_THIRDS, False, "entitled")),
        ("at least 3/4 of ballots cast", Rule(THREE_QUARTERS, False, "cast")),
        # English variants.
        ("More than 1/2 of delegates", Rule(HALF, True, "entitled")),
        ("over 50% of the valid votes", Rule(HALF, True, "valid")),
        ("at least 2 / 3 of the delegates entitled to vote", Rule(TWO_THIRDS, False, "entitled")),
        ("more than half of all deputies", Rule(HALF, True, "entitled")),
        ("not less than 60% of votes cast", Rule(Fraction(3, 5), False, "cast")),
        ("at least 2/3 of present members", Rule(TWO_THIRDS, False, "present")),
        ("  more   than 1/2 of\tvalid ballots. ", Rule(HALF, True, "valid")),
        # Vietnamese.
        ("quá 1/2 tổng số đại biểu", Rule(HALF, True, "entitled")),
        ("quá 1/2 tổng số đại biểu có mặt", Rule(HALF, True, "present")),
        ("trên 1/2 số phiếu hợp lệ", Rule(HALF, True, "valid")),
        ("ít nhất 2/3 tổng số đại biểu", Rule(TWO_THIRDS, False, "entitled")),
        ("từ 2/3 tổng số đại biểu trở lên", Rule(TWO_THIRDS, False, "entitled")),
        ("từ 2/3 tổng số đại biểu Quốc hội trở lên", Rule(TWO_THIRDS, False, "entitled")),
        ("Quá nửa tổng số đại biểu Quốc hội", Rule(HALF, True, "entitled")),
        ("quá một nửa số đại biểu dự họp", Rule(HALF, True, "present")),
        ("ít nhất 3/4 tổng số phiếu thu vào", Rule(THREE_QUARTERS, False, "cast")),
        ("quá 1/2 tổng số đại biểu được triệu tập", Rule(HALF, True, "entitled")),
        ("quá 1/2 tổng số uỷ viên", Rule(HALF, True, "entitled")),  # "uỷ" spelling
        ("quá 1/2 tổng số ủy viên", Rule(HALF, True, "entitled")),  # "ủy" spelling
        # Decomposed diacritics (NFD, as some keyboards send) read the same.
        ("qua\u0301 1/2 tô\u0309ng sô\u0301 đa\u0323i biê\u0309u", Rule(HALF, True, "entitled")),
    ],
)
def test_parse_rule(text: str, then_rule: Rule) -> None:
    assert parse_rule(text) == then_rule


@pytest.mark.parametrize(
    "text",
    [
        "",
        "majority",
        "more than 1/2",  # no base
        "1/2 of all delegates",  # no qualifier
        "more than 1/2 of the chairs",  # unknown base
        "more than 1/2 of delegates absent",
        "about 1/2 of all delegates",
        "quá 1/2",
        "từ 2/3 tổng số đại biểu",  # "từ … trở lên" without its closing half
        "more than 3/2 of all delegates",  # above 1
        "at least 0/3 of all delegates",  # zero
        "more than 1/0 of all delegates",
        "more than 1/1 of all delegates",  # can never pass
        "more than 1/2 of valid ballots; at least 2/3 of all delegates",
    ],
)
def test_parse_rule_refuses_anything_else(text: str) -> None:
    with pytest.raises(RuleError) as e:
        parse_rule(text)
    assert e.value.code == "bad_rule"
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize(
    ("fraction", "strict", "base"),
    [
        (Fraction(1), True, "valid"),  # more than everything
        (Fraction(0), False, "valid"),  # always passes: not a rule
        (Fraction(-1, 2), False, "valid"),
        (Fraction(3, 2), False, "valid"),
        (HALF, True, "absent"),
        (0.5, True, "valid"),  # floats are not exact
    ],
)
def test_rule_refuses_impossible_values(fraction: object, strict: bool, base: str) -> None:
    with pytest.raises(RuleError) as e:
        Rule(fraction, strict, base)  # type: ignore[arg-type]
    assert e.value.code == "bad_rule"


@pytest.mark.parametrize(
    ("given_rule", "then_vi", "then_en"),
    [
        (Rule(HALF, True, "present"), "quá 1/2 tổng số đại biểu có mặt",
         "more than 1/2 of delegates present"),
        (Rule(TWO_THIRDS, False, "entitled"), "ít nhất 2/3 tổng số đại biểu",
         "at least 2/3 of all delegates"),
        (Rule(HALF, True, "valid"), "quá 1/2 tổng số phiếu hợp lệ",
         "more than 1/2 of valid ballots"),
        (Rule(THREE_QUARTERS, False, "cast"), "ít nhất 3/4 tổng số phiếu thu vào",
         "at least 3/4 of ballots cast"),
        (Rule(Fraction(1), False, "present"), "ít nhất 1/1 tổng số đại biểu có mặt",
         "at least 1/1 of delegates present"),
    ],
)
def test_describe(given_rule: Rule, then_vi: str, then_en: str) -> None:
    assert given_rule.describe() == then_vi  # Vietnamese is the default
    assert given_rule.describe("vi") == then_vi
    assert given_rule.describe("en") == then_en


ALL_RULES = [
    Rule(fraction, strict, base)
    for fraction in (HALF, TWO_THIRDS, THREE_QUARTERS, Fraction(3, 5), Fraction(1))
    for strict in (True, False)
    for base in ("valid", "cast", "present", "entitled")
    if not (strict and fraction == 1)
]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.describe("en"))
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_describe_round_trips_through_parse(rule: Rule, lang: Literal["vi", "en"]) -> None:
    assert parse_rule(rule.describe(lang)) == rule


@pytest.mark.parametrize(
    ("part", "whole", "then_percent"),
    [
        (200, 300, "66.67"),
        (1, 3, "33.33"),
        (1, 8, "12.50"),  # a true half-way case: 12.5 exactly
        (1, 800, "0.13"),  # 0.125 rounds half up
        (1, 1600, "0.06"),  # 0.0625 rounds to 0.06
        (176, 350, "50.29"),
        (350, 350, "100.00"),
        (0, 350, "0.00"),
        (5, 0, "0.00"),  # nothing to be a share of
        (Decimal("1.5"), Decimal("4.5"), "33.33"),
        (Fraction(1, 3), 1, "33.33"),
    ],
)
def test_percent_is_two_decimals_half_up(
    part: int | Decimal | Fraction, whole: int | Decimal, then_percent: str
) -> None:
    result = percent(part, whole)
    assert isinstance(result, Decimal)
    assert str(result) == then_percent


def test_module_examples_hold() -> None:
    failed, attempted = doctest.testmod(rooms.majority)
    assert attempted > 0
    assert failed == 0


PURE_IMPORTS = {
    "__future__", "collections.abc", "dataclasses", "decimal", "enum", "fractions", "functools",
    "re", "typing", "unicodedata", "rooms.ballots", "rooms.majority",
}


@pytest.mark.parametrize("module", ["majority", "ballots", "tally"])
def test_the_rules_engine_imports_only_pure_modules(module: str) -> None:
    source = Path(__file__).parents[2] / "rooms" / f"{module}.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert imported, "the walk found no imports at all"
    assert imported <= PURE_IMPORTS, imported - PURE_IMPORTS
