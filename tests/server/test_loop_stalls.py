"""A long meeting's `log.json` and its first load (a full fold, no checkpoint) leave the event
loop to everyone else: a probe task in the server's own loop ticks every 5 ms throughout, and
the longest stretch between two ticks stays far under what one synchronous pass would take.

The app runs in the test's event loop (its lifespan entered directly, requests through httpx's
ASGI transport), so the probe shares the loop with the server code and nothing else. The
stretch is measured in the loop thread's CPU time, not wall time: on a shared machine the
process is also descheduled, which no code of ours can prevent, while CPU time counts only
what ran in the loop between two ticks. The bound is generous (scripts/bench_load.py reports
the real figure); what it catches is an export built in one piece or a fold that never
yields: 20,000 events folded in one go take seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import redis

from server.app import create_app, open_redis
from server.config import Settings
from server.store import Store
from tests import big_log

pytestmark = pytest.mark.redis

EVENTS = 10_000
BOUND_S = 0.1


@pytest.fixture
async def http(settings: Settings, admin_headers: dict[str, str],
               redis_db: redis.Redis) -> AsyncIterator[httpx.AsyncClient]:
    client = await open_redis(settings.redis_url)
    try:
        # Written behind the app's back: never loaded, no checkpoint.
        await big_log.write_fast(Store(client), "big", count=EVENTS)
    finally:
        await client.aclose()
    app = create_app(settings)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                  base_url="http://test", headers=admin_headers,
                                  timeout=300) as http):
        yield http


async def longest_hold(work: Callable[[], Awaitable[Any]]) -> tuple[Any, float, float]:
    """Run ``work`` while a probe ticks every 5 ms; its result, and the longest stretch between
    two ticks in loop-thread CPU seconds and in wall seconds."""
    done = False
    longest_cpu = longest_wall = 0.0

    async def probe() -> None:
        nonlocal longest_cpu, longest_wall
        cpu, wall = time.thread_time(), time.perf_counter()
        while not done:
            await asyncio.sleep(0.005)
            now_cpu, now_wall = time.thread_time(), time.perf_counter()
            longest_cpu = max(longest_cpu, now_cpu - cpu)
            longest_wall = max(longest_wall, now_wall - wall)
            cpu, wall = now_cpu, now_wall

    ticking = asyncio.get_running_loop().create_task(probe())
    await asyncio.sleep(0.02)
    try:
        result = await work()
    finally:
        done = True
        await ticking
    return result, longest_cpu, longest_wall


async def test_exporting_a_long_log_never_holds_the_loop(http: httpx.AsyncClient) -> None:
    await http.get("/api/meetings/big")  # loaded first, so only the export is measured

    async def export() -> bytes:
        resp = await http.get("/api/meetings/big/log.json")
        assert resp.status_code == 200
        return resp.content

    body, cpu, wall = await longest_hold(export)
    assert body.count(b'"seq":') == EVENTS
    assert cpu < BOUND_S, (cpu, wall)


async def test_folding_a_long_log_never_holds_the_loop(http: httpx.AsyncClient) -> None:
    async def load() -> dict[str, Any]:
        resp = await http.get("/api/meetings/big")
        assert resp.status_code == 200
        summary: dict[str, Any] = resp.json()
        return summary

    summary, cpu, wall = await longest_hold(load)
    assert summary["seq"] == EVENTS
    assert cpu < BOUND_S, (cpu, wall)
