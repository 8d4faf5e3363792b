"""The test clock: time stands still until advanced, and what falls due wakes in deadline order."""

from __future__ import annotations

import asyncio
import time

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.clock import Clock, ManualClock, SystemClock, settle
from server.config import Settings
from server.runtime import Runtime

# mypy checks that both satisfy the protocol the shell takes.
CLOCKS: tuple[Clock, Clock] = (ManualClock(), SystemClock())


async def test_time_moves_only_when_advanced() -> None:
    clock = ManualClock(start_ms=1_000)
    assert (clock.now_ms(), clock.monotonic()) == (1_000, 0.0)
    await clock.advance(1.5)
    assert (clock.now_ms(), clock.monotonic()) == (2_500, 1.5)
    for _ in range(3):
        await clock.advance(0.1)
    assert clock.monotonic() == 1.8  # kept in nanoseconds: no drift from adding tenths
    with pytest.raises(ValueError):
        await clock.advance(-0.1)


async def test_sleepers_wake_in_deadline_order_at_their_deadline() -> None:
    clock = ManualClock()
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.monotonic()))

    tasks = [asyncio.get_running_loop().create_task(sleeper(name, seconds))
             for name, seconds in (("c", 3.0), ("a", 1.0), ("b", 2.0), ("a2", 1.0))]
    await clock.advance(0.999)
    assert woke == [] and clock.pending == 4
    await clock.advance(1.5)
    assert woke == [("a", 1.0), ("a2", 1.0), ("b", 2.0)]  # a tie wakes in the order slept
    assert clock.pending == 1 and clock.monotonic() == 2.499
    await clock.advance(10)
    assert woke[-1] == ("c", 3.0)
    await asyncio.gather(*tasks)


async def test_a_sleep_begun_by_a_woken_task_is_woken_within_the_same_advance() -> None:
    clock = ManualClock()
    ticks: list[float] = []

    async def ticker() -> None:
        for _ in range(5):
            await clock.sleep(0.25)
            ticks.append(clock.monotonic())

    task = asyncio.get_running_loop().create_task(ticker())
    await clock.advance(1.0)
    assert ticks == [0.25, 0.5, 0.75, 1.0]
    await clock.advance(0.25)
    assert ticks[-1] == 1.25 and task.done()


async def test_cancelled_sleepers_and_timers_do_not_fire() -> None:
    clock = ManualClock()
    called: list[str] = []
    kept = clock.call_later(1.0, lambda: called.append("kept"))
    dropped = clock.call_later(0.5, lambda: called.append("dropped"))
    dropped.cancel()
    sleeping = asyncio.get_running_loop().create_task(clock.sleep(0.5))
    await settle()
    assert clock.pending == 2
    sleeping.cancel()
    await settle()
    assert sleeping.cancelled() and clock.pending == 1
    await clock.advance(2.0)
    assert called == ["kept"] and clock.pending == 0
    kept.cancel()  # cancelling after it fired is harmless


async def test_a_zero_sleep_only_yields() -> None:
    clock = ManualClock()
    await clock.sleep(0)
    assert clock.pending == 0 and clock.monotonic() == 0.0


async def test_the_system_clock_calls_later_on_the_running_loop() -> None:
    clock = SystemClock()
    fired = asyncio.Event()
    clock.call_later(0, fired.set)
    await asyncio.wait_for(fired.wait(), 5)
    assert abs(clock.now_ms() / 1000 - time.time()) < 5


@pytest.mark.redis
def test_the_app_runs_on_the_one_clock_it_is_given(settings: Settings) -> None:
    clock = ManualClock()
    with TestClient(create_app(settings, clock)) as client:
        rt = client.app.state.runtime  # type: ignore[attr-defined]
        assert isinstance(rt, Runtime)
        assert rt.clock is clock
        assert rt.hubs.clock is clock and rt.gc_defer.clock is clock
        assert rt.hubs.bus._clock is clock  # noqa: SLF001 - the bus keeps it to itself
        assert client.get("/healthz").status_code == 200
