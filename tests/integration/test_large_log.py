"""A meeting with a long log loads on a running server while the tablets of another meeting
on the same process keep receiving, in order, with no gap."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
import redis

from server.app import open_redis
from server.store import Store
from tests import big_log
from tests.support import Client, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]

EVENTS = 20_000


async def test_a_long_log_loads_while_another_meetings_tablets_keep_receiving(
    start_server: Any, admin_headers: dict[str, str], redis_url: str, redis_db: redis.Redis
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    chair_p = next(p for p in people.values() if p["role"] == "chair")
    delegate_p = next(p for p in people.values() if p["role"] == "delegate")
    chair = Client(server.ws_url, meeting, token_of(chair_p))
    tablet = Client(server.ws_url, meeting, token_of(delegate_p))
    await chair.connect()
    await tablet.connect()
    await chair.command("meeting.open")

    # Written behind the server's back: it has never loaded this meeting, and no checkpoint.
    client = await open_redis(redis_url)
    try:
        await big_log.write_fast(Store(client), "big", count=EVENTS)
    finally:
        await client.aclose()

    arrivals: list[float] = []  # when each event reached the small meeting's tablet
    tablet_seen = 0

    def note_arrivals() -> bool:
        nonlocal tablet_seen
        arrivals.extend(time.perf_counter() for _ in tablet.events[tablet_seen:])
        tablet_seen = len(tablet.events)
        return False

    loading = True

    async def keep_changing() -> int:
        """The small meeting's chair changes the title, one change after another's ack."""
        n, last = 0, 0
        while loading:
            ack = await chair.command("meeting.update", {"title": f"Phiên {n}"})
            last, n = ack["seq"], n + 1
            note_arrivals()
        return last

    changer = asyncio.get_running_loop().create_task(keep_changing())
    watcher = asyncio.get_running_loop().create_task(tablet.wait_for(note_arrivals, 120))
    async with httpx.AsyncClient(base_url=server.base_url, headers=admin_headers,
                                 timeout=120) as http:
        started = time.perf_counter()
        summary = (await http.get("/api/meetings/big")).json()  # loads the long log
        finished = time.perf_counter()
    loading = False
    last_seq = await changer
    await tablet.wait_seq(last_seq)
    watcher.cancel()
    note_arrivals()

    assert summary["seq"] == EVENTS and summary["participants"]["delegate"] == 1000
    # No gap, no duplicate (tests.support.Client raises GapError on either), every change.
    seqs = [e["seq"] for e in tablet.events]
    assert seqs == list(range(seqs[0], last_seq + 1))
    during = [t for t in arrivals if started <= t <= finished]
    assert len(during) >= 10, (len(during), finished - started)
    # The load took seconds; while it ran, the other meeting never waited long for an event.
    # (Folding it in one go held every tablet of the process for the whole load.)
    waits = [b - a for a, b in zip(during, during[1:], strict=False)]
    assert max(waits) < 1.0, (max(waits), finished - started)
    await tablet.close()
    await chair.close()
