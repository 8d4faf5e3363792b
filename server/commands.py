"""Running a command: the shell around ``rooms.aggregate.decide``.

Control commands are rare and use optimistic versioning: the append carries the seq the
decision was made at, and a conflict means "fold what is new and decide again". High-volume
commands (check-ins, ballots, upvotes) register a *plan* instead: their invariant is a
per-key guard checked inside the same atomic script, so they never contend on the seq.
Every applied command is remembered by (participant, client command id), so a retry is
acked again and not applied twice.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgpack

from protocol.errors import ErrorCode
from rooms import aggregate
from rooms.model import Actor, Command, Event, Rejected
from rooms.state import MeetingState
from server.hub import MeetingHub
from server.hubs import Hubs
from server.metrics import Metrics
from server.store import MEETINGS, Guard, Store, k

log = logging.getLogger("phonghop.commands")

MAX_ATTEMPTS = 20


@dataclass
class Outcome:
    ok: bool
    seq: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    code: str = ""
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def rejected(code: str, message: str, details: dict[str, Any] | None = None) -> Outcome:
        return Outcome(False, code=code, message=message, details=dict(details or {}))


@dataclass
class Plan:
    events: list[Event]
    guards: list[Guard] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    # None: optimistic on the seq the decision was made at; a plan with guards sets False.
    optimistic: bool = True
    # Turns a failed guard (its index and the value found) into the rejection to answer.
    on_guard: Callable[[int, bytes], Rejected] | None = None
    # Runs after a successful append (e.g. to push a personal live message).
    after: Callable[[MeetingHub], Awaitable[None]] | None = None


Planner = Callable[[MeetingState, Command, int, "Services"], Awaitable[Plan]]


@dataclass
class Services:
    store: Store
    hubs: Hubs
    metrics: Metrics
    extra: dict[str, Any] = field(default_factory=dict)


PLANNERS: dict[str, Planner] = {}
# Kinds whose planner makes retries safe itself (a ballot by its ballot id): they skip the
# lookup of the client command id, one Redis round trip on the hottest path.
SELF_DEDUPED: set[str] = set()


def planner(kind: str, *, self_deduped: bool = False) -> Callable[[Planner], Planner]:
    def register(fn: Planner) -> Planner:
        PLANNERS[kind] = fn
        if self_deduped:
            SELF_DEDUPED.add(kind)
        return fn

    return register


def now_ms() -> int:
    return int(time.time() * 1000)


def new_meeting_id() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "m" + "".join(secrets.choice(alphabet) for _ in range(9))


class CommandService:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def create_meeting(self, body: dict[str, Any], actor: Actor) -> str:
        self.s.metrics.inc('phonghop_commands_total{kind="meeting.create"}')
        for _ in range(5):
            meeting_id = new_meeting_id()
            events = aggregate.decide_create(
                meeting_id, Command("meeting.create", body, actor), now_ms()
            )
            meta = k(meeting_id, "meta")
            result = await self.s.store.append(
                meeting_id,
                [(e, aggregate.audience(e.kind)) for e in events],
                guards=[
                    Guard("absent", meta),
                    Guard("set", meta, "epoch", secrets.token_hex(8)),
                    Guard("set", meta, "created", str(now_ms())),
                ],
            )
            if result.status == "ok":
                # The index lives outside the meeting's slot, so it is written separately;
                # a meeting missing from it is still complete and can be re-indexed.
                await self.s.store.redis.zadd(MEETINGS, {meeting_id: now_ms()})
                return meeting_id
        raise RuntimeError("could not allocate a meeting id")

    async def execute(
        self,
        meeting_id: str,
        actor: Actor,
        kind: str,
        body: dict[str, Any],
        command_id: str | None = None,
    ) -> Outcome:
        self.s.metrics.inc(f'phonghop_commands_total{{kind="{kind}"}}')
        hub = await self.s.hubs.get(meeting_id)
        if hub is None or hub.state is None:
            return Outcome.rejected(ErrorCode.NOT_FOUND, f"no meeting {meeting_id}")
        dedupe_key = (
            k(meeting_id, f"cmd:{actor.participant_id}:{command_id}")
            if command_id and kind not in SELF_DEDUPED
            else None
        )
        if dedupe_key:
            done = await self.s.store.redis.get(dedupe_key)
            if done is not None:
                return self._replayed(bytes(done))
        cmd = Command(kind, body, actor)
        for _ in range(MAX_ATTEMPTS):
            state = hub.state
            assert state is not None
            now = now_ms()
            try:
                custom = PLANNERS.get(kind)
                if custom is not None:
                    aggregate.authorize(state, cmd)
                    plan = await custom(state, cmd, now, self.s)
                else:
                    plan = Plan(aggregate.decide(state, cmd, now))
            except Rejected as rej:
                self.s.metrics.inc("phonghop_commands_rejected_total")
                return Outcome.rejected(rej.code, rej.message, rej.details)
            if not plan.events and not plan.guards:
                return Outcome(True, seq=state.seq, result=plan.result)
            ack = msgpack.packb(plan.result, use_bin_type=True)
            appended = await self.s.store.append(
                meeting_id,
                [(e, aggregate.audience(e.kind)) for e in plan.events],
                expected_seq=state.seq if plan.optimistic else None,
                dedupe=(dedupe_key, ack) if dedupe_key else None,
                guards=plan.guards,
            )
            if appended.status == "conflict":
                await hub.catch_up()
                continue
            if appended.status == "dup":
                return self._replayed(str(appended.last).encode() + b":" + appended.ack)
            if appended.status == "guard":
                if plan.on_guard is None:
                    return Outcome.rejected(ErrorCode.CONFLICT, "the command lost a race")
                rej = plan.on_guard(appended.guard_index, appended.guard_value)
                return Outcome.rejected(rej.code, rej.message, rej.details)
            await hub.catch_up()
            if plan.after is not None:
                await plan.after(hub)
            return Outcome(True, seq=appended.last or state.seq, result=plan.result)
        return Outcome.rejected(ErrorCode.UNAVAILABLE, "too much contention; retry the command")

    @staticmethod
    def _replayed(stored: bytes) -> Outcome:
        seq, _, ack = stored.partition(b":")
        result = msgpack.unpackb(ack, raw=False) if ack else {}
        return Outcome(True, seq=int(seq), result={**result, "replayed": True})
