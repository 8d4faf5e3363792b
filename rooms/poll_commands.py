"""The poll commands and the ballot as decisions: which Redis keys each one guards and what
closing reads, so that ballots are counted exactly once however many processes race.

Keys (relative to the meeting's ``ph:{m}:``; see server/store.py for the prefix):

``polls``  hash, poll id → ``open`` | ``closing`` | ``closed`` | ``published`` |
    ``cancelled``. Set by a guard in the same atomic append as the poll's ``poll.opened`` /
    ``poll.closed`` / … event, so it never disagrees with the log; a ballot is accepted only
    under an ``eq … open`` guard on it. ``closing`` (rooms.polls.PollStatus.CLOSING) is set
    from ``open`` before the box is read for counting, so no ballot lands after the count.
``poll:P:ballots``  hash (named polls), voter id → JSON ``{"c": choice, "w": weight,
    "by": sender, "b": ballot id, "r": receipt hash, "old": [replaced ballot ids]}``.
    Written with ``eq`` (the value read before, "" for none) + ``set``: a compare-and-set, so
    one ballot per voter and a change (where allowed) never loses a concurrent write.
``poll:P:voters``  hash (secret polls), voter id → ``"1"``: who voted, nothing else.
    ``setnx``: one ballot per voter (and per proxy: the key is the represented delegate).
``poll:P:sealed``  hash (secret polls), voter id → the voter's ballot **sealed**: AES-GCM
    under a key that never enters Redis (server/sealing.py, the server key file), bound to
    this meeting and poll, every value of the poll padded to one length
    (``sealed_size``). Redis, its AOF and RDB, a replica or ``MONITOR`` see who voted and a
    ciphertext, never the choice, so neither content nor order links a voter to a choice.
    Written by ``setnx`` with the ``voters`` claim; read (opened by the shell) to answer a
    retry and to count; deleted in the same atomic write as ``poll.closed``.
``poll:P:receipts``, ``poll:P:box``  (secret polls opened before ballots were sealed) the
    receipt hashes and the counters ``v|W``, ``b|W``, ``o|W|OPTION``
    (``rooms.polls.counter_fields``); counted at closing with the sealed ballots.

A receipt is a keyed hash of (meeting, poll, voter, ballot id) made by the shell
(``Context.receipt``): a retry with the same ballot id gets the same receipt, and anyone
without the tablet's ballot id cannot connect a receipt to a delegate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any, NamedTuple

from protocol.errors import ErrorCode
from rooms import memo, polls
from rooms.decision import Context, Decision, Guard, Read, Sealed
from rooms.model import Command, Event, Rejected
from rooms.polls import BallotBox, NamedBallot, Poll, PollStatus, Ticket
from rooms.state import MeetingState

STATUS = "polls"
EventDecider = Callable[[MeetingState, Command, int], list[Event]]
DecisionDecider = Callable[[MeetingState, Command, Context], Decision]

# A stored ballot record, compact and in key order. One encoder for all: json.dumps with
# options builds a new encoder per call, a twelfth of a ballot's decision in a burst.
_RECORD_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
# One JSON string, as _RECORD_JSON writes it (non-ASCII kept): records are put together from
# their parts, a third of the encoder's time for each of a burst's ballots.
_text = encode_basestring


def poll_key(poll_id: str, name: str) -> str:
    return f"poll:{poll_id}:{name}"


# ---- the lifecycle ------------------------------------------------------------------------


def decide_create(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    if not cmd.body.get("id"):
        cmd = cmd._replace(body={**cmd.body, "id": ctx.new_id("p")})
    events = polls.decide_create(state, cmd, ctx.now)
    return Decision(events, result={"poll": cmd.body["id"]})


def decide_update(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    events = polls.decide_update(state, cmd, ctx.now)
    return Decision(events, result={"poll": str(cmd.body["poll"])})


def decide_open(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    events = polls.decide_open(state, cmd, ctx.now)
    poll_id = str(cmd.body["poll"])
    guards = [Guard("set", STATUS, poll_id, PollStatus.OPEN.value)]
    return Decision(events, guards, result={"poll": poll_id})


def decide_close(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    """Two steps: stop the ballots (open → closing, in Redis), then count a box nothing can
    change any more. A process that retries after a conflict finds "closing" and counts."""
    poll = polls.get_poll(state, cmd.body.get("poll"))
    _, closing = polls.transition(poll.status, cmd.kind)

    def count(values: Sequence[Any]) -> Decision:
        events = polls.decide_close(state, cmd, ctx.now, _box(poll, values))
        guards = [Guard("set", STATUS, poll.id, PollStatus.CLOSED.value)]
        if poll.definition.secret:
            # Counted: the sealed ballots go, so no later leak of the key can open them.
            guards.append(Guard("drop", poll_key(poll.id, "sealed")))
        return Decision(events, guards,
                        result={"poll": poll.id, **polls.public_result(events[0].body)})

    counting = Decision(reads=_box_reads(state, poll), then=count)

    def stopped_already(_index: int, found: bytes) -> Decision:
        if found == closing.value.encode():
            return counting
        raise Rejected(ErrorCode.INVALID_STATE, f"the poll is already {found.decode()}")

    return Decision(
        guards=[Guard("eq", STATUS, poll.id, PollStatus.OPEN.value),
                Guard("set", STATUS, poll.id, closing.value)],
        optimistic=False, on_guard=stopped_already, reads=counting.reads, then=count,
    )


def _box_reads(state: MeetingState, poll: Poll) -> tuple[Read, ...]:
    if poll.definition.secret:
        return (Read("hgetall", poll_key(poll.id, "sealed"), sealed=seal_context(state, poll)),
                Read("hkeys", poll_key(poll.id, "voters")),
                Read("hgetall", poll_key(poll.id, "box")),
                Read("smembers", poll_key(poll.id, "receipts")))
    return (Read("hgetall", poll_key(poll.id, "ballots")),)


def _box(poll: Poll, values: Sequence[Any]) -> BallotBox:
    if poll.definition.secret:
        sealed, voters, counters, receipts = values
        return BallotBox(sealed={voter: json.loads(plain) for voter, plain in sealed.items()},
                         counters={a: int(b) for a, b in counters.items()},
                         voted=frozenset(voters), receipts=frozenset(receipts))
    named = []
    for voter, value in values[0].items():
        rec = json.loads(value)
        named.append(NamedBallot(voter, rec["by"], rec["c"], rec["w"], rec["r"]))
    return BallotBox(named=tuple(named))


def _status_change(decide: EventDecider, status: PollStatus) -> DecisionDecider:
    """Commands whose only Redis side is the poll's new status, set with their event."""

    def decision(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
        events = decide(state, cmd, ctx.now)
        poll_id = str(cmd.body["poll"])
        return Decision(events, [Guard("set", STATUS, poll_id, status.value)],
                        result={"poll": poll_id})

    return decision


# ---- the ballot ---------------------------------------------------------------------------


def decide_ballot(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    """Check the ballot against the frozen snapshot, then claim the voter's slot with one
    atomic write (no event). A failed claim can still mean success: the same ballot, retried,
    was counted already; ``on_guard`` looks."""
    ticket = polls.check_ballot(state, cmd.actor, cmd.body)
    ballot_id = str(cmd.body["ballot_id"])
    receipt = ctx.receipt(ticket.poll.id, ticket.voter, ballot_id)
    if ticket.poll.definition.secret:
        size = _sealed_sizes(state)[ticket.poll.id]
        return _secret(ticket, receipt, seal_context(state, ticket.poll), size)
    return _named(ticket, ballot_id, receipt)


def _accepted(ticket: Ticket, receipt: str, hashed: str = "", **more: Any) -> dict[str, Any]:
    return {"poll": ticket.poll.id, "voter": ticket.voter, "receipt": receipt,
            "receipt_hash": hashed or polls.receipt_hash(receipt), **more}


def _choice_json(choice: Any) -> str:
    return _text(choice) if isinstance(choice, str) else _RECORD_JSON.encode(choice)


def _closed(value: bytes) -> Rejected:
    found = value.decode() or "unknown"
    return Rejected(ErrorCode.INVALID_STATE, f"the poll is {found}, not open; nothing was counted",
                    poll_status=found)


def _already(ticket: Ticket) -> str:
    whose = "your" if ticket.voter == ticket.by else f"{ticket.voter}'s"
    return f"{whose} ballot in this poll was already cast; nothing more was counted"


@lru_cache(maxsize=64)
def _open(poll_id: str) -> Guard:
    # The same guard for every ballot of a poll: made once, not 5,000 times in a burst.
    return Guard("eq", STATUS, poll_id, PollStatus.OPEN.value)


def seal_context(state: MeetingState, poll: Poll) -> bytes:
    """What a sealed ballot is bound to: opened anywhere else, it fails."""
    return f"phonghop ballot|{state.id}|{poll.id}".encode()


def _sealed_record(choice: Any, weight: str, receipt_hash: str) -> bytes:
    # As _RECORD_JSON.encode({"c": …, "r": …, "w": …}): keys in order, compact.
    return f'{{"c":{_choice_json(choice)},"r":{_text(receipt_hash)},"w":{_text(weight)}}}'.encode()


def sealed_size(poll: Poll) -> int:
    """One padded length for every sealed ballot of the poll: the longest record it can hold
    (every option chosen, the longest weight), so a ciphertext's length tells nothing."""
    assert poll.snapshot is not None
    longest = poll.snapshot.longest_weight
    everything = list(poll.definition.spec.choosable)
    return max(len(_sealed_record(c, longest, "0" * 64)) for c in (everything, "abstain"))


@memo.by_state
def _sealed_sizes(state: MeetingState) -> dict[str, int]:
    """``sealed_size`` of every open secret poll, once per folded state: a burst of ballots
    decides on one state, and must not redo it for each of them."""
    return {p.id: sealed_size(p) for p in polls.polls_of(state).polls.values()
            if p.definition.secret and p.status == PollStatus.OPEN}


def _secret(ticket: Ticket, receipt: str, context: bytes, size: int) -> Decision:
    hashed = polls.receipt_hash(receipt)
    return _SecretBallot(ticket, receipt, hashed, ticket.choice.to_json(), context).claim(size)


class _SecretBallot(NamedTuple):
    """A secret ballot's steps, as methods of one object (as ``_NamedBallot``'s): no closures
    made for every ballot of a burst."""

    ticket: Ticket
    receipt: str
    hashed: str
    choice: Any
    context: bytes

    def claim(self, size: int) -> Decision:
        ticket = self.ticket
        poll_id, voter = ticket.poll.id, ticket.voter
        sealed = Sealed(_sealed_record(self.choice, ticket.weight, self.hashed), self.context, size)
        return Decision(
            guards=(
                _open(poll_id),
                Guard("setnx", poll_key(poll_id, "voters"), voter, "1"),
                Guard("setnx", poll_key(poll_id, "sealed"), voter, sealed),
            ),
            result=_accepted(ticket, self.receipt, self.hashed), optimistic=False, batch=True,
            on_guard=self.voted,
        )

    def voted(self, index: int, found: bytes) -> Decision:
        if index == 0:
            raise _closed(found)
        poll_id, voter = self.ticket.poll.id, self.ticket.voter
        return Decision(reads=(Read("hget", poll_key(poll_id, "sealed"), (voter,), self.context),
                               Read("sismember", poll_key(poll_id, "receipts"), (self.hashed,))),
                        then=self.replayed)

    def replayed(self, values: Sequence[Any]) -> Decision:
        # Only the same ballot id gives the same receipt: finding it means a retry of the
        # ballot that was counted; the same receipt with another choice is a conflict.
        ticket, receipt = self.ticket, self.receipt
        mine, legacy = values
        if mine is not None and json.loads(mine)["r"] == self.hashed:
            if json.loads(mine)["c"] != self.choice:
                raise Rejected(ErrorCode.CONFLICT, "this ballot id was already used with another "
                               "choice; a new choice needs a new ballot id")
            return Decision(result=_accepted(ticket, receipt, replayed=True))
        if mine is None and legacy:
            return Decision(result=_accepted(ticket, receipt, replayed=True))
        raise Rejected(ErrorCode.DUPLICATE, _already(ticket), voter=ticket.voter)


def _record(choice: Any, ticket: Ticket, ballot_id: str, receipt_hash: str,
            old: list[str]) -> str:
    """``{"b": ballot id, "by": sender, "c": choice, "old": [...], "r": receipt hash, "w":
    weight}`` as _RECORD_JSON writes it (keys in order, "old" only when there is one)."""
    replaced = f',"old":{_RECORD_JSON.encode(old)}' if old else ""
    return (f'{{"b":{_text(ballot_id)},"by":{_text(ticket.by)},"c":{_choice_json(choice)}'
            f'{replaced},"r":{_text(receipt_hash)},"w":{_text(ticket.weight)}}}')


def _named(ticket: Ticket, ballot_id: str, receipt: str) -> Decision:
    return _NamedBallot(ticket, ballot_id, receipt, ticket.choice.to_json()).claim()


class _NamedBallot(NamedTuple):
    """A named ballot's steps, as bound methods of one object rather than closures that name
    each other: those made a reference cycle for every ballot, left for the garbage
    collector, whose pass over 5,000 of them held the loop 130-150 ms in a vote burst."""

    ticket: Ticket
    ballot_id: str
    receipt: str
    choice: Any

    @property
    def ballots(self) -> str:
        return poll_key(self.ticket.poll.id, "ballots")

    def claim(self) -> Decision:
        """Most ballots are a voter's first: claim the voter's slot outright, and read what is
        there only when it is taken (a retry, a change, or a second ballot)."""
        ticket, receipt = self.ticket, self.receipt
        poll_id = ticket.poll.id
        hashed = polls.receipt_hash(receipt)
        record = _record(self.choice, ticket, self.ballot_id, hashed, [])
        return Decision(
            guards=(_open(poll_id), Guard("setnx", self.ballots, ticket.voter, record)),
            result=_accepted(ticket, receipt, hashed), optimistic=False, batch=True,
            on_guard=self.taken,
        )

    def taken(self, index: int, found: bytes) -> Decision:
        """Someone wrote this voter's ballot between our read and write: look again."""
        if index == 0:
            raise _closed(found)
        return Decision(reads=(Read("hget", self.ballots, (self.ticket.voter,)),),
                        then=self.change)

    def change(self, values: Sequence[Any]) -> Decision:
        ticket, ballot_id, receipt = self.ticket, self.ballot_id, self.receipt
        raw: bytes | None = values[0]
        old: list[str] = []
        if raw is not None:
            rec = json.loads(raw)
            if rec["b"] == ballot_id:
                if rec["c"] != self.choice:
                    raise Rejected(ErrorCode.CONFLICT, "this ballot id was already used "
                                   "with another choice; a new choice needs a new ballot id")
                return Decision(result=_accepted(ticket, receipt, replayed=True))
            if ballot_id in rec.get("old", []):
                raise Rejected(ErrorCode.DUPLICATE, "this ballot was replaced by a later one")
            if not ticket.poll.definition.allow_change:
                raise Rejected(ErrorCode.DUPLICATE, _already(ticket), voter=ticket.voter)
            old = [*rec.get("old", []), rec["b"]]
        replaced = {"replaced": old[-1]} if old else {}
        hashed = polls.receipt_hash(receipt)
        record = _record(self.choice, ticket, ballot_id, hashed, old)
        return Decision(
            guards=[_open(ticket.poll.id), Guard("eq", self.ballots, ticket.voter, raw or b""),
                    Guard("set", self.ballots, ticket.voter, record)],
            result=_accepted(ticket, receipt, hashed, **replaced), optimistic=False,
            on_guard=self.taken,
        )


DECISIONS = {
    "poll.create": decide_create,
    "poll.update": decide_update,
    "poll.open": decide_open,
    "poll.close": decide_close,
    "poll.publish": _status_change(polls.decide_publish, PollStatus.PUBLISHED),
    "poll.cancel": _status_change(polls.decide_cancel, PollStatus.CANCELLED),
    "ballot.cast": decide_ballot,
}
# A ballot is made idempotent by its ballot id (the receipt), not by the command id: the
# shell skips the command-id lookup, one Redis round trip on the hottest path.
SELF_DEDUPED = frozenset({"ballot.cast"})
