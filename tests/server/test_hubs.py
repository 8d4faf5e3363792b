"""The hubs of one process against a real Redis, on a ManualClock: the periodic check catches up
every loaded meeting in one pipelined round, and a meeting nobody uses is unloaded."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import pytest
import redis

from rooms import aggregate
from rooms.decision import Guard
from rooms.model import Event, Role
from server.app import open_redis
from server.clock import ManualClock
from server.hubs import Hubs
from server.metrics import Metrics
from server.store import Store, k
from tests.server.test_hub import collecting

pytestmark = pytest.mark.redis

T0 = 1_763_600_000_000


def created(meeting_id: str) -> list[Event]:
    return [
        Event("meeting.created", {"id": meeting_id, "title": "Họp", "settings": {}}, "@admin", T0),
        Event("roster.imported", {"participants": [
            {"id": "c1", "full_name": "Chủ tọa", "role": "chair"},
            {"id": "d1", "full_name": "Đại biểu", "role": "delegate"},
        ]}, "@admin", T0),
    ]


def added(n: int) -> Event:
    return Event("participant.added", {"id": f"x{n}", "full_name": f"Khách {n}",
                                       "role": "observer"}, "@admin", T0 + n)


async def append(store: Store, meeting_id: str, events: Sequence[Event]) -> None:
    first = not await store.exists(meeting_id)
    for event in events:
        guards = [Guard("set", "meta", "epoch", "e0")] if first else []
        first = False
        result = await store.append(meeting_id, [(event, aggregate.audience(event.kind))],
                                    guards=guards)
        assert result.status == "ok"


@pytest.fixture
async def store(redis_url: str, redis_db: redis.Redis) -> AsyncIterator[Store]:
    client = await open_redis(redis_url)
    try:
        yield Store(client)
    finally:
        await client.aclose()


@pytest.fixture
async def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def hubs(store: Store, clock: ManualClock) -> AsyncIterator[Hubs]:
    # The bus only: the test runs the periodic check itself, between clock moves.
    hubs = Hubs(store, Metrics(), clock=clock, max_replay=100, coalesce_interval=0.05,
                idle_unload=60)
    await hubs.bus.start()
    try:
        yield hubs
    finally:
        await hubs.bus.stop()


async def subscribers(store: Store, meeting_id: str) -> int:
    return int(dict(await store.redis.pubsub_numsub(k(meeting_id, "bus")))[
        k(meeting_id, "bus").encode()])


async def test_one_check_catches_up_every_meeting_that_fell_behind(
    store: Store, hubs: Hubs
) -> None:
    meetings = [f"m{i}" for i in range(5)]
    for m in meetings:
        await append(store, m, created(m))
        assert await hubs.get(m) is not None
        # Deaf to the bus, as after a lost message: only the check can tell it is behind.
        await hubs.bus.unsubscribe(m)
    for i, m in enumerate(meetings):
        await append(store, m, [added(n) for n in range(i + 1)])
    await hubs.check()
    for i, m in enumerate(meetings):
        hub = await hubs.get(m)
        assert hub is not None and hub.state is not None
        assert hub.seq == 2 + i + 1
        assert f"x{i}" in hub.state.participants


async def test_a_meeting_without_connections_is_unloaded_after_the_idle_time(
    store: Store, hubs: Hubs, clock: ManualClock
) -> None:
    await append(store, "m1", created("m1"))
    assert await hubs.get("m1") is not None
    assert await subscribers(store, "m1") == 1
    await clock.advance(59)
    await hubs.check()
    assert hubs.loaded == ["m1"]
    await clock.advance(1)
    await hubs.check()
    assert hubs.loaded == []
    assert await subscribers(store, "m1") == 0  # its bus channel is left too
    # Asked for again, it loads again and follows the bus again.
    hub = await hubs.get("m1")
    assert hub is not None and hubs.loaded == ["m1"]
    await append(store, "m1", [added(1)])
    await hub.catch_up()  # not waiting for the bus: the check below would do the same
    assert hub.seq == 3 and await subscribers(store, "m1") == 1


async def test_a_meeting_with_a_connection_stays_until_idle_after_the_last_leaves(
    store: Store, hubs: Hubs, clock: ManualClock
) -> None:
    await append(store, "m1", created("m1"))
    hub = await hubs.get("m1")
    assert hub is not None
    sink: list[dict[str, object]] = []
    conn = collecting(Role.CHAIR, sink, hubs.metrics)
    await hub.attach(conn, {"id": "chair"}, None)
    await clock.advance(3600)
    await hubs.check()
    assert hubs.loaded == ["m1"]  # an hour with a tablet connected
    hub.detach(conn)
    await clock.advance(59)
    await hubs.check()
    assert hubs.loaded == ["m1"]  # counted from the last connection leaving
    await clock.advance(1)
    await hubs.check()
    assert hubs.loaded == [] and hub.closed


async def test_being_asked_for_keeps_a_meeting_loaded(
    store: Store, hubs: Hubs, clock: ManualClock
) -> None:
    await append(store, "m1", created("m1"))
    for _ in range(5):
        assert await hubs.get("m1") is not None  # an HTTP request, a command
        await clock.advance(30)
        await hubs.check()
    assert hubs.loaded == ["m1"]


async def test_idle_unload_zero_keeps_every_meeting(store: Store, clock: ManualClock) -> None:
    hubs = Hubs(store, Metrics(), clock=clock, max_replay=100, coalesce_interval=0.05)
    await hubs.bus.start()
    try:
        await append(store, "m1", created("m1"))
        assert await hubs.get("m1") is not None
        await clock.advance(10 * 24 * 3600)
        await hubs.check()
        assert hubs.loaded == ["m1"]
    finally:
        await hubs.bus.stop()


async def test_load_hooks_see_each_loaded_hub_once_with_its_state(
    store: Store, hubs: Hubs, clock: ManualClock
) -> None:
    seen: list[tuple[str, int]] = []
    hubs.load_hooks.append(lambda hub: seen.append((hub.meeting_id, hub.seq)))
    await append(store, "m1", [*created("m1"), added(1)])
    assert await hubs.get("m1") is not None
    assert await hubs.get("m1") is not None  # already loaded: not again
    assert seen == [("m1", 3)]
    await clock.advance(60)
    await hubs.check()  # unloaded
    assert await hubs.get("m1") is not None  # loaded again: the hooks run again
    assert seen == [("m1", 3), ("m1", 3)]
    assert await hubs.get("nope") is None
    assert seen == [("m1", 3), ("m1", 3)]
