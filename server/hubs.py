"""All meeting hubs of this process, the bus that feeds them, and a periodic consistency check."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from server.bus import Bus
from server.clock import Clock
from server.hub import LiveHook, MeetingHub
from server.metrics import Metrics
from server.store import LogEntry, Store

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
        self._check_interval = check_interval
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
            return hub
        lock = self._loading.setdefault(meeting_id, asyncio.Lock())
        async with lock:
            hub = self._hubs.get(meeting_id)
            if hub is not None:
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
            )
            # Subscribe before loading so nothing published in between is missed.
            await self.bus.subscribe(meeting_id)
            if not await hub.load():
                return None
            self._hubs[meeting_id] = hub
            return hub

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
            for hub in list(self._hubs.values()):
                try:
                    seq = await self.store.redis.hget(f"ph:{{{hub.meeting_id}}}:meta", "seq")
                    if seq is not None and int(seq) > hub.seq:
                        await hub.catch_up()
                except Exception as exc:
                    log.warning("consistency check of %s failed: %s", hub.meeting_id, exc)
