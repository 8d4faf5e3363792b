"""Ballot receipts are HMAC-SHA256 in base32, made faster than by the standard library's
functions but byte for byte what those give (receipts of ballots cast before the change must
come out the same when the ballot is retried)."""

from __future__ import annotations

import base64
import hmac

from hypothesis import given
from hypothesis import strategies as st

from server.receipts import Receipts, base32_26


@given(st.binary(min_size=17, max_size=64))
def test_base32_26_is_the_standard_base32_cut_to_26_characters(digest: bytes) -> None:
    assert base32_26(digest) == base64.b32encode(digest).decode("ascii")[:26].lower()


@given(st.binary(min_size=1, max_size=80), st.text(min_size=1), st.text(min_size=1),
       st.text(min_size=1), st.text(min_size=1))
def test_a_receipt_is_the_hmac_of_meeting_poll_voter_and_ballot_id(
    key: bytes, meeting: str, poll: str, voter: str, ballot: str
) -> None:
    mac = hmac.digest(key, f"{meeting}|{poll}|{voter}|{ballot}".encode(), "sha256")
    expected = base64.b32encode(mac).decode("ascii")[:26].lower()
    receipts = Receipts(key)
    assert receipts(meeting, poll, voter, ballot) == expected
    # The keyed states are copied, never consumed: the same ballot, asked again, is the same.
    assert receipts(meeting, poll, voter, ballot) == expected


def test_different_keys_give_different_receipts() -> None:
    assert Receipts(b"a" * 32)("m", "p", "D1", "b") != Receipts(b"b" * 32)("m", "p", "D1", "b")
