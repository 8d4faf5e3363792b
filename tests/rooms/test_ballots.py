"""Poll specifications and ballot validation: what a tablet may send, and its canonical form."""

import pytest

from rooms.ballots import BallotError, NormalizedChoice, PollSpec, SpecError, validate_ballot

YNA = PollSpec.yes_no_abstain()
YN = PollSpec.yes_no_abstain(allow_abstain=False)
CITY = PollSpec.single(("ha-long", "cam-pha", "uong-bi"), allow_abstain=False)
CITY_OR_ABSTAIN = PollSpec.single(("ha-long", "cam-pha", "uong-bi"))
PRIORITIES = PollSpec.multiple(("a", "b", "c", "d", "e"), min=2, max=3, allow_abstain=False)
SURVEY = PollSpec.multiple(("a", "b", "c"), min=0)
CANDIDATES = tuple(f"c{n:02}" for n in range(1, 15))  # 14 candidates
COMMITTEE = PollSpec.approval(CANDIDATES, seats=11)  # congress.toml: 11 seats of 14


@pytest.mark.parametrize(
    ("spec", "choice", "then_selected", "then_blank"),
    [
        (YNA, "yes", ("yes",), False),
        (YNA, "no", ("no",), False),
        (YNA, "abstain", (), True),
        (CITY, "cam-pha", ("cam-pha",), False),
        (CITY_OR_ABSTAIN, "abstain", (), True),
        # Multiple: canonical order is ballot order, whatever order the tablet sent.
        (PRIORITIES, ["d", "a"], ("a", "d"), False),
        (PRIORITIES, ["e", "c", "b"], ("b", "c", "e"), False),
        (PRIORITIES, ("b", "a"), ("a", "b"), False),
        (SURVEY, [], (), True),  # min 0: an empty list is a blank ballot
        (SURVEY, "abstain", (), True),
        # Approval ("gạch tên"): the names kept; up to `seats`; none kept approves nobody.
        (COMMITTEE, list(CANDIDATES[:11]), CANDIDATES[:11], False),
        (COMMITTEE, ["c14", "c01"], ("c01", "c14"), False),
        (COMMITTEE, [], (), True),
    ],
)
def test_valid_choices_normalize(
    spec: PollSpec, choice: object, then_selected: tuple[str, ...], then_blank: bool
) -> None:
    normalized = validate_ballot(spec, choice)
    assert normalized.method == spec.method
    assert normalized.selected == then_selected
    assert normalized.blank is then_blank


@pytest.mark.parametrize(
    ("spec", "choice", "then_code"),
    [
        # Shape.
        (YNA, ["yes"], "bad_choice"),
        (YNA, None, "bad_choice"),
        (YNA, True, "bad_choice"),
        (YNA, 1, "bad_choice"),
        (CITY, ["ha-long"], "bad_choice"),
        (CITY, {"option": "ha-long"}, "bad_choice"),
        (PRIORITIES, "a", "bad_choice"),
        (PRIORITIES, ["a", 2], "bad_choice"),
        (PRIORITIES, None, "bad_choice"),
        (COMMITTEE, "c01", "bad_choice"),
        # Unknown ids.
        (YNA, "maybe", "unknown_option"),
        (YNA, "Yes", "unknown_option"),  # ids are exact
        (CITY, "hanoi", "unknown_option"),
        (PRIORITIES, ["a", "z"], "unknown_option"),
        (COMMITTEE, ["c01", "c15"], "unknown_option"),
        (COMMITTEE, ["abstain"], "unknown_option"),  # "abstain" is a choice, not an id in a list
        # Duplicates.
        (PRIORITIES, ["a", "a"], "duplicate_choice"),
        (COMMITTEE, ["c01", "c02", "c01"], "duplicate_choice"),
        # Multiple: min 2, max 3.
        (PRIORITIES, ["a"], "too_few_choices"),
        (PRIORITIES, [], "too_few_choices"),
        (PRIORITIES, ["a", "b", "c", "d"], "too_many_choices"),
        (PRIORITIES, ["a", "b", "c", "d", "e"], "too_many_choices"),
        (PRIORITIES, ["a", "b", "c", "d", "e", "a"], "too_many_choices"),  # length checked first
        # Approval: keeping 12 names of 14 for 11 seats is refused at submission.
        (COMMITTEE, list(CANDIDATES[:12]), "too_many_choices"),
        (COMMITTEE, list(CANDIDATES), "too_many_choices"),
        # Abstention where the poll does not take it.
        (YN, "abstain", "abstain_not_allowed"),
        (CITY, "abstain", "abstain_not_allowed"),
        (PRIORITIES, "abstain", "abstain_not_allowed"),
    ],
)
def test_invalid_choices_are_refused_with_a_code(
    spec: PollSpec, choice: object, then_code: str
) -> None:
    with pytest.raises(BallotError) as e:
        validate_ballot(spec, choice)
    assert e.value.code == then_code
    assert isinstance(e.value, ValueError)
    assert e.value.message


@pytest.mark.parametrize(
    ("spec", "choice"),
    [
        (YNA, "yes"),
        (YNA, "abstain"),
        (CITY, "uong-bi"),
        (CITY_OR_ABSTAIN, "abstain"),
        (PRIORITIES, ["c", "a"]),
        (SURVEY, []),
        (SURVEY, "abstain"),
        (COMMITTEE, ["c03", "c02"]),
        (COMMITTEE, []),
        (COMMITTEE, "abstain"),
    ],
)
def test_to_json_is_canonical_and_validates_back(spec: PollSpec, choice: object) -> None:
    normalized = validate_ballot(spec, choice)
    wire = normalized.to_json()
    assert validate_ballot(spec, wire) == normalized
    assert validate_ballot(spec, normalized.to_json()).to_json() == wire


def test_explicit_abstention_and_empty_list_count_the_same_but_stay_distinct() -> None:
    empty = validate_ballot(SURVEY, [])
    abstain = validate_ballot(SURVEY, "abstain")
    assert empty.blank and abstain.blank
    assert empty.to_json() == []
    assert abstain.to_json() == "abstain"


def test_multiple_abstention_is_allowed_even_when_min_is_above_zero() -> None:
    spec = PollSpec.multiple(("a", "b", "c"), min=2, max=2)
    assert validate_ballot(spec, "abstain") == NormalizedChoice("multiple", (), abstain=True)
    with pytest.raises(BallotError) as e:
        validate_ballot(spec, [])
    assert e.value.code == "too_few_choices"


def test_spec_defaults() -> None:
    assert PollSpec.multiple(("a", "b", "c")).max_choices == 3  # max None: all options
    assert PollSpec.multiple(("a", "b", "c")).min == 1
    assert COMMITTEE.max_choices == 11
    assert COMMITTEE.candidates == CANDIDATES
    assert YNA.choosable == ("yes", "no")
    assert CITY.max_choices == 1


@pytest.mark.parametrize(
    "make_spec",
    [
        lambda: PollSpec("yes_no_abstain", ("yes", "no")),
        lambda: PollSpec("yes_no_abstain", seats=1),
        lambda: PollSpec.single(()),
        lambda: PollSpec.single(("a", "a")),
        lambda: PollSpec.single(("a", "")),
        lambda: PollSpec.single(("a", "abstain")),  # reserved
        lambda: PollSpec("single", ("a", "b"), max=1),
        lambda: PollSpec("single", ["a", "b"]),  # type: ignore[arg-type]
        lambda: PollSpec.multiple(("a", "b"), min=3),
        lambda: PollSpec.multiple(("a", "b"), min=2, max=1),
        lambda: PollSpec.multiple(("a", "b"), max=3),
        lambda: PollSpec.multiple(("a", "b"), min=0, max=0),
        lambda: PollSpec.multiple(("a", "b"), min=-1),
        lambda: PollSpec.multiple(("a", "b"), seats=3),
        lambda: PollSpec.approval(("a", "b"), seats=0),
        lambda: PollSpec.approval(("a", "b"), seats=3),
        lambda: PollSpec("approval", ("a", "b")),  # no seats
        lambda: PollSpec("approval", ("a", "b"), seats=1, max=1),
        lambda: PollSpec.approval(("a", "b"), seats=True),
        lambda: PollSpec("ranked", ("a", "b")),  # type: ignore[arg-type]
    ],
)
def test_bad_specs_are_refused(make_spec: object) -> None:
    assert callable(make_spec)
    with pytest.raises(SpecError) as e:
        make_spec()
    assert e.value.code == "bad_spec"


def test_specs_are_frozen_values() -> None:
    assert PollSpec.approval(["x", "y"], seats=1) == PollSpec("approval", ("x", "y"), seats=1)
    with pytest.raises(AttributeError):
        COMMITTEE.seats = 12  # type: ignore[misc]
