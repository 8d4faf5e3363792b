"""``clean`` takes short ASCII strings of a map as they are, without a call each: the same
values and the same refusals as checking every value one by one (the rule below)."""

from __future__ import annotations

import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import limits
from protocol.codec import clean
from protocol.errors import ErrorCode, ProtocolError


def rule(value: Any, depth: int = 0) -> Any:
    """Every value checked on its own: the specification ``clean`` must agree with."""
    if depth > limits.MAX_DEPTH:
        raise ProtocolError(ErrorCode.TOO_LARGE, "deep")
    if isinstance(value, list):
        if len(value) > limits.MAX_LIST_ITEMS:
            raise ProtocolError(ErrorCode.TOO_LARGE, "list")
        return [rule(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if len(value) > limits.MAX_MAP_ITEMS:
            raise ProtocolError(ErrorCode.TOO_LARGE, "map")
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ProtocolError(ErrorCode.BAD_FIELD, "key")
            out[rule(k, depth + 1)] = rule(v, depth + 1)  # the value first (Python's order)
        return out
    return scalar(value)


def scalar(value: Any) -> Any:
    if isinstance(value, str):
        if len(value) > limits.MAX_STRING_CHARS:
            raise ProtocolError(ErrorCode.TOO_LARGE, "long")
        return unicodedata.normalize("NFC", value)
    if isinstance(value, int) and not isinstance(value, bool):
        if not -(2**53) <= value <= 2**53:
            raise ProtocolError(ErrorCode.BAD_FIELD, "int")
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise ProtocolError(ErrorCode.BAD_FIELD, "float")
    return value


def outcome(fn: Any, value: Any) -> Any:
    try:
        return ("ok", fn(value))
    except ProtocolError as exc:
        return ("refused", exc.code)


_strings = st.one_of(
    st.text(alphabet="abcxyz-_.0123456789", max_size=12),
    st.text(max_size=12),  # NFD and other non-ASCII text, normalised
    st.sampled_from(["x" * limits.MAX_STRING_CHARS, "y" * (limits.MAX_STRING_CHARS + 1),
                     "e\u0301", "Nguye\u0302\u0303n"]),
)
_leaves = st.one_of(_strings, st.integers(-(2**54), 2**54), st.floats(), st.booleans(),
                    st.none())
_values = st.recursive(
    _leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.one_of(_strings, st.integers(0, 3)), inner,
                                            max_size=4)),
    max_leaves=30,
)


def nested(value: Any, levels: int) -> Any:
    for _ in range(levels):
        value = {"k": value}
    return value


@settings(max_examples=400)
@given(_values, st.integers(0, limits.MAX_DEPTH + 1))
def test_clean_agrees_with_checking_every_value(value: Any, levels: int) -> None:
    # Nesting the value puts its strings at and beyond the depth limit as well.
    wrapped = nested(value, levels)
    assert outcome(clean, wrapped) == outcome(rule, wrapped)
