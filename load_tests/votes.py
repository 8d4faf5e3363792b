"""vote-burst: every delegate casts a ballot within about a second of a poll opening."""

from __future__ import annotations


def available() -> bool:
    return False
