"""Counting: outcomes on each base, abstentions, weights, proxies, elections and their ties."""

import json
import tomllib
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from rooms.ballots import NormalizedChoice, PollSpec, validate_ballot
from rooms.majority import Rule, parse_rule
from rooms.tally import TallyError, Total, tally, to_decimal

Ballots = list[tuple[NormalizedChoice, Decimal]]

YNA = PollSpec.yes_no_abstain()
CANDIDATES = tuple(f"c{n:02}" for n in range(1, 15))
COMMITTEE = PollSpec.approval(CANDIDATES, seats=11)
MAJORITY_OF_VALID = parse_rule("more than 1/2 of valid ballots")


def given(spec: PollSpec, choice: object, n: int = 1, weight: str = "1") -> Ballots:
    """`n` accepted ballots with `choice`, each weighing `weight`."""
    return [(validate_ballot(spec, choice), Decimal(weight))] * n


def votes(yes: int = 0, no: int = 0, abstain: int = 0) -> Ballots:
    return given(YNA, "yes", yes) + given(YNA, "no", no) + given(YNA, "abstain", abstain)


def approvals(per_candidate: dict[str, int], ballots: int) -> Ballots:
    """`ballots` approval ballots on which each candidate is kept exactly as often as given.

    Candidates are dealt round-robin over the ballots, so no ballot keeps more than
    ceil(sum / ballots) names; the ballots go through `validate_ballot` like real ones.
    """
    kept: list[list[str]] = [[] for _ in range(ballots)]
    at = 0
    for candidate, n in per_candidate.items():
        for k in range(n):
            kept[(at + k) % ballots].append(candidate)
        at += n
    return [(validate_ballot(COMMITTEE, names), Decimal(1)) for names in kept]


# ---------------------------------------------------------------- yes / no / abstain


@pytest.mark.parametrize(
    ("rule", "yes", "then_passed"),
    [
        # 300 entitled, all present and voting: "at least 2/3" passes with 200, strict needs 201.
        ("at least 2/3 of all delegates", 200, True),
        ("at least 2/3 of all delegates", 199, False),
        ("more than 2/3 of all delegates", 200, False),
        ("more than 2/3 of all delegates", 201, True),
        ("more than 1/2 of all delegates", 150, False),
        ("more than 1/2 of all delegates", 151, True),
    ],
)
def test_yes_is_measured_against_the_rule_at_the_threshold(
    rule: str, yes: int, then_passed: bool
) -> None:
    result = tally(
        YNA, parse_rule(rule), votes(yes=yes, no=300 - yes),
        entitled=Total.of(300), present=Total.of(300),
    )
    assert result.passed is then_passed
    assert result.option("yes").passed is then_passed
    assert result.option("yes").share.count == yes


def test_350_entitled_more_than_half_needs_176() -> None:
    rule = parse_rule("quá 1/2 tổng số đại biểu")
    snapshot = {"entitled": Total.of(350), "present": Total.of(340)}
    assert not tally(YNA, rule, votes(yes=175, no=165), **snapshot).passed
    assert tally(YNA, rule, votes(yes=176, no=164), **snapshot).passed
    assert rule.min_count(350) == 176


# Same ballots, four bases: 120 yes, 50 no, 30 abstain (200 valid); 10 invalid (210 cast);
# 236 present; 350 entitled. Each rule below changes its outcome across one pair of bases.
SAME_BALLOTS = votes(yes=120, no=50, abstain=30)
SAME_SNAPSHOT = {"entitled": Total.of(350), "present": Total.of(236), "cast": Total.of(210)}


@pytest.mark.parametrize(
    ("fraction", "strict", "base", "then_base_total", "then_threshold", "then_passed"),
    [
        # "more than 4/7": 120 > 114.3 of valid, but not > 120 of cast.
        (Fraction(4, 7), True, "valid", 200, Fraction(800, 7), True),
        (Fraction(4, 7), True, "cast", 210, Fraction(120), False),
        # "at least 4/7": 120 >= 120 of cast, but not >= 134.9 of present.
        (Fraction(4, 7), False, "cast", 210, Fraction(120), True),
        (Fraction(4, 7), False, "present", 236, Fraction(944, 7), False),
        # "more than 1/2": 120 > 118 of present, but not > 175 of entitled.
        (Fraction(1, 2), True, "present", 236, Fraction(118), True),
        (Fraction(1, 2), True, "entitled", 350, Fraction(175), False),
    ],
)
def test_the_base_changes_the_outcome_of_the_same_ballots(
    fraction: Fraction,
    strict: bool,
    base: str,
    then_base_total: int,
    then_threshold: Fraction,
    then_passed: bool,
) -> None:
    rule = Rule(fraction, strict, base)  # type: ignore[arg-type]
    result = tally(YNA, rule, SAME_BALLOTS, **SAME_SNAPSHOT)
    assert result.base == base
    assert result.base_total.count == then_base_total
    assert result.threshold == then_threshold
    assert result.passed is then_passed
    assert result.valid == Total.of(200)
    assert result.invalid == Total.of(10)


@pytest.mark.parametrize(
    ("abstain", "then_passed"),
    [(0, True), (9, True), (10, False), (20, False)],
)
def test_abstentions_are_valid_ballots_that_are_not_yes(abstain: int, then_passed: bool) -> None:
    # 100 yes, 90 no; on "more than 1/2 of valid ballots" each abstention raises the bar.
    result = tally(
        YNA, MAJORITY_OF_VALID, votes(yes=100, no=90, abstain=abstain),
        entitled=Total.of(300), present=Total.of(250),
    )
    assert result.passed is then_passed
    assert result.valid.count == 190 + abstain
    assert result.cast.count == 190 + abstain
    assert result.blank.count == abstain
    assert [row.option for row in result.options] == ["yes", "no"]
    assert result.option("yes").share.count == 100


def test_abstentions_do_not_matter_against_all_delegates() -> None:
    rule = parse_rule("more than 1/2 of all delegates")
    snapshot = {"entitled": Total.of(300), "present": Total.of(290)}
    with_abstentions = tally(YNA, rule, votes(yes=151, no=40, abstain=99), **snapshot)
    without = tally(YNA, rule, votes(yes=151, no=40), **snapshot)
    assert with_abstentions.passed and without.passed
    assert with_abstentions.base_total == without.base_total == Total.of(300)


def test_weights_decide_and_counts_are_reported() -> None:
    # Two delegates weighing 2.5 and 1.25 say yes; three weighing 1 say no.
    # By head no would win 3 to 2; by weight yes wins 3.75 to 3 of 6.75 valid.
    ballots = given(YNA, "yes", weight="2.5") + given(YNA, "yes", weight="1.25")
    ballots += given(YNA, "no", 3)
    result = tally(
        YNA, MAJORITY_OF_VALID, ballots,
        entitled=Total.of(10, Decimal("12.5")), present=Total.of(6, Decimal("7.75")),
    )
    assert result.passed is True
    yes, no = result.option("yes").share, result.option("no").share
    assert (yes.count, yes.weight) == (2, Decimal("3.75"))
    assert (no.count, no.weight) == (3, Decimal("3"))
    assert result.valid == Total(5, Decimal("6.75"))
    assert str(yes.percent_of_base) == "55.56"  # 3.75 / 6.75
    assert str(yes.percent_of_entitled) == "30.00"  # 3.75 / 12.5


def test_weights_at_the_exact_threshold() -> None:
    # Weights 0.1 x 3 = 0.3 exactly; 0.3 of 0.9 is exactly 1/3: "at least 1/3" passes.
    ballots = given(YNA, "yes", 3, weight="0.1") + given(YNA, "no", 6, weight="0.1")
    snapshot = {"entitled": Total.of(9, Decimal("0.9")), "present": Total.of(9, Decimal("0.9"))}
    at_least = tally(YNA, Rule(Fraction(1, 3), False, "valid"), ballots, **snapshot)
    more_than = tally(YNA, Rule(Fraction(1, 3), True, "valid"), ballots, **snapshot)
    assert at_least.passed is True
    assert more_than.passed is False
    assert at_least.valid.weight == Decimal("0.9")


@pytest.mark.parametrize(
    ("rule", "with_proxy", "then_passed"),
    [
        ("more than 1/2 of all delegates", False, False),  # 2 yes of 5 entitled
        ("more than 1/2 of all delegates", True, True),  # + the proxy's ballot: 3 of 5
        ("more than 1/2 of delegates present", False, False),  # 2 of 4 present: not more
        ("more than 1/2 of delegates present", True, True),
    ],
)
def test_a_proxy_is_one_more_ballot_with_the_absent_delegates_weight(
    rule: str, with_proxy: bool, then_passed: bool
) -> None:
    # Five delegates; E is absent and D holds E's proxy. D votes no, and casts E's ballot yes.
    ballots = given(YNA, "yes", 2) + given(YNA, "no")
    if with_proxy:
        ballots += given(YNA, "yes")
    result = tally(YNA, parse_rule(rule), ballots, entitled=Total.of(5), present=Total.of(4))
    assert result.passed is then_passed
    assert result.cast.count == (4 if with_proxy else 3)


def test_a_proxy_carries_the_weight_of_the_delegate_it_stands_for() -> None:
    # Entitled weight 10: A (3), B (3), C (1.5) present; D (2.5) absent, proxy held by C.
    ballots = given(YNA, "yes", weight="3") + given(YNA, "no", weight="3")
    ballots += given(YNA, "no", weight="1.5") + given(YNA, "yes", weight="2.5")  # C, then D
    result = tally(
        YNA, parse_rule("more than 1/2 of all delegates"), ballots,
        entitled=Total.of(4, Decimal("10")), present=Total.of(3, Decimal("7.5")),
    )
    assert result.option("yes").share.weight == Decimal("5.5")
    assert result.passed is True  # 5.5 > 5
    assert result.cast == Total(4, Decimal("10"))


def test_national_assembly_shows_counts_and_percent_of_all_deputies() -> None:
    result = tally(
        YNA, parse_rule("ít nhất 2/3 tổng số đại biểu Quốc hội"),
        votes(yes=470, no=3, abstain=7), entitled=Total.of(500), present=Total.of(482),
    )
    assert result.passed is True
    yes = result.option("yes").share
    assert (yes.count, str(yes.percent_of_entitled), str(yes.percent_of_base)) == (
        470, "94.00", "94.00"
    )
    assert str(result.blank.percent_of_entitled) == "1.40"


def test_percentages_of_the_base_differ_from_percentages_of_all() -> None:
    result = tally(
        YNA, MAJORITY_OF_VALID, votes(yes=120, no=80), entitled=Total.of(400),
        present=Total.of(250),
    )
    yes = result.option("yes").share
    assert (str(yes.percent_of_base), str(yes.percent_of_entitled)) == ("60.00", "30.00")


def test_no_ballots_means_no_outcome() -> None:
    result = tally(YNA, MAJORITY_OF_VALID, [], entitled=Total.of(10), present=Total.of(0))
    assert result.passed is False
    assert result.base_total == Total.of(0)
    assert str(result.option("yes").share.percent_of_base) == "0.00"


# ---------------------------------------------------------------- single and multiple choice


CITY = PollSpec.single(("ha-long", "cam-pha", "uong-bi"))


@pytest.mark.parametrize(
    ("rule", "ballots", "then_winners", "then_tie", "then_open"),
    [
        # Plurality without a rule.
        (None, {"ha-long": 5, "cam-pha": 3}, ("ha-long",), (), 0),
        (None, {"ha-long": 4, "cam-pha": 4, "uong-bi": 1}, (), ("ha-long", "cam-pha"), 1),
        # A majority rule: 5 of 10 is not more than half, and then nobody wins.
        ("more than 1/2 of valid ballots", {"ha-long": 6, "cam-pha": 4}, ("ha-long",), (), 0),
        ("more than 1/2 of valid ballots", {"ha-long": 5, "cam-pha": 4, "abstain": 1}, (), (), 1),
        # A weak rule both may pass: the higher wins; equal ones are a reported tie.
        ("at least 1/3 of valid ballots", {"ha-long": 5, "cam-pha": 4}, ("ha-long",), (), 0),
        ("at least 1/3 of valid ballots", {"cam-pha": 4, "uong-bi": 4}, (), ("cam-pha", "uong-bi"),
         1),
    ],
)
def test_single_choice_winner(
    rule: str | None,
    ballots: dict[str, int],
    then_winners: tuple[str, ...],
    then_tie: tuple[str, ...],
    then_open: int,
) -> None:
    cast = [b for choice, n in ballots.items() for b in given(CITY, choice, n)]
    result = tally(
        CITY, None if rule is None else parse_rule(rule), cast,
        entitled=Total.of(12), present=Total.of(12),
    )
    assert result.winners == then_winners
    assert result.tie_at_last_seat == then_tie
    assert result.seats == 1
    assert result.seats_open == then_open
    assert result.passed is None


def test_multiple_choice_each_option_against_the_rule() -> None:
    spec = PollSpec.multiple(("a", "b", "c", "d"), min=1, max=2)
    ballots = given(spec, ["a", "b"], 6) + given(spec, ["a", "c"], 3) + given(spec, ["d"], 1)
    result = tally(
        spec, MAJORITY_OF_VALID, ballots, entitled=Total.of(10), present=Total.of(10)
    )
    assert {r.option: (r.share.count, r.passed) for r in result.options} == {
        "a": (9, True), "b": (6, True), "c": (3, False), "d": (1, False),
    }
    assert result.winners == ("a", "b")  # every option that passed, highest first
    assert result.seats is None
    assert result.tie_at_last_seat == ()


def test_multiple_choice_survey_without_rule_or_seats_has_no_winners() -> None:
    spec = PollSpec.multiple(("a", "b"), min=0)
    result = tally(
        spec, None, given(spec, ["a"], 3) + given(spec, [], 2),
        entitled=Total.of(5), present=Total.of(5),
    )
    assert result.winners == ()
    assert result.option("a").share.count == 3
    assert result.blank.count == 2
    assert result.base == "valid"


# ---------------------------------------------------------------- approval elections


# 100 valid ballots, 11 seats of 14 candidates, "more than 1/2 of valid ballots" (> 50).
# Ten candidates clearly elected; c03 and c13 tie on 55 for the last seat; c12 passes the rule
# with 51 but ranks below the tie; c05 with 50 is exactly half and fails the rule. Ballot order
# is not rank order, so nothing here can come out right by accident of order.
ELECTION = {
    "c01": 70, "c02": 93, "c03": 55, "c04": 88, "c05": 50, "c06": 80, "c07": 78,
    "c08": 75, "c09": 95, "c10": 60, "c11": 85, "c12": 51, "c13": 55, "c14": 90,
}
TEN_CLEAR = ("c09", "c02", "c14", "c04", "c11", "c06", "c07", "c08", "c01", "c10")


def test_election_11_of_14_reports_a_tie_at_the_last_seat() -> None:
    result = tally(
        COMMITTEE, MAJORITY_OF_VALID, approvals(ELECTION, 100),
        entitled=Total.of(350), present=Total.of(320), cast=Total.of(100),
    )
    assert result.elected == TEN_CLEAR  # highest first
    assert result.tie_at_last_seat == ("c03", "c13")  # not elected, in ballot order
    assert result.seats == 11
    assert result.seats_open == 1
    assert {r.option: r.share.count for r in result.options} == ELECTION
    assert result.option("c05").passed is False  # 50 of 100 is not more than half
    assert result.option("c12").passed is True  # passed, but below the tie: not elected
    assert "c12" not in result.elected


def test_election_without_the_tie_fills_every_seat() -> None:
    untied = dict(ELECTION, c13=54)
    result = tally(
        COMMITTEE, MAJORITY_OF_VALID, approvals(untied, 100),
        entitled=Total.of(350), present=Total.of(320),
    )
    assert result.elected == (*TEN_CLEAR, "c03")
    assert result.tie_at_last_seat == ()
    assert result.seats_open == 0


def test_a_tie_inside_the_seats_is_no_tie() -> None:
    # c03 and c10 both on 60, at places 10 and 11 of 11: both are elected.
    inside = dict(ELECTION, c03=60)
    result = tally(
        COMMITTEE, MAJORITY_OF_VALID, approvals(inside, 100),
        entitled=Total.of(350), present=Total.of(320),
    )
    assert set(result.elected[-2:]) == {"c03", "c10"}
    assert set(result.elected) == {*TEN_CLEAR, "c03"}
    assert result.tie_at_last_seat == ()


def test_seats_stay_open_when_too_few_pass_the_rule() -> None:
    few = dict.fromkeys(CANDIDATES, 30) | {"c03": 80, "c07": 51, "c09": 50}
    result = tally(
        COMMITTEE, MAJORITY_OF_VALID, approvals(few, 100),
        entitled=Total.of(350), present=Total.of(320),
    )
    assert result.elected == ("c03", "c07")
    assert result.tie_at_last_seat == ()
    assert result.seats_open == 9


def test_ballots_keeping_no_names_are_valid_and_raise_the_bar() -> None:
    # 60 of 100 ballots keep c01; with 20 blank ballots more (120 valid), 60 is no longer > 60.
    kept = approvals({"c01": 60}, 100)
    snapshot = {"entitled": Total.of(350), "present": Total.of(320)}
    before = tally(COMMITTEE, MAJORITY_OF_VALID, kept, **snapshot)
    after = tally(COMMITTEE, MAJORITY_OF_VALID, kept + given(COMMITTEE, [], 20), **snapshot)
    assert before.elected == ("c01",)
    assert after.elected == ()
    assert after.blank.count == 40 + 20
    assert after.valid.count == 120


def test_election_ties_are_on_weight_not_on_head_count() -> None:
    spec = PollSpec.approval(("x", "y", "z"), seats=1)
    # x: 2 ballots of weight 1.5 = 3; y: 3 ballots of weight 1 = 3. Equal weight: a tie.
    ballots = given(spec, ["x"], 2, weight="1.5") + given(spec, ["y"], 3)
    result = tally(spec, None, ballots, entitled=Total.of(5, 6), present=Total.of(5, 6))
    assert result.elected == ()
    assert result.tie_at_last_seat == ("x", "y")
    # One more tenth on x breaks it, by weight, though y still has more heads.
    ballots = given(spec, ["x"], 2, weight="1.55") + given(spec, ["y"], 3)
    result = tally(spec, None, ballots, entitled=Total.of(5, 7), present=Total.of(5, 7))
    assert result.elected == ("x",)


# ---------------------------------------------------------------- inconsistent inputs


@pytest.mark.parametrize(
    ("spec", "rule", "ballots", "snapshot", "then_code"),
    [
        (YNA, None, votes(yes=1), {}, "rule_required"),
        (YNA, MAJORITY_OF_VALID, given(CITY, "ha-long"), {}, "bad_ballot"),
        (YNA, MAJORITY_OF_VALID, [(NormalizedChoice("yes_no_abstain", ("maybe",)), Decimal(1))],
         {}, "bad_ballot"),
        (YNA, MAJORITY_OF_VALID, given(YNA, "yes", weight="0"), {}, "bad_weight"),
        (YNA, MAJORITY_OF_VALID, given(YNA, "yes", weight="-1"), {}, "bad_weight"),
        (YNA, MAJORITY_OF_VALID, given(YNA, "yes", weight="NaN"), {}, "bad_weight"),
        (YNA, MAJORITY_OF_VALID, [(validate_ballot(YNA, "yes"), 0.5)], {}, "bad_weight"),
        # Fewer ballots cast than accepted.
        (YNA, MAJORITY_OF_VALID, votes(yes=3), {"cast": Total.of(2)}, "inconsistent_counts"),
        (YNA, MAJORITY_OF_VALID, votes(yes=3), {"cast": Total.of(3, 2)}, "inconsistent_counts"),
        # More present, or more ballots, than delegates entitled.
        (YNA, MAJORITY_OF_VALID, votes(yes=3), {"present": Total.of(11)}, "inconsistent_counts"),
        (YNA, MAJORITY_OF_VALID, votes(yes=11), {}, "inconsistent_counts"),
    ],
)
def test_inconsistent_inputs_are_refused(
    spec: PollSpec,
    rule: Rule | None,
    ballots: Ballots,
    snapshot: dict[str, Total],
    then_code: str,
) -> None:
    counts = {"entitled": Total.of(10), "present": Total.of(10)} | snapshot
    with pytest.raises(TallyError) as e:
        tally(spec, rule, ballots, **counts)
    assert e.value.code == then_code


@pytest.mark.parametrize(
    ("count", "weight"), [(-1, Decimal(1)), (True, Decimal(1)), (1, Decimal("-1")), (1, 1.0)]
)
def test_totals_refuse_impossible_values(count: int, weight: Decimal) -> None:
    with pytest.raises(TallyError) as e:
        Total(count, weight)
    assert e.value.code == "inconsistent_counts"


# ---------------------------------------------------------------- export


@pytest.mark.parametrize(
    ("value", "then_text"),
    [
        (Fraction(11, 2), "5.5"),
        (Fraction(7, 8), "0.875"),
        (Fraction(350), "350"),
        (Fraction(0), "0"),
        (Fraction(10**40 + 1, 10), "1000000000000000000000000000000000000000.1"),  # > 28 digits
    ],
)
def test_to_decimal_is_exact_and_shortest(value: Fraction, then_text: str) -> None:
    assert str(to_decimal(value)) == then_text


def test_to_decimal_refuses_fractions_without_a_decimal_form() -> None:
    with pytest.raises(ValueError):
        to_decimal(Fraction(1, 3))


def test_to_dict_is_json_with_decimals_as_strings() -> None:
    ballots = given(YNA, "yes", 2, weight="1.5") + given(YNA, "no") + given(YNA, "abstain")
    result = tally(
        YNA, parse_rule("at least 2/3 of all delegates"), ballots,
        entitled=Total.of(5, Decimal("6.0")), present=Total.of(4, Decimal("5.0")),
        cast=Total.of(5, Decimal("6.0")),
    )
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["rule"] == {
        "fraction": "2/3", "strict": False, "base": "entitled",
        "vi": "ít nhất 2/3 tổng số đại biểu", "en": "at least 2/3 of all delegates",
    }
    assert data["threshold"] == "4"  # 2/3 of weight 6
    assert data["passed"] is False  # yes weighs 3
    assert data["entitled"] == {"count": 5, "weight": "6"}
    assert data["invalid"] == {"count": 1, "weight": "1"}
    assert data["options"] == [
        {"option": "yes", "count": 2, "weight": "3", "percent_of_base": "50.00",
         "percent_of_entitled": "50.00", "passed": False},
        {"option": "no", "count": 1, "weight": "1", "percent_of_base": "16.67",
         "percent_of_entitled": "16.67", "passed": None},
    ]
    assert data["blank"] == {"count": 1, "weight": "1", "percent_of_base": "16.67",
                             "percent_of_entitled": "16.67"}


def test_to_dict_of_an_election_lists_the_tie() -> None:
    result = tally(
        COMMITTEE, MAJORITY_OF_VALID, approvals(ELECTION, 100),
        entitled=Total.of(350), present=Total.of(320),
    )
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["tie_at_last_seat"] == ["c03", "c13"]
    assert data["seats_open"] == 1
    assert data["winners"] == list(result.elected)
    assert data["threshold"] == "50"


# ---------------------------------------------------------------- the demo congress


CONGRESS = Path(__file__).parents[2] / "server" / "assets" / "demo" / "congress.toml"


def test_every_rule_in_the_demo_congress_parses() -> None:
    data = tomllib.loads(CONGRESS.read_text(encoding="utf-8"))
    texts = [data["meeting"]["quorum"]]
    texts += [item["poll"]["pass"] for item in data["agenda"] if "poll" in item]
    rules = [parse_rule(text) for text in texts]
    assert [r.base for r in rules] == ["present", "present", "present", "valid", "entitled"]
    assert all(r.strict and r.fraction == Fraction(1, 2) for r in rules)
