"""What a command decides, as data: the events to append, the conditions Redis must check
atomically with them, and what to read and decide next. One interpreter in the shell
(``server/interpreter.py``) carries out any ``Decision``; a decider never touches storage.

A decision is a small program in three steps, each optional:

1. **write**: append ``events`` and apply ``guards`` in one atomic script, or nothing at all
   when one guard fails (then ``on_guard`` says what that means: a rejection, another
   decision, or "decide again on a newer state");
2. **read**: after the write succeeded, read ``reads`` (plain Redis reads of the meeting's
   keys, opened when sealed);
3. **continue**: ``then`` turns what was read into the next decision.

The last decision's ``result`` is the acknowledgement. Keys are named relative to the
meeting: ``"polls"`` is ``ph:{m}:polls`` (the store adds the prefix and hash tag).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from rooms.model import Event

GuardOp = Literal[
    "setnx", "eq", "absent", "set", "del", "push", "incr", "sadd", "put", "rate", "drop"
]
ReadOp = Literal["hget", "hmget", "hgetall", "hkeys", "hvals", "hlen", "smembers", "sismember"]


class Sealed(NamedTuple):
    """A value only the shell's key can read: ``plain`` is encrypted before it reaches Redis
    (and so its AOF, replicas and MONITOR), padded to ``size`` bytes so that its length says
    nothing either. ``context`` binds it to its place (a sealed ballot moved to another poll
    does not open)."""

    plain: bytes
    context: bytes
    size: int


# Guard, Read and Decision are named tuples, not frozen dataclasses: as immutable, and made
# for every ballot of a burst at a third of the cost (a frozen dataclass sets each field
# through object.__setattr__).


class Guard(NamedTuple):
    """One per-key condition or write, run atomically with the decision's events.

    ``setnx`` fails if ``field`` exists in hash ``key`` and otherwise writes ``value``;
    ``eq`` fails unless the field equals ``value`` ("" = absent); ``absent`` fails if the key
    exists; ``rate`` fails when string counter ``key`` has reached ``value`` and otherwise
    increments it, starting a window of ``field`` milliseconds on the first; the rest only
    write (hash set/del/incr, list push, set add, plain string put, ``drop`` the whole key).
    """

    op: GuardOp
    key: str
    field: str = ""
    value: str | bytes | int | Sealed = ""


class Read(NamedTuple):
    op: ReadOp
    key: str
    fields: tuple[str, ...] = ()
    # The values are Sealed ones: the shell opens them (with this context) before ``then``.
    sealed: bytes | None = None


# What ``on_guard`` and ``then`` give back; both may also raise ``Rejected``.
OnGuard = Callable[[int, bytes], "Decision"]
Then = Callable[[Sequence[Any]], "Decision"]


# Shared by every decision without a result: read only (Mapping), never written to.
_NO_RESULT: Mapping[str, Any] = {}


class Decision(NamedTuple):
    events: Sequence[Event] = ()
    guards: Sequence[Guard] = ()
    result: Mapping[str, Any] = _NO_RESULT
    # Appended only if the log is still at the seq the decision was made on (control
    # commands). High-volume commands rely on their guards instead and never contend on it.
    optimistic: bool = True
    # Guards only, no events: may share one Redis call with other commands (group commit).
    batch: bool = False
    # A guard failed (its index, the value found): what that means. Without it: conflict.
    on_guard: OnGuard | None = None
    reads: Sequence[Read] = ()
    then: Then | None = None


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int
    window_ms: int


@dataclass(frozen=True, slots=True)
class Context:
    """What a decider may know beyond the state and the command; the shell provides it.

    ``new_id(prefix)`` is a fresh random id; ``receipt(poll, voter, ballot_id)`` a ballot
    receipt, a keyed hash under a key the core never holds; ``badge(token)`` the participant
    id a badge names (or ``Rejected``), checked with the signing key; ``rate`` the floor's
    rate limit per participant (feedback, questions); ``command_rate`` the limit on every
    log-writing command of a delegate.
    """

    now: int
    new_id: Callable[[str], str]
    receipt: Callable[[str, str, str], str]
    badge: Callable[[str], str]
    rate: RateLimit = RateLimit(10, 60_000)
    # Every command a delegate sends that writes to the log.
    command_rate: RateLimit = RateLimit(30, 10_000)


def events_only(events: Sequence[Event]) -> Decision:
    return Decision(events=events)


def limited(key: str, rate: RateLimit) -> Guard:
    return Guard("rate", key, str(rate.window_ms), rate.limit)
