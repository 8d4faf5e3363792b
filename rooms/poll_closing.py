"""Closing a poll: what was read from the ballot box counted into the ``poll.closed`` event,
its outcome in words, and the receipts."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from protocol.errors import ErrorCode
from rooms.ballots import (
    BallotError,
    NormalizedChoice,
    validate_ballot,
)
from rooms.model import Command, Event, Rejected, nfc
from rooms.poll_casting import ballots_from_counters
from rooms.poll_state import Poll, get_poll, transition
from rooms.state import MeetingState
from rooms.tally import Result, TallyError, Total, tally, to_decimal

# ---- closing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedBallot:
    voter: str
    by: str
    choice: Any  # the canonical JSON choice
    weight: str
    receipt_hash: str


@dataclass(frozen=True)
class BallotBox:
    """What the shell read from Redis at closing, after new ballots were already refused."""

    named: tuple[NamedBallot, ...] = ()
    # Secret polls: the opened sealed ballots (voter → JSON choice, weight, receipt hash; see
    # rooms/poll_commands.py), and the counters and receipts of a poll opened before ballots
    # were sealed (empty for any other).
    sealed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    counters: Mapping[str, int] = field(default_factory=dict)
    voted: frozenset[str] = frozenset()
    receipts: frozenset[str] = frozenset()


def decide_close(
    state: MeetingState, cmd: Command, now: int, box: BallotBox
) -> list[Event]:
    poll = get_poll(state, cmd.body.get("poll"))
    _, closing = transition(poll.status, cmd.kind)
    event_kind, _ = transition(closing, "poll.count")
    assert poll.snapshot is not None
    snap, d = poll.snapshot, poll.definition
    ballots: list[tuple[NormalizedChoice, Decimal]]
    body: dict[str, Any] = {"poll": poll.id}
    if cmd.body.get("reason"):
        body["reason"] = nfc(str(cmd.body["reason"]))
    if d.secret:
        ballots, receipts = _secret_ballots(poll, box)
        voted = sorted(box.voted)
        if len(ballots) != len(voted):
            raise Rejected(ErrorCode.INTERNAL, f"the ballot box holds {len(ballots)} ballots for "
                           f"{len(voted)} voters")
    else:
        ballots, rows = [], []
        for b in sorted(box.named, key=lambda b: b.voter):
            if snap.voters.get(b.voter) != b.weight or snap.caster(b.voter) != b.by:
                raise Rejected(ErrorCode.INTERNAL,
                               f"stored ballot of {b.voter} does not match the poll")
            try:
                choice = validate_ballot(d.spec, b.choice)
            except BallotError as exc:
                raise Rejected(ErrorCode.INTERNAL,
                               f"stored ballot of {b.voter}: {exc.message}") from None
            ballots.append((choice, Decimal(b.weight)))
            row = {"voter": b.voter, "choice": choice.to_json(), "weight": b.weight}
            if b.by != b.voter:
                row["by"] = b.by
            rows.append(row)
        body["ballots"] = rows
        voted = [b.voter for b in sorted(box.named, key=lambda b: b.voter)]
        receipts = sorted(b.receipt_hash for b in box.named)
    cast_weight = sum((w for _, w in ballots), Decimal(0))
    try:
        result = tally(d.spec, d.rule, ballots, entitled=snap.entitled, present=snap.present)
    except TallyError as exc:
        # Never a voter's mistake: the box does not fit the snapshot. Refuse to close rather
        # than record a result nobody can stand behind.
        raise Rejected(ErrorCode.INTERNAL,
                       f"the ballot box cannot be counted: {exc.message}") from None
    body["result"] = result.to_dict()
    body["outcome"] = outcome(result)
    body["counts"] = {
        "eligible": snap.eligible.to_dict(),
        "voted": Total(len(voted), to_decimal(Fraction(cast_weight))).to_dict(),
        "ballots": len(ballots),
        "receipts": len(receipts),
    }
    body["voted"] = voted
    body["receipts"] = receipts
    body["receipts_digest"] = receipts_digest(receipts)
    return [Event(event_kind, body, cmd.actor.participant_id, now)]


def _secret_ballots(
    poll: Poll, box: BallotBox
) -> tuple[list[tuple[NormalizedChoice, Decimal]], list[str]]:
    """Every ballot of a secret poll, in no order that says whose it is, and the receipts."""
    assert poll.snapshot is not None
    d = poll.definition
    try:
        ballots = ballots_from_counters(d.spec, box.counters)
    except TallyError as exc:
        raise Rejected(ErrorCode.INTERNAL,
                       f"the ballot box is inconsistent: {exc.message}") from None
    receipts = set(box.receipts)
    for voter, record in box.sealed.items():
        if poll.snapshot.voters.get(voter) != record["w"]:
            raise Rejected(ErrorCode.INTERNAL, "a sealed ballot does not match the poll's snapshot")
        try:
            choice = validate_ballot(d.spec, record["c"])
        except BallotError as exc:
            raise Rejected(ErrorCode.INTERNAL, f"a sealed ballot: {exc.message}") from None
        ballots.append((choice, Decimal(record["w"])))
        receipts.add(str(record["r"]))
    return ballots, sorted(receipts)


def outcome(result: Result) -> dict[str, Any]:
    """The decision in words the minutes use: passed / failed, or elected / tied."""
    if result.method == "yes_no_abstain":
        return {"decision": "passed" if result.passed else "failed"}
    if result.seats is None:
        return {"decision": "counted"}
    return {
        "decision": "tied" if result.tie_at_last_seat else "elected",
        "elected": list(result.winners),
        "tied": list(result.tie_at_last_seat),
        "seats_open": result.seats_open,
    }


def receipt_hash(receipt: str) -> str:
    """What the published result lists for a receipt: its SHA-256, hex."""
    return hashlib.sha256(receipt.encode("utf-8")).hexdigest()


def receipts_digest(hashes: Sequence[str]) -> str:
    """One hash over the sorted receipt hashes, printed in the minutes."""
    return hashlib.sha256("\n".join(sorted(hashes)).encode("ascii")).hexdigest()
