"""Ballot receipts: 26 base32 characters (130 bits) of HMAC-SHA256 under one key of the
server's, random-looking, the same for the same ballot id.

Both steps are made for every ballot of a burst, so both are done here at about half the
standard library's cost, byte for byte as ``hmac.digest`` and ``base64.b32encode`` give them
(tests/server/test_receipts.py): receipts of ballots cast before must come out the same when
the ballot is retried."""

from __future__ import annotations

import hashlib

_BLOCK = 64  # SHA-256's block size, which HMAC pads the key to


class Receipts:
    """HMAC as RFC 2104 builds it, ``H((K ^ opad) || H((K ^ ipad) || m))``, from the two
    hash states keyed once: a receipt copies them instead of building ``hmac.HMAC``'s
    Python object around the same two copies."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def __call__(self, meeting_id: str, poll_id: str, voter: str, ballot_id: str) -> str:
        inner = self._inner.copy()
        inner.update("|".join((meeting_id, poll_id, voter, ballot_id)).encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return base32_26(outer.digest())


_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_PAIRS = [a + b for a in _B32 for b in _B32]  # 10 bits → two characters


def base32_26(digest: bytes) -> str:
    """The first 26 characters of the lower-case base32 of ``digest`` (130 bits): what
    ``base64.b32encode(digest).decode().lower()[:26]`` gives. Five bytes at a time, as base32
    groups them, so that every shift is of a small integer."""
    p, fb = _PAIRS, int.from_bytes
    a, b, c = fb(digest[0:5], "big"), fb(digest[5:10], "big"), fb(digest[10:15], "big")
    return "".join((
        p[a >> 30], p[(a >> 20) & 1023], p[(a >> 10) & 1023], p[a & 1023],
        p[b >> 30], p[(b >> 20) & 1023], p[(b >> 10) & 1023], p[b & 1023],
        p[c >> 30], p[(c >> 20) & 1023], p[(c >> 10) & 1023], p[c & 1023],
        p[fb(digest[15:17], "big") >> 6],
    ))
