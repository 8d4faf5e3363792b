"""Sealed values: AES-256-GCM with a random nonce, bound to a context, padded to a fixed size.

For a secret ballot's choice: stored sealed, a value tells nothing without the key (which is
kept outside Redis, server/keys.py), cannot be moved to another poll (the context, e.g.
``meeting|poll``, is authenticated) nor altered unnoticed, and every value sealed with the same
``size`` has the same length, so the length does not tell "yes" from "abstain". Two seals of
the same value differ (fresh nonce), so equal choices do not show as equal ciphertexts.

Layout: ``version (1) | nonce (12) | ciphertext (size + 1) | tag (16)``. The padding is
ISO/IEC 7816-4 (``0x80`` then zeros), so any bytes, trailing zeros included, round-trip.
A random 96-bit nonce is safe for 2**32 seals under one key; a key per poll keeps far below.
Nonces are drawn from the OS 256 at a time (``_Nonces``): one ``getrandom`` call for every
256 ballots of a burst rather than one each, under a lock, and a forked child never uses what
its parent drew.
"""

from __future__ import annotations

import os
import threading

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["SealingError", "Sealer", "sealed_length"]

_VERSION = b"\x01"
_NONCE = 12
_TAG = 16


_BATCH = 256


class _Nonces:
    """Random nonces from the OS, drawn in batches and handed out once each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._drawn = b""
        self._at = 0

    def take(self) -> bytes:
        with self._lock:
            at = self._at
            if at >= len(self._drawn):
                self._drawn, at = os.urandom(_NONCE * _BATCH), 0
            self._at = at + _NONCE
            return self._drawn[at : at + _NONCE]

    def forget(self) -> None:
        """Drop what was drawn and not used: a forked child must draw its own."""
        self._lock = threading.Lock()
        self._drawn, self._at = b"", 0


_NONCES = _Nonces()
os.register_at_fork(after_in_child=_NONCES.forget)


class SealingError(ValueError):
    """A value too long to seal, or a sealed value that cannot be opened (wrong key or
    context, altered, truncated)."""


def sealed_length(size: int) -> int:
    """The length of every value sealed with ``size``."""
    return len(_VERSION) + _NONCE + size + 1 + _TAG


class Sealer:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a Sealer takes a 32-byte key (AES-256)")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, *, context: bytes, size: int) -> bytes:
        """``plaintext`` (at most ``size`` bytes) sealed to ``context``."""
        if len(plaintext) > size:
            raise SealingError(f"{len(plaintext)} bytes do not fit in a seal of size {size}")
        padded = plaintext + b"\x80" + bytes(size - len(plaintext))
        nonce = _NONCES.take()
        return _VERSION + nonce + self._aead.encrypt(nonce, padded, _VERSION + context)

    def open(self, sealed: bytes, *, context: bytes) -> bytes:
        """The plaintext of ``sealed``, if it was sealed with this key to ``context``."""
        if len(sealed) < sealed_length(0) or sealed[:1] != _VERSION:
            raise SealingError("not a sealed value")
        nonce, body = sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :]
        try:
            padded = self._aead.decrypt(nonce, body, _VERSION + context)
        except InvalidTag:
            raise SealingError("cannot open: another key or context, or altered") from None
        end = padded.rstrip(b"\x00")
        if not end.endswith(b"\x80"):
            # Authenticated, so only a sealer not following this layout could produce it.
            raise SealingError("sealed value has no padding marker")
        return end[:-1]
