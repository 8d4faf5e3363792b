"""The commands of polls: planners that keep Redis and the log in step, ballots counted
exactly once across processes, and their receipts. The closing timer and live progress are
in server/poll_live.py, the HTTP reads in server/poll_http.py.

Keys (besides the log, see server/store.py), all under the meeting's hash tag:

``ph:{m}:polls``  hash, poll id → ``open`` | ``closing`` | ``closed`` | ``published`` |
    ``cancelled``. Written by a ``set`` guard in the same atomic append as the poll's
    ``poll.opened`` / ``poll.closed`` / … event, so it never disagrees with the log; a ballot
    is accepted only under an ``eq … open`` guard on it. ``closing`` is set (from ``open``)
    just before the box is read for counting, so no ballot lands after the count.
``ph:{m}:poll:P:ballots``  hash (named polls), voter id → JSON ``{"c": choice, "w": weight,
    "by": sender, "b": ballot id, "r": receipt hash, "old": [replaced ballot ids]}``.
    Written with ``eq`` (the value read before, "" for none) + ``set``: a compare-and-set, so
    one ballot per voter and a change (where allowed) never loses a concurrent write.
``ph:{m}:poll:P:voters``  hash (secret polls), voter id → ``"1"``: who voted, nothing else.
    ``setnx``: one ballot per voter (and per proxy: the key is the represented delegate).
``ph:{m}:poll:P:receipts``  set (secret polls): the SHA-256 of each accepted receipt.
``ph:{m}:poll:P:box``  hash (secret polls): counters ``v|W``, ``b|W``, ``o|W|OPTION`` (see
    ``rooms.polls.counter_fields``), all created at 0 by the opening append in sorted order
    and only incremented after. No voter id, no ballot, no order of arrival.

A secret ballot is one atomic append with no event: ``eq`` status open, ``setnx`` voter,
``sadd`` receipt hash, ``incr`` its counters. The voter hash and the receipt set keep arrival
order (small Redis hashes and sets do), but neither holds a choice; the box holds choices and
no order. A receipt is HMAC(server key, meeting | poll | voter | ballot id): a retry with the
same ballot id recomputes it and finds its hash in the set (same receipt, nothing counted
twice); anyone without the tablet's ballot id cannot connect a receipt to a delegate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import replace
from typing import Any

from rooms import polls
from rooms.model import Command, Rejected
from rooms.polls import BallotBox, NamedBallot, Poll, PollStatus
from rooms.state import MeetingState
from server.batching import GuardBatcher
from server.commands import Plan, Services, planner
from server.store import Guard, k

_CAS_ATTEMPTS = 20


def _bytes(value: bytes | str) -> bytes:
    # The client answers bytes (no decode_responses); its type stubs allow str too.
    return value if isinstance(value, bytes) else value.encode()


def status_key(meeting_id: str) -> str:
    return k(meeting_id, "polls")


def poll_key(meeting_id: str, poll_id: str, name: str) -> str:
    return k(meeting_id, f"poll:{poll_id}:{name}")


# ---- receipts ----------------------------------------------------------------------------


async def _receipt_key(s: Services) -> bytes:
    cached = s.extra.get("poll_receipt_key")
    if isinstance(cached, bytes):
        return cached
    # Derived from the signing key the runtime loaded at start, so a burst of first ballots
    # does not each fetch the secret from Redis.
    key = s.extra["runtime"].signer.derive(b"phonghop ballot receipts v1")
    s.extra["poll_receipt_key"] = key
    return key


def make_receipt(key: bytes, meeting_id: str, poll_id: str, voter: str, ballot_id: str) -> str:
    """26 base32 characters (130 bits), random-looking, the same for the same ballot id."""
    msg = "|".join((meeting_id, poll_id, voter, ballot_id)).encode("utf-8")
    mac = hmac.new(key, msg, hashlib.sha256).digest()
    return base64.b32encode(mac).decode("ascii")[:26].lower()


# ---- planners: the poll's lifecycle -------------------------------------------------------


@planner("poll.create")
async def plan_create(state: MeetingState, cmd: Command, now: int, s: Services) -> Plan:
    if not cmd.body.get("id"):
        cmd = replace(cmd, body={**cmd.body, "id": "p" + secrets.token_hex(4)})
    events = polls.decide_create(state, cmd, now)
    return Plan(events, result={"poll": cmd.body["id"]})


@planner("poll.open")
async def plan_open(state: MeetingState, cmd: Command, now: int, s: Services) -> Plan:
    events = polls.decide_open(state, cmd, now)
    poll_id = str(cmd.body["poll"])
    guards = [Guard("set", status_key(state.id), poll_id, "open")]
    poll = polls.get_poll(state, poll_id)
    if poll.definition.secret:
        # The box's fields, created now in sorted order (see rooms.polls.counter_fields).
        opened = polls.evolve_opened(state, events[0])
        box = poll_key(state.id, poll_id, "box")
        guards += [Guard("set", box, f, 0)
                   for f in polls.counter_fields(polls.get_poll(opened, poll_id))]
    return Plan(events, guards=guards, result={"poll": poll_id})


@planner("poll.close")
async def plan_close(state: MeetingState, cmd: Command, now: int, s: Services) -> Plan:
    poll = polls.get_poll(state, cmd.body.get("poll"))
    polls.transition(poll.status, cmd.kind)
    status = status_key(state.id)
    # First stop the ballots (open → closing), then read a box nothing can change any more.
    # A process that retries after a conflict finds "closing" and carries on.
    stopped = await s.store.append(
        state.id, [], guards=[Guard("eq", status, poll.id, "open"),
                              Guard("set", status, poll.id, "closing")])
    if stopped.status == "guard" and stopped.guard_value != b"closing":
        raise Rejected("invalid_state", f"the poll is already {stopped.guard_value.decode()}")
    box = await read_box(s, state.id, poll)
    events = polls.decide_close(state, cmd, now, box)
    return Plan(events, guards=[Guard("set", status, poll.id, "closed")],
                result={"poll": poll.id, **polls.public_result(events[0].body)})


# Commands whose only Redis side is the poll's new status, set with their event.
_STATUS_AFTER = {
    "poll.publish": (polls.decide_publish, "published"),
    "poll.cancel": (polls.decide_cancel, "cancelled"),
}


async def plan_status(state: MeetingState, cmd: Command, now: int, s: Services) -> Plan:
    decide, status = _STATUS_AFTER[cmd.kind]
    events = decide(state, cmd, now)
    poll_id = str(cmd.body["poll"])
    return Plan(events, guards=[Guard("set", status_key(state.id), poll_id, status)],
                result={"poll": poll_id})


for _kind in _STATUS_AFTER:
    planner(_kind)(plan_status)


async def read_box(s: Services, meeting_id: str, poll: Poll) -> BallotBox:
    redis = s.store.redis
    if poll.definition.secret:
        pipe = redis.pipeline(transaction=False)
        pipe.hgetall(poll_key(meeting_id, poll.id, "box"))
        pipe.hkeys(poll_key(meeting_id, poll.id, "voters"))
        pipe.smembers(poll_key(meeting_id, poll.id, "receipts"))
        counters, voters, receipts = await pipe.execute()
        return BallotBox(
            counters={a.decode(): int(b) for a, b in counters.items()},
            voted=frozenset(v.decode() for v in voters),
            receipts=frozenset(r.decode() for r in receipts),
        )
    raw = await redis.hgetall(poll_key(meeting_id, poll.id, "ballots"))
    named = []
    for voter, value in raw.items():
        rec = json.loads(value)
        named.append(NamedBallot(_bytes(voter).decode(), rec["by"], rec["c"], rec["w"], rec["r"]))
    return BallotBox(named=tuple(named))


# ---- the ballot ---------------------------------------------------------------------------


@planner("ballot.cast", self_deduped=True)
async def plan_ballot(state: MeetingState, cmd: Command, now: int, s: Services) -> Plan:
    """Check the ballot against the frozen snapshot, then write it with one atomic append
    (no event). The append is made here rather than returned as a guarded Plan because a
    failed guard can mean success: the same ballot, retried, already counted; a Plan's
    failed guard can only become a rejection."""
    try:
        ticket = polls.check_ballot(state, cmd.actor, cmd.body)
    except Rejected as rej:
        if rej.details.get("poll_status") != PollStatus.DRAFT.value:
            raise
        # The poll opened in another process a moment ago and our hub has not folded it yet.
        hub = await s.hubs.get(state.id)
        if hub is None or hub.state is None:
            raise
        await hub.catch_up()
        ticket = polls.check_ballot(hub.state, cmd.actor, cmd.body)
    ballot_id = str(cmd.body["ballot_id"])
    key = await _receipt_key(s)
    receipt = make_receipt(key, state.id, ticket.poll.id, ticket.voter, ballot_id)
    if ticket.poll.definition.secret:
        result = await _cast_secret(s, state.id, ticket, receipt)
    else:
        result = await _cast_named(s, state.id, ticket, ballot_id, receipt)
    s.metrics.inc("phonghop_ballots_total")
    return Plan([], result=result)


def _accepted(ticket: polls.Ticket, receipt: str, replayed: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "poll": ticket.poll.id,
        "voter": ticket.voter,
        "receipt": receipt,
        "receipt_hash": polls.receipt_hash(receipt),
    }
    if replayed:
        out["replayed"] = True
    return out


def _closed(value: bytes) -> Rejected:
    found = value.decode() or "unknown"
    return Rejected("invalid_state", f"the poll is {found}, not open; nothing was counted",
                    poll_status=found)


async def _cast_secret(
    s: Services, meeting_id: str, ticket: polls.Ticket, receipt: str
) -> dict[str, Any]:
    poll_id, voter = ticket.poll.id, ticket.voter
    hashed = polls.receipt_hash(receipt)
    receipts = poll_key(meeting_id, poll_id, "receipts")
    box = poll_key(meeting_id, poll_id, "box")
    guards = [
        Guard("eq", status_key(meeting_id), poll_id, "open"),
        Guard("setnx", poll_key(meeting_id, poll_id, "voters"), voter, "1"),
        Guard("sadd", receipts, value=hashed),
        *(Guard("incr", box, f, 1) for f in polls.counter_increments(ticket.choice, ticket.weight)),
    ]
    done = await _batcher(s).submit(meeting_id, guards)
    if done.status == "ok":
        return _accepted(ticket, receipt)
    if done.guard_index == 0:
        raise _closed(done.guard_value)
    # Voted already. Only the same ballot id gives the same receipt, so finding its hash
    # means this is a retry of the ballot that was counted; nothing else is stored to tell.
    if await s.store.redis.sismember(receipts, hashed):
        return _accepted(ticket, receipt, replayed=True)
    raise Rejected("duplicate", _already(ticket), voter=voter)


def _already(ticket: polls.Ticket) -> str:
    whose = "your" if ticket.voter == ticket.by else f"{ticket.voter}'s"
    return f"{whose} ballot in this poll was already cast; nothing more was counted"


def _batcher(s: Services) -> GuardBatcher:
    batcher = s.extra.get("guard_batcher")
    if not isinstance(batcher, GuardBatcher):
        batcher = s.extra["guard_batcher"] = GuardBatcher(s.store, s.metrics)
    return batcher


def _record(
    choice: Any, ticket: polls.Ticket, ballot_id: str, receipt: str, old: list[str]
) -> str:
    record: dict[str, Any] = {"c": choice, "w": ticket.weight, "by": ticket.by,
                              "b": ballot_id, "r": polls.receipt_hash(receipt)}
    if old:
        record["old"] = old
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


async def _cast_named(
    s: Services, meeting_id: str, ticket: polls.Ticket, ballot_id: str, receipt: str
) -> dict[str, Any]:
    poll_id, voter = ticket.poll.id, ticket.voter
    ballots = poll_key(meeting_id, poll_id, "ballots")
    choice = ticket.choice.to_json()
    first = _record(choice, ticket, ballot_id, receipt, [])
    # Most ballots are a voter's first: try to claim the voter's slot outright, and read
    # what is there only when it is taken (a retry, a change, or a second ballot).
    done = await _batcher(s).submit(meeting_id, [
        Guard("eq", status_key(meeting_id), poll_id, "open"),
        Guard("setnx", ballots, voter, first),
    ])
    if done.status == "ok":
        return _accepted(ticket, receipt)
    if done.guard_index == 0:
        raise _closed(done.guard_value)
    for _ in range(_CAS_ATTEMPTS):
        raw = await s.store.redis.hget(ballots, voter)
        old: list[str] = []
        if raw is not None:
            rec = json.loads(raw)
            if rec["b"] == ballot_id:
                if rec["c"] != choice:
                    raise Rejected("conflict", "this ballot id was already used with another "
                                   "choice; a new choice needs a new ballot id")
                return _accepted(ticket, receipt, replayed=True)
            if ballot_id in rec.get("old", []):
                raise Rejected("duplicate", "this ballot was replaced by a later one")
            if not ticket.poll.definition.allow_change:
                raise Rejected("duplicate", _already(ticket), voter=voter)
            old = [*rec.get("old", []), rec["b"]]
        value = _record(choice, ticket, ballot_id, receipt, old)
        done = await s.store.append(meeting_id, [], guards=[
            Guard("eq", status_key(meeting_id), poll_id, "open"),
            Guard("eq", ballots, voter, b"" if raw is None else _bytes(raw)),
            Guard("set", ballots, voter, value),
        ])
        if done.status == "ok":
            result = _accepted(ticket, receipt)
            if old:
                result["replaced"] = old[-1]
            return result
        if done.guard_index == 0:
            raise _closed(done.guard_value)
        # Someone wrote this voter's ballot between our read and write: look again.
    raise Rejected("unavailable", "too much contention on this ballot; retry")
