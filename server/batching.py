"""Coalescing a burst of guarded writes into one Redis call per event-loop turn.

When 5,000 tablets vote within a second, one script call per ballot costs more than the
ballot: the client library's work and the round trip dominate. Writes submitted during one
turn of the event loop go out together at the start of the next, as one call per meeting
(``Store.guard_batch``); each write still succeeds or fails on its own guards, atomically.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from server.store import AppendResult, Guard, Store

MAX_BATCH = 500


class GuardBatcher:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: dict[str, list[tuple[Sequence[Guard], asyncio.Future[AppendResult]]]] = {}
        self._scheduled = False

    async def submit(self, meeting_id: str, guards: Sequence[Guard]) -> AppendResult:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[AppendResult] = loop.create_future()
        self._waiting.setdefault(meeting_id, []).append((guards, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        waiting, self._waiting = self._waiting, {}
        loop = asyncio.get_running_loop()
        for meeting_id, items in waiting.items():
            for start in range(0, len(items), MAX_BATCH):
                loop.create_task(self._run(meeting_id, items[start : start + MAX_BATCH]))

    async def _run(
        self, meeting_id: str, items: list[tuple[Sequence[Guard], asyncio.Future[AppendResult]]]
    ) -> None:
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
