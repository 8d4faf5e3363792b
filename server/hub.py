"""A meeting's live hub inside one server process.

It holds the meeting's state (folded from the log), the process's connections grouped by
role, and a ring of recent log entries with their encoded frames. Events reach it from the
Redis bus in any process; it applies them strictly in seq order, repairing any gap from the
stream, and fans each one out encoded once per (role, codec).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sized
from typing import Any, Literal, TypeVar

from protocol import pieces
from protocol.codec import Codec, encode, encode_map, to_wire
from protocol.messages import Event as WireEvent
from protocol.messages import Live, Snapshot, Welcome
from rooms import aggregate
from rooms.model import STAFF, Role
from rooms.state import MeetingState
from server import checkpoints
from server.checkpoints import Policy
from server.clock import Clock
from server.connection import Connection, Frame
from server.metrics import Metrics
from server.store import LogEntry, Store


class _Recent:
    """A log entry with its frames, encoded on first use and shared by every recipient."""

    __slots__ = ("entry", "frames")

    def __init__(self, entry: LogEntry) -> None:
        self.entry = entry
        self.frames: dict[tuple[Role, Codec], Frame | None] = {}


LiveHook = Callable[["MeetingHub", LogEntry], None]
# Called once a hub has loaded, however it got there: from a checkpoint, the live hooks have
# not seen the events folded into it, so a feature sets its live values and timers here.
LoadHook = Callable[["MeetingHub"], None]

log = logging.getLogger("phonghop.hub")

# Catching up reads the log in pages of this many entries, and folds for at most
# FOLD_SLICE seconds before letting the event loop run for FOLD_PAUSE: a meeting loading
# 100k events must not stall every other meeting's tablets (reading and decoding a page of
# 200 took ~7 ms on a busy 2-core machine). A bare `sleep(0)` between slices
# was not enough: it runs one loop iteration, and a command or a /healthz answer takes a
# dozen (socket, Redis, bus, socket), so each waited a dozen slices (0.3 s measured). The
# pause is real time, not the hub's clock: it waits for sockets, not for a deadline.
_T = TypeVar("_T", bound=Sized)
LOG_PAGE = 200
PIECES_PAUSE = 64 * 1024  # characters or bytes encoded between two pauses: ~2 ms of JSON
FOLD_SLICE = 0.01
FOLD_PAUSE = 0.002

# The chair's console, the secretaries' and the hall screen follow coalesced values closely.
# Every other tablet gets them at most every tablet interval: sent to 5,000 delegates four
# times a second, the vote count during a ballot burst cost the server more than the
# ballots did.
WATCHERS = frozenset({Role.CHAIR, Role.SECRETARY, Role.SCREEN})


class _Lane:
    """Coalesced values waiting to go out to one group of roles, and its timer."""

    __slots__ = ("interval", "dirty", "ticker")

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.dirty: set[tuple[str, frozenset[Role]]] = set()
        self.ticker: asyncio.Task[None] | None = None


class MeetingHub:
    def __init__(
        self,
        meeting_id: str,
        store: Store,
        metrics: Metrics,
        *,
        clock: Clock,
        max_replay: int,
        coalesce_interval: float,
        tablet_interval: float | None = None,
        live_hooks: list[LiveHook] | None = None,
        checkpoint: Policy | None = None,
    ) -> None:
        self.meeting_id = meeting_id
        self.store = store
        self.metrics = metrics
        self.clock = clock
        self.max_replay = max_replay
        self.coalesce_interval = coalesce_interval
        self.state: MeetingState | None = None
        self.epoch = ""
        self.seq = 0
        self.connections: dict[Role, set[Connection]] = {role: set() for role in Role}
        self.lock = asyncio.Lock()
        self._recent: deque[_Recent] = deque(maxlen=max_replay)
        # Latest value by (kind, audience); an audience lies within one lane.
        self._live: dict[tuple[str, frozenset[Role]], dict[str, Any]] = {}
        self._watchers = _Lane(coalesce_interval)
        self._tablets = _Lane(coalesce_interval if tablet_interval is None else tablet_interval)
        self._live_hooks = live_hooks if live_hooks is not None else []
        # The chain hash of the entry at `seq`, which a checkpoint of `state` is tied to.
        self.hash = ""
        self._policy = checkpoint if checkpoint is not None else Policy(every=0)
        self._checkpoint_seq = 0
        self._checkpoint_at = clock.monotonic()
        self._writer: asyncio.Task[None] | None = None
        self._loading = False
        # Unloaded by Hubs: no longer fed by the bus, sends no live values.
        self.closed = False
        # When the hub was last used (loaded, asked for, left by its last connection).
        self.idle_since = clock.monotonic()

    # ---- loading and applying ----------------------------------------------------------

    async def load(self) -> bool:
        """Fold the log from the last checkpoint that fits it (or from the start); False when
        the meeting does not exist."""
        async with self.lock:
            meta = await self.store.meta(self.meeting_id)
            if "epoch" not in meta:
                return False
            self.epoch = meta["epoch"]
            rejected = False
            if self._policy.every:
                restored, rejected = await checkpoints.restore(
                    self.store, self.meeting_id, self.epoch)
                if restored is not None:
                    self.state, self.seq = restored.state, restored.state.seq
                    self.hash = restored.hash
                    self._checkpoint_seq = self.seq
            self._loading = True
            try:
                await self._catch_up_locked()
            finally:
                self._loading = False
            self._checkpoint_at = self.clock.monotonic()
            behind = self.seq - self._checkpoint_seq
            if self._policy.every and (rejected or behind >= self._policy.every):
                self._start_checkpoint(replace=rejected)
        return self.state is not None

    async def catch_up(self) -> None:
        async with self.lock:
            await self._catch_up_locked()

    async def _catch_up_locked(self) -> None:
        sliced = time.perf_counter()
        while True:
            page = await self.store.read_log(self.meeting_id, after=self.seq, count=LOG_PAGE)
            for entry in page:
                self._apply(entry)
                if time.perf_counter() - sliced > FOLD_SLICE:
                    await asyncio.sleep(FOLD_PAUSE)
                    sliced = time.perf_counter()
            if len(page) < LOG_PAGE:
                return

    async def on_published(self, entry: LogEntry) -> None:
        """An entry from the bus: apply it, first fetching any it skipped over."""
        if entry.seq <= self.seq:
            return
        async with self.lock:
            if entry.seq > self.seq + 1:
                await self._catch_up_locked()
            if entry.seq == self.seq + 1:
                self._apply(entry)

    def _apply(self, entry: LogEntry) -> None:
        started = time.perf_counter()
        self.state = aggregate.evolve(self.state, entry.event, entry.seq)
        self.seq = entry.seq
        self.hash = entry.hash
        recent = _Recent(entry)
        self._recent.append(recent)
        for role, conns in self.connections.items():
            if not conns or role.value not in entry.audience:
                continue
            for conn in list(conns):
                frame = self._frame(recent, role, conn.codec)
                if frame is not None:
                    conn.send(frame)
        for hook in self._live_hooks:
            hook(self, entry)
        self.metrics.inc("phonghop_events_total")
        self.metrics.observe_fanout(time.perf_counter() - started)
        if not self._loading:
            self.maybe_checkpoint()

    # ---- checkpoints -------------------------------------------------------------------

    def maybe_checkpoint(self) -> None:
        """Write a checkpoint in the background when the policy says one is due."""
        new = self.seq - self._checkpoint_seq
        if not self._policy.every or new <= 0 or self.closed:
            return
        if new >= self._policy.every or (
            self.clock.monotonic() - self._checkpoint_at >= self._policy.interval
        ):
            self._start_checkpoint()

    def _start_checkpoint(self, *, replace: bool = False) -> None:
        if self.state is None or (self._writer is not None and not self._writer.done()):
            return
        self._writer = asyncio.get_running_loop().create_task(
            self._write_checkpoint(self.state, self.hash, replace))

    async def _write_checkpoint(self, state: MeetingState, chain_hash: str, replace: bool) -> None:
        try:
            await checkpoints.write(self.store, self.meeting_id, self.epoch, state, chain_hash,
                                    replace=replace)
        except Exception as exc:
            # Loading stays correct without it; the next try comes after as many events or
            # as much time again, not on the next event.
            log.warning("checkpoint of %s at seq %d failed: %s", self.meeting_id, state.seq, exc)
        self._checkpoint_seq = max(self._checkpoint_seq, state.seq)
        self._checkpoint_at = self.clock.monotonic()

    def close(self) -> None:
        """Unloaded: stop the live lanes (no connection is left to send to)."""
        self.closed = True
        for lane in (self._watchers, self._tablets):
            if lane.ticker is not None:
                lane.ticker.cancel()
            lane.dirty.clear()

    def _frame(self, recent: _Recent, role: Role, codec: Codec) -> Frame | None:
        key = (role, codec)
        if key not in recent.frames:
            entry = recent.entry
            body = aggregate.project(entry.event, role)
            recent.frames[key] = (
                None
                if body is None
                else encode(
                    WireEvent(
                        meeting=self.meeting_id,
                        epoch=self.epoch,
                        seq=entry.seq,
                        prev=entry.prev.get(role.value, 0),
                        kind=entry.event.kind,
                        at=entry.event.at,
                        body=dict(body),
                    ),
                    codec,
                )
            )
        return recent.frames[key]

    # ---- connections -------------------------------------------------------------------

    async def attach(
        self, conn: Connection, participant: dict[str, Any], position: tuple[str, int] | None
    ) -> str:
        """Send welcome and a replay or a snapshot, then start live delivery. Under the lock,
        so no event can slip between what is replayed and what is delivered live."""
        async with self.lock:
            await self._catch_up_locked()
            assert self.state is not None
            mode = self._resume_mode(position)
            conn.send(
                encode(
                    Welcome(
                        meeting=self.meeting_id,
                        participant=participant,
                        epoch=self.epoch,
                        seq=self.seq,
                        resume=mode,
                        server_time=self.clock.now_ms(),
                    ),
                    conn.codec,
                )
            )
            if mode == "snapshot":
                conn.send(await self._snapshot(self.state, conn))
            else:
                assert position is not None
                await self._replay(conn, position[1])
            for (kind, roles), body in self._live.items():
                if conn.role in roles:
                    conn.send(encode(Live(kind, body), conn.codec))
            self.connections[conn.role].add(conn)
            self.metrics.gauges["phonghop_connections"] += 1
            return mode

    async def _snapshot(self, state: MeetingState, conn: Connection) -> Frame:
        """The connection's snapshot frame. A congress's chair or secretary gets its roster
        and attendance: made in a worker thread (the state is immutable, and under the lock
        nothing is folded meanwhile) and encoded in pieces with the loop let go between
        them. In one step, a chair's of 5,000 delegates held the loop ~75 ms (40 ms making
        it, 32 ms of JSON), every other tablet of the process waiting."""
        if conn.role not in STAFF or len(state.participants) <= pieces.SLICE:
            # A delegate's is small, and thousands connect at once: made here, in one call.
            body = aggregate.snapshot(state, conn.role, conn.participant_id)
            return encode(Snapshot(self.meeting_id, self.epoch, self.seq, body), conn.codec)
        body = await asyncio.to_thread(aggregate.snapshot, state, conn.role, conn.participant_id)
        message = Snapshot(self.meeting_id, self.epoch, self.seq, body)
        if conn.codec == "msgpack":
            return b"".join([p async for p in _paced(pieces.msgpack_pieces(to_wire(message)))])
        return "".join([p async for p in _paced(pieces.json_pieces(to_wire(message)))])

    def _resume_mode(self, position: tuple[str, int] | None) -> Literal["replay", "snapshot"]:
        if position is None:
            return "snapshot"
        epoch, seq = position
        if epoch != self.epoch or seq > self.seq or self.seq - seq > self.max_replay:
            return "snapshot"
        return "replay"

    async def _replay(self, conn: Connection, after: int) -> None:
        if after == self.seq:
            return
        oldest = self._recent[0].entry.seq if self._recent else self.seq + 1
        if after + 1 >= oldest:
            recents = [r for r in self._recent if r.entry.seq > after]
        else:
            recents = [_Recent(e) for e in await self.store.read_log(self.meeting_id, after)]
        for recent in recents:
            if conn.role.value in recent.entry.audience:
                frame = self._frame(recent, conn.role, conn.codec)
                if frame is not None:
                    conn.send(frame)

    def detach(self, conn: Connection) -> None:
        if conn in self.connections[conn.role]:
            self.connections[conn.role].discard(conn)
            self.metrics.gauges["phonghop_connections"] -= 1
            if not self.connection_count:
                self.idle_since = self.clock.monotonic()

    @property
    def connection_count(self) -> int:
        return sum(len(c) for c in self.connections.values())

    # ---- coalesced live values ---------------------------------------------------------

    def set_live(self, kind: str, roles: frozenset[Role], body: dict[str, Any]) -> None:
        """Record the latest value; it goes out at most once per coalesce interval to the
        watchers among `roles`, and at most once per tablet interval to the others."""
        if self.closed:
            return
        for part, lane in ((roles & WATCHERS, self._watchers), (roles - WATCHERS, self._tablets)):
            key = (kind, part)
            if not part or self._live.get(key) == body:
                continue
            self._live[key] = body
            lane.dirty.add(key)
            if lane.ticker is None or lane.ticker.done():
                lane.ticker = asyncio.get_running_loop().create_task(self._flush_later(lane))

    async def _flush_later(self, lane: _Lane) -> None:
        await self.clock.sleep(lane.interval)
        dirty, lane.dirty = lane.dirty, set()
        for key in dirty:
            kind, roles = key
            body = self._live[key]
            frames: dict[Codec, Frame] = {}
            for role in roles:
                for conn in list(self.connections[role]):
                    if conn.codec not in frames:
                        frames[conn.codec] = encode_map(
                            {"v": 1, "type": "live", "kind": kind, "body": body}, conn.codec
                        )
                    conn.send(frames[conn.codec])
            self.metrics.inc("phonghop_live_flushes_total")
        if lane.dirty:
            lane.ticker = asyncio.get_running_loop().create_task(self._flush_later(lane))

    def personal(self, participant_id: str, kind: str, body: dict[str, Any]) -> None:
        """A live message to one participant's connections in this process (not logged)."""
        frames: dict[Codec, Frame] = {}
        for conns in self.connections.values():
            for conn in conns:
                if conn.participant_id == participant_id:
                    if conn.codec not in frames:
                        frames[conn.codec] = encode(Live(kind, body), conn.codec)
                    conn.send(frames[conn.codec])


async def _paced(parts: Iterator[_T]) -> AsyncIterator[_T]:
    """``parts`` with a pause of the loop after every PIECES_PAUSE of them."""
    since = 0
    for part in parts:
        yield part
        since += len(part)
        if since >= PIECES_PAUSE:
            since = 0
            await asyncio.sleep(0)
