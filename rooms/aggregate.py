"""The meeting aggregate: one decide and one evolve over every feature's tables, plus who may
send which command and which audience sees which event."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from types import ModuleType
from typing import Any

from protocol.errors import ErrorCode
from protocol.kinds import DecidedKind, EventKind, is_decided_kind, is_event_kind
from rooms import (
    agenda,
    attendance,
    attendance_commands,
    credentials,
    documents,
    feedback,
    floor_commands,
    meeting,
    memo,
    notes,
    poll_commands,
    polls,
    proxies,
    questions,
    roster,
    speakers,
)
from rooms.decision import Context, Decision, limited
from rooms.model import ALL_ROLES, STAFF, Command, Event, Rejected, Role
from rooms.state import MeetingState

Decider = Callable[[MeetingState, Command, int], list[Event]]
DecisionDecider = Callable[[MeetingState, Command, Context], Decision]
Evolver = Callable[[MeetingState, Event], MeetingState]
# A projector redacts an event's body for a role that sees it; it never hides the event.
Projector = Callable[[Event, Role], Mapping[str, Any] | None]
SnapshotPart = Callable[[MeetingState, Role, str], dict[str, Any]]

# Each feature module provides DECIDERS, EVOLVERS and PERMISSIONS, and may provide
# AUDIENCES (event kind -> roles that see it), PROJECTORS (event kind -> body per role) and
# SNAPSHOT (its part of a client's starting state). Add a feature by listing it here.
FEATURES: tuple[ModuleType, ...] = (
    meeting, roster, credentials,
    agenda, documents, speakers, feedback, questions,
    attendance, proxies,
)
FEATURES += (polls,)
FEATURES += (notes,)

# Keyed by the closed kinds of protocol/kinds.py; tests/protocol/test_kinds.py checks that
# every kind has its entry and every entry a kind.
DECIDERS: dict[DecidedKind, Decider] = {}
EVOLVERS: dict[EventKind, Evolver] = {}
PERMISSIONS: dict[str, frozenset[Role]] = {}
# Who sees an event in the live stream; unlisted kinds are seen by everyone. Staff see all.
AUDIENCES: dict[str, frozenset[Role]] = {
    "roster.imported": STAFF,
    "participant.added": STAFF,
    "participant.updated": STAFF,
    "participant.removed": STAFF,
}
PROJECTORS: dict[str, Projector] = {}
SNAPSHOTS: list[SnapshotPart] = []

# Commands whose decision is more than their events (guards on per-key state, reads, ids or
# receipts from the context) are decided by these modules, over the features' rules.
COMMAND_MODULES: tuple[ModuleType, ...] = (poll_commands, attendance_commands, floor_commands)
COMMAND_MODULES += (credentials,)

for _feature in FEATURES:
    for _table, _name in (
        (DECIDERS, "DECIDERS"),
        (EVOLVERS, "EVOLVERS"),
        (PERMISSIONS, "PERMISSIONS"),
        (AUDIENCES, "AUDIENCES"),
        (PROJECTORS, "PROJECTORS"),
    ):
        _entries = getattr(_feature, _name, {})
        _clash = set(_entries) & set(_table)
        if _clash:
            raise RuntimeError(f"{_feature.__name__} redefines {sorted(_clash)} in {_name}")
        _table.update(_entries)
    if hasattr(_feature, "SNAPSHOT"):
        SNAPSHOTS.append(_feature.SNAPSHOT)



def _events_only(decider: Decider) -> DecisionDecider:
    def decide_events(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
        return Decision(decider(state, cmd, ctx.now))

    return decide_events


# Every command kind's one decider: the features' event deciders, unless a command module
# decides the kind with guards.
DECISIONS: dict[DecidedKind, DecisionDecider] = {
    k: _events_only(d) for k, d in DECIDERS.items()
}
for _module in COMMAND_MODULES:
    DECISIONS.update(_module.DECISIONS)
# Kinds that make retries safe themselves (a ballot by its ballot id): the shell skips the
# lookup of the client command id.
SELF_DEDUPED: frozenset[str] = poll_commands.SELF_DEDUPED


def decide_create(meeting_id: str, cmd: Command, ctx: Context) -> Decision:
    if not cmd.actor.is_admin:
        raise Rejected(ErrorCode.FORBIDDEN, "only the administrator creates meetings")
    return Decision(meeting.decide_create(meeting_id, cmd, ctx.now))


def decide(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    """What a command decides (rooms.decision), or Rejected; the state is never changed."""
    decider = DECISIONS.get(cmd.kind) if is_decided_kind(cmd.kind) else None
    if decider is None:
        raise Rejected(ErrorCode.UNKNOWN_KIND, f"unknown command kind {cmd.kind!r}")
    authorize(state, cmd)
    decision = decider(state, cmd, ctx)
    if decision.events and cmd.actor.role == Role.DELEGATE:
        return rate_limited(decision, cmd, ctx)
    return decision


def rate_limited(decision: Decision, cmd: Command, ctx: Context) -> Decision:
    """A delegate's command that writes to the log counts against their command rate: the log
    is permanent, and a tablet toggling a request must not fill it. (Staff and paired devices
    are not limited: a kiosk credential checks in a whole hall at several doors.) The limit is
    one more guard, checked last, so the decision's own guards keep their places."""
    at = len(decision.guards)
    own = decision.on_guard

    def refused(index: int, found: bytes) -> Decision:
        if index == at:
            limit, window = ctx.command_rate.limit, ctx.command_rate.window_ms
            raise Rejected(ErrorCode.RATE_LIMITED,
                           f"at most {limit} actions per {window // 1000} seconds; wait a moment",
                           limit=limit, window_ms=window)
        if own is None:
            raise Rejected(ErrorCode.CONFLICT, "the command lost a race", stale=True)
        return own(index, found)

    guard = limited(f"rate:cmd:{cmd.actor.participant_id}", ctx.command_rate)
    return decision._replace(guards=(*decision.guards, guard), on_guard=refused)


_NOBODY: frozenset[Role] = frozenset()


def authorize(state: MeetingState, cmd: Command) -> None:
    if cmd.actor.is_admin:
        return
    allowed = PERMISSIONS.get(cmd.kind, _NOBODY)
    participant = state.participants.get(cmd.actor.participant_id)
    if participant is None:
        raise Rejected(ErrorCode.FORBIDDEN, "you are not on this meeting's roster")
    if participant.role not in allowed:
        raise Rejected(
            ErrorCode.FORBIDDEN,
            f"a {participant.role.value} may not send '{cmd.kind}'",
            role=participant.role.value,
        )


def evolve(state: MeetingState | None, event: Event, seq: int = 0) -> MeetingState:
    """Fold one event; ``seq`` is its log position (0 when folding outside the log)."""
    if event.kind == "meeting.created":
        new = meeting.evolve_created(state, event)
    else:
        if state is None:
            raise ValueError(f"event {event.kind} before meeting.created")
        evolver = EVOLVERS.get(event.kind) if is_event_kind(event.kind) else None
        if evolver is None:
            raise ValueError(f"no evolver for event kind {event.kind!r}")
        new = evolver(state, event)
    return replace(new, seq=seq) if seq else new


def fold(events: Iterable[Event]) -> MeetingState:
    state: MeetingState | None = None
    for seq, event in enumerate(events, start=1):
        state = evolve(state, event, seq)
    if state is None:
        raise ValueError("no events")
    return state


def audience(event_kind: str) -> frozenset[Role]:
    return AUDIENCES.get(event_kind, ALL_ROLES)


def project(event: Event, role: Role) -> Mapping[str, Any] | None:
    """The event body as ``role`` sees it, or None when that role does not see it."""
    if role not in audience(event.kind):
        return None
    projector = PROJECTORS.get(event.kind)
    if projector is None:
        return event.body
    body = projector(event, role)
    if body is None:
        # Each event's per-role ``prev`` is fixed by AUDIENCES when it is appended; an event
        # withheld here would look like a gap to every client of that role.
        raise ValueError(f"projector of {event.kind} hid it from {role.value}: use AUDIENCES")
    return body


def snapshot(state: MeetingState, role: Role, participant_id: str) -> dict[str, Any]:
    """The state a client of ``role`` starts from (JSON-able)."""
    me = state.participants.get(participant_id)
    out: dict[str, Any] = {
        "id": state.id,
        "info": state.info.to_dict(),
        "status": state.status.value,
        "seq": state.seq,
        "me": me.to_dict() if me else None,
        "counts": dict(_counts(state)),
    }
    if role in STAFF:
        out["participants"] = [p.to_dict() for p in state.participants.values()]
    for part in SNAPSHOTS:
        out.update(part(state, role, participant_id))
    return out


@memo.by_state
def _counts(state: MeetingState) -> dict[str, int]:
    counts = {r.value: 0 for r in Role}
    for p in state.participants.values():
        counts[p.role.value] += 1
    return counts
