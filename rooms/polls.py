"""Polls and elections: the feature's commands, events and views, over its parts —
`rooms/poll_state.py` (values, the lifecycle table, the snapshot frozen at opening),
`rooms/poll_definition.py` (a poll's definition), `rooms/poll_casting.py` (who may cast which
ballot) and `rooms/poll_closing.py` (the count, by `rooms.tally`, into ``poll.closed``).

The lifecycle is a table (`TRANSITIONS`): draft → open → (closing) → closed → published,
and draft or open → cancelled. A repeated vote is a new poll; ballots are never rewritten
after closing.

Ballots are not log events (thousands arrive in a minute): they live in per-poll Redis keys
guarded atomically. `rooms/poll_commands.py` turns every poll command and ballot into a
`rooms.decision.Decision` (which keys to guard, what to read at closing); this module holds
the rules it uses: `check_ballot` (may this actor cast this choice in this poll, for whom,
with what weight), the counter fields of a secret poll's ballot box (`counter_fields`,
`counter_increments`) and `decide_close`, which counts what was read from Redis into the
``poll.closed`` event.

A secret poll's ballots are sealed (encrypted under a key kept outside Redis) before they are
stored, and deleted once counted; see rooms/poll_commands.py. Polls opened before that kept
counters per (option, weight) instead (`counter_fields`); closing still counts those.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from protocol.errors import ErrorCode
from rooms.lifecycle import Status
from rooms.majority import RuleError, parse_rule, quorum_met
from rooms.model import STAFF, VOTING_ROLES, Command, Event, Rejected, Role, nfc

# Re-exported: the poll feature's callers (its command decisions, the shell, the minutes,
# tests) reach its parts through this module.
from rooms.poll_casting import Ticket as Ticket
from rooms.poll_casting import ballots_from_counters as ballots_from_counters
from rooms.poll_casting import check_ballot as check_ballot
from rooms.poll_casting import counter_fields as counter_fields
from rooms.poll_casting import counter_increments as counter_increments
from rooms.poll_closing import BallotBox as BallotBox
from rooms.poll_closing import NamedBallot as NamedBallot
from rooms.poll_closing import decide_close as decide_close
from rooms.poll_closing import outcome as outcome
from rooms.poll_closing import receipt_hash as receipt_hash
from rooms.poll_closing import receipts_digest as receipts_digest
from rooms.poll_definition import definition_from_dict, definition_to_dict, parse_definition
from rooms.poll_state import EVENT_STATUS as EVENT_STATUS
from rooms.poll_state import (
    POLL_ID,
    Poll,
    PollDef,
    PollStatus,
    Snapshot,
    get_poll,
    polls_of,
    put_poll,
    take_snapshot,
    transition,
)
from rooms.poll_state import TRANSITIONS as TRANSITIONS
from rooms.state import MeetingState

__all__ = [
    "BallotBox",
    "EVENT_STATUS",
    "NamedBallot",
    "Poll",
    "PollStatus",
    "Snapshot",
    "TRANSITIONS",
    "Ticket",
    "ballots_from_counters",
    "check_ballot",
    "counter_fields",
    "counter_increments",
    "decide_cancel",
    "decide_close",
    "decide_create",
    "decide_open",
    "decide_publish",
    "get_poll",
    "outcome",
    "poll_view",
    "polls_of",
    "public_result",
    "receipt_hash",
    "receipts_digest",
    "snapshot_part",
    "transition",
]


# ---- commands: create --------------------------------------------------------------------


def decide_create(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    if state.status == Status.CLOSED:
        raise Rejected(ErrorCode.INVALID_STATE, "the meeting is closed")
    body = cmd.body
    poll_id = str(body.get("id") or "")
    if not POLL_ID.match(poll_id):
        raise Rejected(ErrorCode.INVALID, "a poll id is 1-32 letters, digits, '.', '_' or '-'")
    if poll_id in polls_of(state).polls:
        raise Rejected(ErrorCode.DUPLICATE, f"poll {poll_id} already exists", poll=poll_id)
    definition = parse_definition(poll_id, body)
    return [Event("poll.created", definition_to_dict(definition), cmd.actor.participant_id, now)]


def decide_update(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    """A draft redefined as a whole: a typo in the motion or a candidate left out is mended
    before anyone has seen the poll open. Once opened, its definition is what the delegates
    voted on, and stays."""
    if state.status == Status.CLOSED:
        raise Rejected(ErrorCode.INVALID_STATE, "the meeting is closed")
    poll = get_poll(state, cmd.body.get("poll"))
    if poll.status != PollStatus.DRAFT:
        raise Rejected(ErrorCode.INVALID_STATE,
                       f"the poll is {poll.status.value}; only a draft can be changed",
                       poll=poll.id, poll_status=poll.status.value)
    definition = parse_definition(poll.id, cmd.body)
    return [Event("poll.updated", definition_to_dict(definition), cmd.actor.participant_id, now)]


# ---- commands: open, publish, cancel -----------------------------------------------------


def decide_open(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    poll = get_poll(state, cmd.body.get("poll"))
    event_kind, _ = transition(poll.status, cmd.kind)
    if state.status != Status.OPEN:
        raise Rejected(ErrorCode.INVALID_STATE, f"the meeting is {state.status.value}, not open")
    snap = take_snapshot(state)
    quorum = _quorum_check(state, poll.definition, snap)
    if quorum is not None and quorum["required"] and not quorum["met"]:
        raise Rejected(
            ErrorCode.INVALID_STATE,
            f"no quorum: {quorum['present']['count']} present of {quorum['entitled']['count']}"
            f" does not meet '{quorum['rule']}'",
            quorum=quorum,
        )
    if not snap.voters:
        raise Rejected(ErrorCode.INVALID_STATE,
                       "nobody is eligible to vote (is anyone checked in?)")
    d = poll.definition
    rule = d.rule
    body: dict[str, Any] = {
        "poll": d.id,
        "rule": None if rule is None else {
            "text": d.rule_text,
            "fraction": f"{rule.fraction.numerator}/{rule.fraction.denominator}",
            "strict": rule.strict,
            "base": rule.base,
            "en": rule.describe("en"),
            "vi": rule.describe("vi"),
        },
        "base": "valid" if rule is None else rule.base,
        "quorum": quorum,
        "snapshot": snap.to_dict(),
        "closes_at": None if d.timer is None else now + d.timer * 1000,
    }
    return [Event(event_kind, body, cmd.actor.participant_id, now)]


def _quorum_check(state: MeetingState, d: PollDef, snap: Snapshot) -> dict[str, Any] | None:
    """The quorum at opening: required when the poll names a rule, else the meeting's rule,
    recorded for the minutes but not enforced. Measured on weight (= count when unweighted)."""
    text, required = d.quorum_text, True
    if text is None:
        text, required = state.info.quorum, False
    try:
        rule = parse_rule(text)
        met = quorum_met(rule, snap.present.weight, snap.entitled.weight)
    except RuleError:
        return None
    return {
        "rule": text,
        "required": required,
        "met": met,
        "present": snap.present.to_dict(),
        "entitled": snap.entitled.to_dict(),
    }


def decide_publish(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    poll = get_poll(state, cmd.body.get("poll"))
    event_kind, _ = transition(poll.status, cmd.kind)
    assert poll.closing is not None  # a closed poll always has its closing body
    body = {"poll": poll.id, **public_result(poll.closing)}
    return [Event(event_kind, body, cmd.actor.participant_id, now)]


def public_result(closing: Mapping[str, Any]) -> dict[str, Any]:
    """What a delegate or the hall screen sees of a result: no receipt list, no ballots (both
    can be thousands of entries; they are fetched over HTTP, see docs/api.md)."""
    return {
        "result": closing["result"],
        "counts": closing["counts"],
        "receipts_digest": closing["receipts_digest"],
    }


def decide_cancel(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    poll = get_poll(state, cmd.body.get("poll"))
    event_kind, _ = transition(poll.status, cmd.kind)
    body: dict[str, Any] = {"poll": poll.id}
    if cmd.body.get("reason"):
        body["reason"] = nfc(str(cmd.body["reason"]))
    return [Event(event_kind, body, cmd.actor.participant_id, now)]


# ---- evolve -------------------------------------------------------------------------------


def evolve_created(state: MeetingState, event: Event) -> MeetingState:
    d = definition_from_dict(event.body)
    return put_poll(state, Poll(d, created_at=event.at))


def evolve_updated(state: MeetingState, event: Event) -> MeetingState:
    poll = get_poll(state, event.body["poll"])
    return put_poll(state, replace(poll, definition=definition_from_dict(event.body)))


def evolve_opened(state: MeetingState, event: Event) -> MeetingState:
    poll = get_poll(state, event.body["poll"])
    return put_poll(state, replace(
        poll, status=PollStatus.OPEN, opened_at=event.at, closes_at=event.body["closes_at"],
        snapshot=Snapshot.from_dict(event.body["snapshot"]),
    ))


def evolve_closed(state: MeetingState, event: Event) -> MeetingState:
    poll = get_poll(state, event.body["poll"])
    return put_poll(state, replace(
        poll, status=PollStatus.CLOSED, closed_at=event.at, closing=dict(event.body)
    ))


def evolve_published(state: MeetingState, event: Event) -> MeetingState:
    poll = get_poll(state, event.body["poll"])
    return put_poll(state, replace(poll, status=PollStatus.PUBLISHED, published_at=event.at))


def evolve_cancelled(state: MeetingState, event: Event) -> MeetingState:
    poll = get_poll(state, event.body["poll"])
    return put_poll(state, replace(poll, status=PollStatus.CANCELLED))


# ---- audiences, projections, snapshot ------------------------------------------------------


def _project_opened(event: Event, role: Role) -> Mapping[str, Any] | None:
    if role in STAFF:
        return event.body
    # Thousands of tablets need the counts, not the list of every voter (they learn their
    # own ballots from the snapshot and a personal live message).
    snap = {k: v for k, v in event.body["snapshot"].items() if k not in ("voters", "proxies")}
    return {**event.body, "snapshot": snap}


def _project_closed(event: Event, role: Role) -> Mapping[str, Any] | None:
    if role in STAFF:
        return event.body
    # Until published, only staff see results; the others learn that voting has ended.
    body = {"poll": event.body["poll"], "counts": event.body["counts"]}
    if "reason" in event.body:
        body["reason"] = event.body["reason"]
    return body


def poll_view(poll: Poll, role: Role | None, participant_id: str) -> dict[str, Any]:
    """A poll as `role` sees it (None: the administrator, who sees all)."""
    staff = role is None or role in STAFF
    out: dict[str, Any] = {
        **definition_to_dict(poll.definition),
        "status": poll.status.value,
        "created_at": poll.created_at,
        "opened_at": poll.opened_at,
        "closes_at": poll.closes_at,
        "closed_at": poll.closed_at,
        "published_at": poll.published_at,
    }
    if poll.snapshot is not None:
        # Counts only: the voter list, receipts and named ballots can be thousands of entries
        # each; the HTTP poll endpoint serves them (docs/api.md).
        snap = poll.snapshot.to_dict()
        out["snapshot"] = {k: v for k, v in snap.items() if k not in ("voters", "proxies")}
        out["may_cast_for"] = poll.snapshot.cast_by(participant_id)
    if poll.closing is not None:
        if staff or poll.status == PollStatus.PUBLISHED:
            out.update(public_result(poll.closing))
            out["outcome"] = poll.closing["outcome"]
        else:
            out["counts"] = poll.closing["counts"]
    return out


def snapshot_part(state: MeetingState, role: Role, participant_id: str) -> dict[str, Any]:
    return {"polls": [poll_view(p, role, participant_id) for p in polls_of(state).polls.values()]}


DECIDERS = {
    "poll.create": decide_create,
    "poll.update": decide_update,
    "poll.open": decide_open,
    "poll.publish": decide_publish,
    "poll.cancel": decide_cancel,
}
EVOLVERS = {
    "poll.created": evolve_created,
    "poll.updated": evolve_updated,
    "poll.opened": evolve_opened,
    "poll.closed": evolve_closed,
    "poll.published": evolve_published,
    "poll.cancelled": evolve_cancelled,
}
PERMISSIONS = {
    **{kind: STAFF for kind in
       ("poll.create", "poll.update", "poll.open", "poll.close", "poll.publish", "poll.cancel")},
    "ballot.cast": VOTING_ROLES,
}
PROJECTORS = {
    "poll.opened": _project_opened,
    "poll.closed": _project_closed,
}
SNAPSHOT = snapshot_part
