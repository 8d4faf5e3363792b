"""Where the shell gets the time: one object, passed in, so that tests drive time instead of
sleeping. ``SystemClock`` is the real one; tests use ``ManualClock``, whose time moves only
when the test calls ``advance``."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from typing import Protocol


class Timer(Protocol):
    """A pending ``call_later``; ``asyncio.TimerHandle`` is one."""

    def cancel(self) -> None: ...


class Clock(Protocol):
    def now_ms(self) -> int:
        """Wall-clock time in milliseconds since the epoch (event times, token expiry)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (intervals, deadlines)."""
        ...

    async def sleep(self, seconds: float) -> None: ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Call `callback` in the running loop after `delay` seconds, unless cancelled."""
        ...


class SystemClock:
    def now_ms(self) -> int:
        return int(time.time() * 1000)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return asyncio.get_running_loop().call_later(delay, callback)


# How many loop iterations `settle` runs at most: a task that yields forever must not hang
# the test, and no chain of tasks in this shell is anywhere near this deep.
_MAX_SETTLE_ROUNDS = 1000


async def settle() -> None:
    """For tests: let every task that can run without waiting for I/O or time run, until the
    event loop has nothing ready. Replaces "sleep a little and hope the tasks got there"."""
    loop = asyncio.get_running_loop()
    # CPython's loops keep their ready callbacks in `_ready`; with another loop (none in the
    # tests today) fall back to running the maximum number of iterations.
    ready = getattr(loop, "_ready", None)
    for _ in range(_MAX_SETTLE_ROUNDS):
        await asyncio.sleep(0)
        if ready is not None and not ready:
            return


class _ManualTimer:
    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualClock:
    """A clock for tests. Time stands still until `advance`, which wakes the sleepers and
    calls the timers whose deadline it passes, one at a time in deadline order (ties in the
    order they were scheduled), letting the loop settle after each, so what a woken task
    schedules within the same advance runs too. Time is kept in integer nanoseconds so
    that advancing by 0.1 three times lands exactly on a deadline 0.3 away."""

    def __init__(self, start_ms: int = 1_700_000_000_000) -> None:
        self._start_ms = start_ms
        self._ns = 0
        self._timers: list[tuple[int, int, _ManualTimer]] = []
        self._order = itertools.count()

    def now_ms(self) -> int:
        return self._start_ms + self._ns // 1_000_000

    def monotonic(self) -> float:
        return self._ns / 1e9

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = _ManualTimer(callback)
        deadline = self._ns + max(0, round(delay * 1e9))
        heapq.heappush(self._timers, (deadline, next(self._order), timer))
        return timer

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not woken.done():
                woken.set_result(None)

        timer = self.call_later(seconds, wake)
        try:
            await woken
        finally:
            timer.cancel()  # a cancelled sleeper leaves no timer behind

    @property
    def pending(self) -> int:
        """How many sleepers and timers are waiting."""
        return sum(not timer.cancelled for _, _, timer in self._timers)

    async def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, waking what falls due on the way."""
        if seconds < 0:
            raise ValueError("time does not go back")
        target = self._ns + round(seconds * 1e9)
        # Tasks started before this call may not have reached their sleep yet.
        await settle()
        while self._timers and self._timers[0][0] <= target:
            deadline, _, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self._ns = max(self._ns, deadline)
            timer.callback()
            await settle()
        self._ns = target
