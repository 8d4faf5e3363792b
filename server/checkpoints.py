"""Checkpoints of a meeting's folded state in Redis (``ph:{m}:checkpoint``, see server/store.py):
read and verified against the log when a hub loads, written off the hot path as it runs.

A checkpoint is trusted only when its epoch is the log's, its seq is in the log, the chain hash
stored with it is the log entry's at that seq, and rooms/checkpoint.py can decode it (same
schema). Anything else is not an error, just a full fold and a fresh checkpoint.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from rooms.checkpoint import CheckpointError, decode_state, encode_state
from rooms.state import MeetingState
from server.store import Store, k

log = logging.getLogger("phonghop.checkpoints")


@dataclass(frozen=True)
class Policy:
    """When a hub writes a checkpoint: after ``every`` events, or after ``interval`` seconds
    with at least one new event. ``every`` 0 turns checkpoints off."""

    every: int = 1000
    interval: float = 60.0


@dataclass(frozen=True)
class Restored:
    state: MeetingState
    hash: str


def key(meeting_id: str) -> str:
    return k(meeting_id, "checkpoint")


async def restore(store: Store, meeting_id: str, epoch: str) -> tuple[Restored | None, bool]:
    """The stored checkpoint if it fits the log, else None (the caller folds from the start);
    and whether one was there but did not fit (the caller writes a new one)."""
    raw: dict[bytes, bytes] = await store.redis.hgetall(key(meeting_id))  # type: ignore[assignment]
    if not raw:
        return None, False
    why = await _mismatch(store, meeting_id, epoch, raw)
    if why is None:
        try:
            # Decoding a large meeting's state takes tens of milliseconds of pure Python: a
            # worker thread keeps the event loop (every other meeting's tablets) answering.
            state = await asyncio.to_thread(decode_state, raw[b"state"])
        except CheckpointError as exc:
            why = str(exc)
        else:
            if state.seq == int(raw[b"seq"]) and state.id == meeting_id:
                return Restored(state, raw[b"hash"].decode()), False
            why = f"it holds seq {state.seq} of {state.id}"
    log.info("checkpoint of %s not used (%s): folding the whole log", meeting_id, why)
    return None, True


async def _mismatch(
    store: Store, meeting_id: str, epoch: str, raw: dict[bytes, bytes]
) -> str | None:
    try:
        seq = int(raw[b"seq"])
        stored_epoch, stored_hash = raw[b"epoch"].decode(), raw[b"hash"].decode()
        raw[b"state"]  # noqa: B018 - present, or the KeyError below says so
    except (KeyError, ValueError) as exc:
        return f"malformed: {exc!r}"
    if stored_epoch != epoch:
        return f"epoch {stored_epoch}, the log's is {epoch}"
    found = await store.entry_hash(meeting_id, seq)
    if found != stored_hash:
        return f"the log's hash at seq {seq} is {found}, the checkpoint's {stored_hash}"
    return None


async def write(
    store: Store, meeting_id: str, epoch: str, state: MeetingState, chain_hash: str, *,
    replace: bool = False,
) -> bool:
    """Store ``state`` (folded up to its seq, whose chain hash is ``chain_hash``) unless a
    checkpoint as recent is there already (another process wrote it) and ``replace`` (the
    one there did not fit the log) is not set. True when written."""
    if not replace:
        stored = await store.redis.hmget(key(meeting_id), ["seq", "epoch"])
        if (stored[0] is not None and stored[1] == epoch.encode()
                and int(stored[0]) >= state.seq):
            return False
    data = await asyncio.to_thread(encode_state, state)
    # One HSET: a reader never sees the fields of two different checkpoints.
    await store.redis.hset(
        key(meeting_id),
        mapping={"state": data, "seq": state.seq, "hash": chain_hash, "epoch": epoch},
    )
    return True
