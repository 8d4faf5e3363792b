"""Garbage collection is held back while a burst of commands is in flight, and never for
longer than the limit."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from server.clock import ManualClock
from server.gc_defer import MAX_DEFER, CollectionDeferral


@pytest.fixture(autouse=True)
def collector_enabled() -> Iterator[None]:
    assert gc.isenabled()
    yield
    gc.enable()


async def test_the_collector_waits_while_a_burst_is_in_flight() -> None:
    defer = CollectionDeferral(ManualClock(), burst=4, max_defer=5.0)
    for _ in range(4):
        defer.enter()
    assert gc.isenabled()  # a few commands are not a burst
    defer.enter()
    assert not gc.isenabled() and defer.holding
    for _ in range(4):
        defer.exit()
    assert not gc.isenabled()  # one still in flight
    defer.exit()
    assert gc.isenabled() and not defer.holding and defer.inflight == 0


async def test_a_burst_that_does_not_end_holds_it_back_only_so_long() -> None:
    clock = ManualClock()
    defer = CollectionDeferral(clock, burst=1, max_defer=0.5)
    defer.enter()
    defer.enter()
    assert not gc.isenabled()
    await clock.advance(0.6)
    assert gc.isenabled()  # released at the limit, though both are still in flight
    defer.enter()
    assert gc.isenabled()  # and not held back again for as long
    await clock.advance(0.6)
    defer.enter()
    assert not gc.isenabled()
    for _ in range(4):
        defer.exit()
    assert gc.isenabled()


async def test_the_deferral_gives_up_exactly_at_its_limit_and_rests_as_long() -> None:
    clock = ManualClock()
    defer = CollectionDeferral(clock, burst=0)
    defer.enter()
    assert not gc.isenabled() and defer.holding
    await clock.advance(MAX_DEFER - 0.001)
    assert not gc.isenabled()  # the burst goes on and the limit is not reached
    await clock.advance(0.001)
    assert gc.isenabled() and not defer.holding  # given up at the limit, still in flight
    assert defer.inflight == 1 and clock.pending == 0
    await clock.advance(MAX_DEFER - 0.001)
    defer.enter()
    assert gc.isenabled()  # resting for as long as it held back
    await clock.advance(0.001)
    defer.enter()
    assert not gc.isenabled() and defer.holding  # held back again after the rest
    for _ in range(3):
        defer.exit()
    assert gc.isenabled() and clock.pending == 0  # the burst ended: its timer is cancelled


async def test_release_restores_the_collector() -> None:
    defer = CollectionDeferral(ManualClock(), burst=0, max_defer=5.0)
    defer.enter()
    assert not gc.isenabled()
    defer.release()
    assert gc.isenabled() and not defer.holding
