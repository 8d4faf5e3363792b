"""All meeting hubs of this process, the bus that feeds them, and a periodic check: each
loaded meeting's seq against Redis (one pipelined round trip for all of them), checkpoints
that fell due by time, and unloading meetings nobody has used for a while."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from server.bus import Bus
from server.checkpoints import Policy
from server.clock import Clock
from server.hub import LiveHook, LoadHook, MeetingHub
from server.metrics import Metrics
from server.store import LogEntry, Store, k

log = logging.getLogger("phonghop.hubs")


class Hubs:
    def __init__(
        self,
        store: Store,
        metrics: Metrics,
        *,
        clock: Clock,
        max_replay: int,
        coalesce_interval: float,
        tablet_interval: float | None = None,
        live_hooks: Iterable[LiveHook] = (),
        check_interval: float = 2.0,
        checkpoint: Policy | None = None,
        idle_unload: float = 0.0,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.clock = clock
        self._hubs: dict[str, MeetingHub] = {}
        self._loading: dict[str, asyncio.Lock] = {}
        self._max_replay = max_replay
        self._coalesce = coalesce_interval
        self._tablet_interval = tablet_interval
        # Features append to this list in their setup(); every hub shares it.
        self.live_hooks: list[LiveHook] = list(live_hooks)
        self.load_hooks: list[LoadHook] = []
        self._check_interval = check_interval
        self._checkpoint = checkpoint if checkpoint is not None else Policy()
        # Seconds without a connection after which a meeting is unloaded; 0: never.
        self._idle_unload = idle_unload
        self.bus = Bus(store.redis, self._on_event, self._resync_all, clock=clock)
        self._checker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bus.start()
        self._checker = asyncio.get_running_loop().create_task(self._check_loop())

    async def stop(self) -> None:
        if self._checker:
            self._checker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checker
        await self.bus.stop()

    async def get(self, meeting_id: str) -> MeetingHub | None:
        hub = self._hubs.get(meeting_id)
        if hub is not None:
            # The caller is about to attach or read it: not idle, whatever its connections.
            hub.idle_since = self.clock.monotonic()
            return hub
        lock = self._loading.setdefault(meeting_id, asyncio.Lock())
        async with lock:
            hub = self._hubs.get(meeting_id)
            if hub is not None:
                hub.idle_since = self.clock.monotonic()
                return hub
            hub = MeetingHub(
                meeting_id,
                self.store,
                self.metrics,
                clock=self.clock,
                max_replay=self._max_replay,
                coalesce_interval=self._coalesce,
                tablet_interval=self._tablet_interval,
                live_hooks=self.live_hooks,
                checkpoint=self._checkpoint,
            )
            # Subscribe before loading so nothing published in between is missed.
            await self.bus.subscribe(meeting_id)
            if not await hub.load():
                await self.bus.unsubscribe(meeting_id)
                return None
            self._hubs[meeting_id] = hub
            hub.idle_since = self.clock.monotonic()
            for hook in self.load_hooks:
                hook(hub)
            return hub

    @property
    def loaded(self) -> list[str]:
        return list(self._hubs)

    async def _on_event(self, meeting_id: str, entry: LogEntry) -> None:
        hub = self._hubs.get(meeting_id)
        if hub is not None:
            await hub.on_published(entry)

    async def _resync_all(self) -> None:
        for hub in list(self._hubs.values()):
            await hub.catch_up()

    async def _check_loop(self) -> None:
        while True:
            await self.clock.sleep(self._check_interval)
            await self.check()

    async def check(self) -> None:
        """One round of the periodic check (the loop's body, called directly by tests)."""
        hubs = list(self._hubs.values())
        seqs: list[bytes | None] = []
        if hubs:
            try:
                pipe = self.store.redis.pipeline(transaction=False)
                for hub in hubs:
                    pipe.hget(k(hub.meeting_id, "meta"), "seq")
                seqs = await pipe.execute()
            except Exception as exc:
                log.warning("consistency check of %d meetings failed: %s", len(hubs), exc)
        for hub, seq in zip(hubs, seqs, strict=False):
            try:
                if seq is not None and int(seq) > hub.seq:
                    await hub.catch_up()
                hub.maybe_checkpoint()
            except Exception as exc:
                log.warning("consistency check of %s failed: %s", hub.meeting_id, exc)
        if self._idle_unload > 0:
            await self._unload_idle()

    async def _unload_idle(self) -> None:
        # The meeting's loading lock stays in `_loading` (a few hundred bytes): dropping it
        # while a get() waits on it would let a second get() load a second hub beside it.
        for meeting_id, hub in list(self._hubs.items()):
            if self._idle(hub):
                lock = self._loading.setdefault(meeting_id, asyncio.Lock())
                async with lock:
                    # Checked again under the lock a loader takes: a get() meanwhile made
                    # it busy, or a new hub replaced it.
                    if self._hubs.get(meeting_id) is hub and self._idle(hub):
                        del self._hubs[meeting_id]
                        hub.close()
                        await self.bus.unsubscribe(meeting_id)
                        log.info("meeting %s unloaded after %.0f s idle", meeting_id,
                                 self.clock.monotonic() - hub.idle_since)

    def _idle(self, hub: MeetingHub) -> bool:
        return (
            hub.connection_count == 0
            and not hub.lock.locked()
            and self.clock.monotonic() - hub.idle_since >= self._idle_unload
        )
