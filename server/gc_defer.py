"""Garbage collection held back while a burst of commands is in flight.

During a vote, 5,000 ballots arrive within a second, and each one in flight holds a few dozen
objects the collector tracks (its task, coroutines, futures, guards). Together they push the
youngest generation over its threshold, and the collection that follows walks them all:
60–100 ms in the middle of the burst during which no tablet gets an answer, measured with
`python -m load_tests vote-burst` (`extra.burst_gc`). It finds nothing to free: reference
counting frees those objects as the ballots are answered. So while more than `BURST`
commands are in flight, automatic collection waits, and resumes when the burst is over, or
after `MAX_DEFER` seconds at the latest (then not held back again for as long).
"""

from __future__ import annotations

import gc

from server.clock import Clock, Timer

BURST = 32
MAX_DEFER = 2.0


class CollectionDeferral:
    def __init__(self, clock: Clock, burst: int = BURST, max_defer: float = MAX_DEFER) -> None:
        self.clock = clock
        self.burst = burst
        self.max_defer = max_defer
        self.inflight = 0
        self.holding = False
        self._timer: Timer | None = None
        self._not_before = 0.0

    def enter(self) -> None:
        self.inflight += 1
        if self.inflight > self.burst and not self.holding and gc.isenabled():
            if self.clock.monotonic() < self._not_before:
                return
            gc.disable()
            self.holding = True
            self._timer = self.clock.call_later(self.max_defer, self._expire)

    def exit(self) -> None:
        self.inflight -= 1
        if self.inflight == 0 and self.holding:
            self.release()

    def _expire(self) -> None:
        self._timer = None
        self.release()
        self._not_before = self.clock.monotonic() + self.max_defer

    def release(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.holding:
            self.holding = False
            gc.enable()
