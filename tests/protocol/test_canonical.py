"""The canonical event encoding and the hash chain that `verify` recomputes."""

from __future__ import annotations

import hashlib

from protocol.canonical import GENESIS, canonical_bytes, digest, link


def test_canonical_bytes_sort_keys_recursively() -> None:
    a = canonical_bytes({"kind": "k", "body": {"b": 1, "a": [{"y": 1, "x": 2}]}, "at": 1})
    b = canonical_bytes({"at": 1, "body": {"a": [{"x": 2, "y": 1}], "b": 1}, "kind": "k"})
    assert a == b
    assert a.hex() == "83a2617401a4626f647982a1619182a17802a17901a16201a46b696e64a16b"


def test_link_is_sha256_of_prev_seq_and_digest() -> None:
    data = canonical_bytes({"kind": "meeting.opened", "body": {}, "actor": "DB0001", "at": 5})
    d = digest(data)
    assert d == hashlib.sha256(data).hexdigest()
    assert link(GENESIS, 1, d) == hashlib.sha256(f"{'0' * 64}|1|{d}".encode()).hexdigest()
    assert link(GENESIS, 2, d) != link(GENESIS, 1, d)
