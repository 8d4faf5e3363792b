"""A frame encoded in pieces is, joined, byte for byte the frame encoded in one call: for any
JSON-like value, long lists and maps at any depth, both codecs; and a staff snapshot of a
congress comes out in pieces of a bounded size."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.codec import encode_map
from protocol.pieces import json_pieces, msgpack_pieces

scalars = (st.none() | st.booleans() | st.integers(-(2**53), 2**53)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8))
values = st.recursive(
    scalars,
    lambda inner: (st.lists(inner, max_size=9)
                   | st.dictionaries(st.text(max_size=4), inner, max_size=9)
                   | st.dictionaries(st.integers(0, 9), inner, max_size=3)),
    max_leaves=60,
)


@settings(max_examples=400)
@given(values, st.integers(1, 4))
def test_joined_pieces_are_the_frame_in_one_call(value: Any, slice_items: int) -> None:
    frame = {"v": 1, "type": "snapshot", "state": value}
    assert "".join(json_pieces(frame, slice_items)) == encode_map(frame, "json")
    assert b"".join(msgpack_pieces(frame, slice_items)) == encode_map(frame, "msgpack")


def test_a_congress_roster_comes_out_in_pieces_of_bounded_size() -> None:
    roster = [{"id": f"D{n:04d}", "full_name": f"Đại biểu số {n}", "role": "delegate",
               "delegation": f"Đoàn {n % 40}"} for n in range(5000)]
    records = {f"D{n:04d}": {"mode": "in_person", "at": 1_763_600_000_000 + n}
               for n in range(5000)}
    frame = {"v": 1, "type": "snapshot",
             "state": {"participants": roster, "attendance": {"records": records}}}
    for pieces, whole in ((list(json_pieces(frame)), encode_map(frame, "json")),
                          (list(msgpack_pieces(frame)), encode_map(frame, "msgpack"))):
        assert len(pieces) > 40
        assert max(map(len, pieces)) < len(whole) / 20
