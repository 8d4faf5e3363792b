"""The majority-rule grammar published in the contract and docs/protocol.md is the parser's."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from protocol import majority_grammar as published
from rooms import majority
from rooms.majority import parse_rule

DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def test_word_lists_are_the_parsers() -> None:
    assert published.STRICT_WORDS == majority._STRICT_WORDS
    assert published.AT_LEAST_WORDS == majority._AT_LEAST_WORDS


@pytest.mark.parametrize(("text", "fraction", "strict", "base"), published.EXAMPLES)
def test_each_example_reads_as_published(text: str, fraction: str, strict: bool, base: str) -> None:
    rule = parse_rule(text)
    assert (rule.fraction, rule.strict, rule.base) == (Fraction(fraction), strict, base)
    # The JSON form round-trips through the words too.
    assert parse_rule(rule.describe("en")) == rule == parse_rule(rule.describe("vi"))


def test_every_base_has_an_example_and_is_in_the_docs() -> None:
    assert {base for *_, base in published.EXAMPLES} == set(majority.BASES)
    docs = DOCS.read_text(encoding="utf-8")
    for text, *_ in published.EXAMPLES:
        assert text in docs, text
