"""Execute: the one place where any command's ``Decision`` meets Redis.

The pipeline, file by file: decode (``protocol/codec.py``, ``protocol/commands.py``) →
authorize and decide (``rooms/aggregate.py``, pure, returns a ``rooms.decision.Decision``) →
execute (here: one atomic script, ``server/lua/append.lua``, through ``server/store.py``) →
fan-out (``server/hub.py``, which folds what was appended and sends it to each audience).

Control commands are rare and optimistic: the append carries the seq the decision was made
at, and a conflict means "fold what is new and decide again". High-volume commands (ballots,
check-ins, upvotes) are guarded per key instead and never contend on the seq; those without
events share one Redis call with their neighbours (``server/batching.py``). Every applied
command is remembered by (participant, client command id), so a retry is acked again and not
applied twice.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Literal, assert_never

import msgpack

from protocol.errors import ErrorCode
from rooms import aggregate
from rooms.decision import Context, Decision, Guard, RateLimit
from rooms.model import Actor, Command, Rejected
from server.auth import Signer
from server.badge_check import badge_participant
from server.batching import GuardBatcher
from server.clock import Clock
from server.hub import MeetingHub
from server.hubs import Hubs
from server.keys import BALLOT_RECEIPTS, ServerKeys
from server.metrics import Metrics
from server.receipts import Receipts
from server.store import MEETINGS, AppendResult, Store, k, reply_bytes

log = logging.getLogger("phonghop.commands")

# Decisions made again after a conflict or on a newer state, per command.
MAX_ATTEMPTS = 20
# Steps (write, read, continue) one decision may chain before it is given up.
MAX_STEPS = 24
# Floor rate limit per participant (feedback, questions) unless the settings say otherwise.
RATE_LIMIT = RateLimit(10, 60_000)
# Every log-writing command of a delegate (rooms.aggregate.rate_limited).
COMMAND_RATE = RateLimit(30, 10_000)


@dataclass
class Outcome:
    ok: bool
    seq: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    # Empty exactly when ``ok``; a rejection always names its code.
    code: ErrorCode | Literal[""] = ""
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def rejected(code: ErrorCode, message: str, details: dict[str, Any] | None = None) -> Outcome:
        return Outcome(False, code=code, message=message, details=dict(details or {}))

    @staticmethod
    def of(rej: Rejected) -> Outcome:
        return Outcome(False, code=rej.code, message=rej.message, details=dict(rej.details))


class _Again(Exception):
    """The decision was made on a state the store has moved past: fold and decide again."""


def new_meeting_id() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "m" + "".join(secrets.choice(alphabet) for _ in range(9))


class Interpreter:
    def __init__(
        self,
        store: Store,
        hubs: Hubs,
        metrics: Metrics,
        signer: Signer,
        keys: ServerKeys,
        clock: Clock,
        rate: RateLimit = RATE_LIMIT,
        command_rate: RateLimit = COMMAND_RATE,
    ) -> None:
        self.store = store
        self.hubs = hubs
        self.metrics = metrics
        self.signer = signer
        self.clock = clock
        self.rate = rate
        self.command_rate = command_rate
        self.batcher = GuardBatcher(store, metrics)
        # Derived once: a burst of first ballots must not each derive it.
        self._receipts = Receipts(keys.derive(BALLOT_RECEIPTS))
        self._last_context: tuple[str, Context] | None = None

    # ---- the context a decider may use -------------------------------------------------

    def context(self, meeting_id: str, now: int) -> Context:
        # A burst decides several commands of one meeting in the same millisecond: the same
        # (frozen) context serves them all.
        last = self._last_context
        if last is not None and last[0] == meeting_id and last[1].now == now:
            return last[1]
        receipts = self._receipts

        def receipt(poll_id: str, voter: str, ballot_id: str) -> str:
            return receipts(meeting_id, poll_id, voter, ballot_id)

        def badge(token: str) -> str:
            return badge_participant(self.signer, meeting_id, token, now)

        ctx = Context(now=now, new_id=_new_id, receipt=receipt, badge=badge, rate=self.rate,
                      command_rate=self.command_rate)
        self._last_context = (meeting_id, ctx)
        return ctx

    # ---- commands ----------------------------------------------------------------------

    async def create_meeting(self, body: dict[str, Any], actor: Actor) -> str:
        self.metrics.inc('phonghop_commands_total{kind="meeting.create"}')
        for _ in range(5):
            meeting_id = new_meeting_id()
            now = self.clock.now_ms()
            decision = aggregate.decide_create(
                meeting_id, Command("meeting.create", body, actor), self.context(meeting_id, now)
            )
            decision = _with_guards(decision, [
                Guard("absent", "meta"),
                Guard("set", "meta", "epoch", secrets.token_hex(8)),
                Guard("set", "meta", "created", str(now)),
            ])
            result = await self._write(meeting_id, decision, None, None)
            if result.status == "ok":
                # The index lives outside the meeting's slot, so it is written separately;
                # a meeting missing from it is still complete and can be re-indexed.
                await self.store.redis.zadd(MEETINGS, {meeting_id: now})
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
        self.metrics.inc(f'phonghop_commands_total{{kind="{kind}"}}')
        hub = await self.hubs.get(meeting_id)
        if hub is None or hub.state is None:
            return Outcome.rejected(ErrorCode.NOT_FOUND, f"no meeting {meeting_id}")
        dedupe_key = (
            f"cmd:{actor.participant_id}:{command_id}"
            if command_id and kind not in aggregate.SELF_DEDUPED
            else None
        )
        if dedupe_key:
            done = await self.store.redis.get(k(meeting_id, dedupe_key))
            if done is not None:
                return _replayed(reply_bytes(done))
        cmd = Command(kind, body, actor)
        for _ in range(MAX_ATTEMPTS):
            state = hub.state
            assert state is not None
            try:
                ctx = self.context(meeting_id, self.clock.now_ms())
                decision = aggregate.decide(state, cmd, ctx)
                return await self._carry_out(hub, decision, dedupe_key, state.seq)
            except Rejected as rej:
                if rej.stale and await _moved(hub, state.seq):
                    continue
                self.metrics.inc("phonghop_commands_rejected_total")
                return Outcome.of(rej)
            except _Again:
                await hub.catch_up()
        return Outcome.rejected(ErrorCode.UNAVAILABLE, "too much contention; retry the command")

    async def _carry_out(
        self, hub: MeetingHub, decision: Decision, dedupe_key: str | None, seq: int
    ) -> Outcome:
        """Run a decision's steps: write, then read and continue, until one only answers."""
        for _ in range(MAX_STEPS):
            if decision.events or decision.guards:
                if decision.events and decision.then is not None:
                    # A later step could fail and send the command round again: events go
                    # with the last write only, so that a retry never appends them twice.
                    raise RuntimeError("events must be written by a decision's last step")
                last = decision.then is None
                dedupe = None
                if dedupe_key and last:
                    dedupe = (dedupe_key, msgpack.packb(decision.result, use_bin_type=True))
                optimistic = decision.optimistic and bool(decision.events)
                written = await self._write(
                    hub.meeting_id, decision, seq if optimistic else None, dedupe
                )
                match written.status:
                    case "conflict":
                        raise _Again
                    case "dup":
                        return _replayed(str(written.last).encode() + b":" + written.ack)
                    case "guard":
                        if decision.on_guard is None:
                            raise Rejected(ErrorCode.CONFLICT,
                                           "the command lost a race", stale=True)
                        decision = decision.on_guard(written.guard_index, written.guard_value)
                        continue
                    case "ok":
                        if decision.events:
                            await hub.catch_up()
                            seq = written.last
                    case _:
                        assert_never(written.status)
            if decision.then is None:
                return Outcome(True, seq=seq, result=dict(decision.result))
            values = await self.store.read(hub.meeting_id, decision.reads)
            decision = decision.then(values)
        raise Rejected(ErrorCode.UNAVAILABLE, "too much contention on this command; retry")

    def _write(
        self,
        meeting_id: str,
        decision: Decision,
        expected_seq: int | None,
        dedupe: tuple[str, bytes] | None,
    ) -> Awaitable[AppendResult]:
        # Not a coroutine itself: a ballot awaits the batcher's future one frame nearer.
        if decision.batch and not decision.events and dedupe is None:
            return self.batcher.submit(meeting_id, decision.guards)
        return self.store.append(
            meeting_id,
            [(e, aggregate.audience(e.kind)) for e in decision.events],
            expected_seq=expected_seq,
            dedupe=(k(meeting_id, dedupe[0]), dedupe[1]) if dedupe else None,
            guards=decision.guards,
        )


async def _moved(hub: MeetingHub, seq: int) -> bool:
    """Catch up; whether the log had moved past ``seq`` (so deciding again may differ)."""
    await hub.catch_up()
    return hub.state is not None and hub.state.seq != seq


def _new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(5)


def _with_guards(decision: Decision, guards: list[Guard]) -> Decision:
    return Decision(events=decision.events, guards=[*guards, *decision.guards],
                    result=decision.result, optimistic=False)


def _replayed(stored: bytes) -> Outcome:
    seq, _, ack = stored.partition(b":")
    result = msgpack.unpackb(ack, raw=False) if ack else {}
    return Outcome(True, seq=int(seq), result={**result, "replayed": True})
