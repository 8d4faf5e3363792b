"""A poll's totals are exact sums of the delegates' weights, however they are written: the
snapshot groups equal weights to sum them (a congress has a handful of distinct weights among
thousands of delegates), and must give what adding every weight one by one gives."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from rooms.poll_state import _sum_total, canonical_weight
from rooms.tally import to_decimal

WEIGHTS = st.sampled_from(["1", "1.0", "1.50", "1.5", "2", "0", "0.25", "3.125", "10", "0.1"])


@given(st.lists(WEIGHTS, max_size=60))
def test_the_total_is_the_sum_of_every_weight(weights: list[str]) -> None:
    one_by_one = sum((Fraction(Decimal(w)) for w in weights), Fraction(0))
    total = _sum_total(iter(weights))
    assert (total.count, total.weight) == (len(weights), to_decimal(one_by_one))


def test_equal_weights_are_written_alike() -> None:
    assert [canonical_weight(w) for w in ("1.50", "1.5", "1.0", "1", "0.250")] == [
        "1.5", "1.5", "1", "1", "0.25"]
