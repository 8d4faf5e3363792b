"""Checkpoints against a real Redis: a hub loads from one and folds only the tail; a corrupt,
stale or foreign checkpoint is noticed, the log folded from the start and the checkpoint
written again; the live path writes one every N events or T seconds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import redis

from rooms import aggregate
from rooms.checkpoint import decode_state
from rooms.decision import Guard
from rooms.minutes_builder import Logged
from rooms.state import MeetingState
from server import checkpoints
from server.app import open_redis
from server.checkpoints import Policy
from server.clock import ManualClock
from server.hub import MeetingHub
from server.metrics import Metrics
from server.store import Store
from tests.rooms.minutes_fixtures import full_meeting

pytestmark = pytest.mark.redis

EPOCH = "e0"


@pytest.fixture
async def store(redis_url: str, redis_db: redis.Redis) -> AsyncIterator[Store]:
    client = await open_redis(redis_url)
    try:
        yield Store(client)
    finally:
        await client.aclose()


@pytest.fixture
def logged() -> list[Logged]:
    return full_meeting().entries  # 32 events of every feature; the meeting's id is m1


async def append(store: Store, entries: Sequence[Logged]) -> None:
    for entry in entries:
        event = entry.event
        first = [Guard("set", "meta", "epoch", EPOCH)] if entry.seq == 1 else []
        result = await store.append("m1", [(event, aggregate.audience(event.kind))], guards=first)
        assert (result.status, result.last, result.hash) == ("ok", entry.seq, entry.hash)


def hub(store: Store, every: int = 10, clock: ManualClock | None = None) -> MeetingHub:
    return MeetingHub("m1", store, Metrics(), clock=clock or ManualClock(), max_replay=100,
                      coalesce_interval=0.05, checkpoint=Policy(every=every, interval=60))


def folded(hub: MeetingHub) -> float:
    return hub.metrics.counters["phonghop_events_total"]


async def loaded(store: Store, **kwargs: Any) -> MeetingHub:
    h = hub(store, **kwargs)
    assert await h.load()
    if h._writer is not None:
        await h._writer
    return h


async def stored(store: Store) -> tuple[int, MeetingState]:
    raw: dict[bytes, bytes] = await store.redis.hgetall(  # type: ignore[assignment]
        checkpoints.key("m1"))
    return int(raw[b"seq"]), decode_state(raw[b"state"])


def full(entries: Sequence[Logged]) -> MeetingState:
    return aggregate.fold(e.event for e in entries)


async def test_a_hub_folds_only_the_tail_after_its_checkpoint(
    store: Store, logged: list[Logged]
) -> None:
    await append(store, logged[:25])
    first = await loaded(store)
    assert folded(first) == 25
    assert await stored(store) == (25, full(logged[:25]))  # written once loaded
    await append(store, logged[25:])
    second = await loaded(store)
    assert folded(second) == len(logged) - 25
    assert second.state == full(logged)
    assert (second.seq, second.hash) == (logged[-1].seq, logged[-1].hash)


async def test_without_checkpoints_every_load_folds_everything(
    store: Store, logged: list[Logged]
) -> None:
    await append(store, logged)
    assert folded(await loaded(store, every=0)) == len(logged)
    assert not await store.redis.exists(checkpoints.key("m1"))


@pytest.mark.parametrize(
    "spoil",
    [
        {"state": b"\x93\x01\xa3not a state"},  # undecodable
        {"state": b""},
        {"hash": "0" * 64},  # not the chain at that seq: another log, or an edited one
        {"epoch": "e-before"},  # the meeting's log was started again
        {"seq": "999"},  # beyond the log
        {"seq": "20"},  # the state of 25 claimed at 20: the hash of seq 20 differs
    ],
    ids=["garbage", "empty", "hash", "epoch", "seq-beyond", "seq-moved"],
)
async def test_a_checkpoint_that_does_not_fit_is_rebuilt(
    store: Store, logged: list[Logged], spoil: dict[str, str | bytes]
) -> None:
    await append(store, logged[:25])
    await loaded(store)
    await store.redis.hset(checkpoints.key("m1"), mapping=spoil)  # type: ignore[arg-type]
    await append(store, logged[25:])
    again = await loaded(store)
    assert folded(again) == len(logged)  # from the start
    assert again.state == full(logged)
    assert await stored(store) == (len(logged), full(logged))  # and written again


async def test_a_checkpoint_of_another_schema_is_rebuilt(
    store: Store, logged: list[Logged], monkeypatch: pytest.MonkeyPatch
) -> None:
    await append(store, logged)
    await loaded(store)
    monkeypatch.setattr("rooms.checkpoint.SCHEMA_VERSION", 2)
    again = await loaded(store)
    assert folded(again) == len(logged)
    assert again.state == full(logged)


async def test_the_live_path_writes_a_checkpoint_every_n_events_or_t_seconds(
    store: Store, logged: list[Logged]
) -> None:
    await append(store, logged[:5])
    clock = ManualClock()
    h = await loaded(store, every=10, clock=clock)
    assert not await store.redis.exists(checkpoints.key("m1"))  # 5 < 10: none yet
    await append(store, logged[5:17])
    for entry in await store.read_log("m1", after=5, until=16):
        await h.on_published(entry)
    assert h._writer is not None
    await h._writer
    assert (await stored(store))[0] == 10  # the 10th event made one due
    entry = (await store.read_log("m1", after=16, until=17))[0]
    await h.on_published(entry)
    assert h._writer.done() and (await stored(store))[0] == 10  # 7 more are not due
    await clock.advance(59)
    h.maybe_checkpoint()
    assert h._writer.done() and (await stored(store))[0] == 10
    await clock.advance(1)
    h.maybe_checkpoint()
    await h._writer
    assert await stored(store) == (17, full(logged[:17]))  # after T seconds they are


async def test_a_checkpoint_another_process_wrote_later_is_kept(
    store: Store, logged: list[Logged]
) -> None:
    await append(store, logged)
    await loaded(store)
    state = full(logged[:20])
    written = await checkpoints.write(store, "m1", EPOCH, state, logged[19].hash)
    assert not written
    assert (await stored(store))[0] == len(logged)
