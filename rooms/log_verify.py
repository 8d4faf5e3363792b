"""Verifying an exported meeting log (``GET /api/meetings/{id}/log.json``) against its hash
chain, as ``python run.py verify`` does. Pure: the export is passed in as parsed JSON.

Every event is re-encoded with ``protocol.canonical`` and chained from the genesis value; the
first event whose recomputed link differs from the ``hash`` it carries is the one that does
not fit. Its own link is reported, not a later one: changing one byte of event 17 makes event
17 fail, while events 1-16 still verify.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from protocol.canonical import GENESIS, canonical_bytes, digest, link

ALGORITHM = "sha256-chain-v1"
_EVENT_KEYS = frozenset({"seq", "kind", "body", "actor", "at", "hash"})


@dataclass(frozen=True)
class Failure:
    """The first event that does not fit: its position in the list (from 0), its seq and
    kind as the file gives them (None when unreadable), and why."""

    index: int
    seq: int | None
    kind: str | None
    reason: str

    def describe(self) -> str:
        seq = "?" if self.seq is None else str(self.seq)
        kind = "?" if self.kind is None else self.kind
        return f"event seq {seq} ({kind}): {self.reason}"


@dataclass(frozen=True)
class Verdict:
    event_count: int  # events that verified
    final_hash: str  # the chain value after the last verified event
    failure: Failure | None = None
    # A problem with the file as a whole (not with one event): wrong algorithm, bad shape,
    # a final hash that is not the last event's.
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.problem


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def verify_export(export: Mapping[str, Any], expected_final: str | None = None) -> Verdict:
    """Check every link of ``export``; ``expected_final`` (e.g. the hash printed in signed
    minutes) must then equal the chain's final value, which also catches a log that was cut
    short or rewritten from some event onwards with every later hash recomputed."""
    algorithm = export.get("hash_algorithm", ALGORITHM)
    if algorithm != ALGORITHM:
        return Verdict(0, GENESIS, problem=f"unknown hash algorithm {algorithm!r}")
    genesis = export.get("genesis", GENESIS)
    if genesis != GENESIS:
        return Verdict(0, GENESIS, problem=f"genesis is {genesis!r}, expected {GENESIS}")
    events = export.get("events")
    if not isinstance(events, list):
        return Verdict(0, GENESIS, problem="'events' is missing or not a list")

    prev = GENESIS
    for index, raw in enumerate(events):
        if not isinstance(raw, Mapping):
            return Verdict(index, prev, Failure(index, None, None, "not an object"))
        seq, kind = raw.get("seq"), raw.get("kind")
        reason, computed = _check_event(raw, index + 1, prev)
        if reason:
            failure = Failure(
                index,
                seq if _is_int(seq) else None,
                kind if isinstance(kind, str) else None,
                reason,
            )
            return Verdict(index, prev, failure)
        prev = computed

    count = len(events)
    final = export.get("final_hash", prev)
    if final != prev:
        return Verdict(count, prev, problem=f"final_hash {final!r} is not the last event's hash")
    if expected_final is not None and expected_final.lower() != prev:
        return Verdict(
            count, prev, problem=f"the chain ends in {prev}, not the expected {expected_final}"
        )
    return Verdict(count, prev)


def _check_event(raw: Mapping[str, Any], expected_seq: int, prev: str) -> tuple[str, str]:
    """("", the link after this event) if it fits the chain after ``prev``, else (why, "")."""
    missing = sorted(_EVENT_KEYS - set(raw))
    if missing:
        return f"missing field(s) {', '.join(missing)}", ""
    extra = sorted(set(raw) - _EVENT_KEYS)
    if extra:
        # Not hashed, so not covered by the chain: an added field is an edit all the same.
        return f"unexpected field(s) {', '.join(extra)}", ""
    if raw["seq"] != expected_seq or not _is_int(raw["seq"]):
        return f"seq should be {expected_seq} (the log has no gaps)", ""
    if not isinstance(raw["kind"], str) or not isinstance(raw["actor"], str):
        return "kind and actor must be strings", ""
    if not _is_int(raw["at"]):
        return "'at' must be an integer (ms)", ""
    if not isinstance(raw["body"], Mapping):
        return "'body' must be an object", ""
    content = {"kind": raw["kind"], "body": raw["body"], "actor": raw["actor"], "at": raw["at"]}
    try:
        computed = link(prev, expected_seq, digest(canonical_bytes(content)))
    except (TypeError, ValueError, OverflowError) as exc:
        return f"cannot be encoded canonically: {exc}", ""
    if raw["hash"] != computed:
        return "its contents do not match its hash (the event or its hash was changed)", ""
    return "", computed
