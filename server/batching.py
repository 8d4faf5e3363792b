"""Coalescing a burst of guarded writes into few Redis calls: a group commit.

When 5,000 tablets vote within a second, one script call per ballot costs more than the
ballot: the client library's work and the round trip dominate (and Redis, often on the same
core, is woken once per call). So a process keeps at most one call in flight per meeting:
writes submitted while it runs wait and go out together, as one call (``Store.guard_batch``),
when it returns. Batches grow with the load and a lone write goes out at once. Each write
still succeeds or fails on its own guards, atomically.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from rooms.decision import Guard
from server.metrics import Metrics
from server.store import AppendResult, Store

MAX_BATCH = 500

_Item = tuple[Sequence[Guard], asyncio.Future[AppendResult]]


class GuardBatcher:
    def __init__(self, store: Store, metrics: Metrics | None = None) -> None:
        self.store = store
        self.metrics = metrics
        self._waiting: dict[str, list[_Item]] = {}
        # The loop of each meeting's running drain. A write that joins one takes its loop
        # from here: asyncio.get_running_loop() costs a getpid() system call on Python 3.11.
        self._running: dict[str, asyncio.AbstractEventLoop] = {}

    def submit(self, meeting_id: str, guards: Sequence[Guard]) -> asyncio.Future[AppendResult]:
        """The write's result, to await. A future, not a coroutine: each of a burst's
        ballots waits through one frame fewer."""
        loop = self._running.get(meeting_id)
        if loop is None:
            loop = self._running[meeting_id] = asyncio.get_running_loop()
            loop.create_task(self._drain(meeting_id))
        future: asyncio.Future[AppendResult] = loop.create_future()
        self._waiting.setdefault(meeting_id, []).append((guards, future))
        return future

    async def _drain(self, meeting_id: str) -> None:
        try:
            while items := self._waiting.pop(meeting_id, None):
                for start in range(0, len(items), MAX_BATCH):
                    await self._run(meeting_id, items[start : start + MAX_BATCH])
        finally:
            del self._running[meeting_id]

    async def _run(self, meeting_id: str, items: list[_Item]) -> None:
        if self.metrics is not None:
            self.metrics.inc("phonghop_guard_batches_total")
            self.metrics.inc("phonghop_guard_batched_writes_total", len(items))
        try:
            results = await self.store.guard_batch(meeting_id, [guards for guards, _ in items])
        except Exception as exc:
            for _, future in items:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), result in zip(items, results, strict=True):
            if not future.done():
                future.set_result(result)
