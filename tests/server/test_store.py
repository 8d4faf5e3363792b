"""The Redis store against a real server: gap-free seq, hash chain (Lua SHA-256 equals
hashlib), per-audience prev, retry dedupe, optimistic conflicts, guards, one slot per meeting."""

from __future__ import annotations

import asyncio
import hashlib
import os
from importlib import resources
from typing import Any

import pytest
import redis

from protocol.canonical import GENESIS, canonical_bytes, digest, link
from rooms.decision import Guard, Read
from rooms.model import ALL_ROLES, STAFF, Event, Role
from server.app import open_redis
from server.store import Store, k

pytestmark = pytest.mark.redis


@pytest.fixture
async def store(redis_url: str, redis_db: redis.Redis) -> Any:
    client = await open_redis(redis_url)
    try:
        yield Store(client)
    finally:
        await client.aclose()


def ev(kind: str, n: int = 0) -> Event:
    return Event(kind, {"n": n, "name": "Nguyễn Thị Thảo"}, "DB0001", 1_700_000_000_000 + n)


async def test_lua_sha256_matches_hashlib(store: Store, redis_url: str) -> None:
    source = resources.files("server").joinpath("lua/append.lua").read_text("utf-8")
    client = redis.Redis.from_url(redis_url)
    if client.info("cluster").get("cluster_enabled"):
        client.close()
        client = redis.RedisCluster.from_url(redis_url)  # type: ignore[assignment]
    try:
        for message in (
            b"",
            b"abc",
            b"a" * 55,
            b"a" * 56,
            b"a" * 64,
            os.urandom(777),
            "Độc lập - Tự do - Hạnh phúc".encode(),
        ):
            got = client.eval(source, 0, "sha256", message)
            assert got.decode() == hashlib.sha256(message).hexdigest()
    finally:
        client.close()


async def test_append_assigns_gap_free_seq_and_a_verifiable_chain(store: Store) -> None:
    for batch in ([ev("a", 1)], [ev("b", 2), ev("c", 3)], [ev("d", 4)]):
        result = await store.append("m1", [(e, ALL_ROLES) for e in batch])
        assert result.status == "ok"
    entries = await store.read_log("m1")
    assert [e.seq for e in entries] == [1, 2, 3, 4]
    prev = GENESIS
    for entry in entries:
        data = canonical_bytes(entry.event.to_dict())
        prev = link(prev, entry.seq, digest(data))
        assert entry.hash == prev
    assert (await store.meta("m1"))["hash"] == prev
    assert entries[0].event == ev("a", 1)
    assert [e.seq for e in await store.read_log("m1", after=2)] == [3, 4]
    assert [e.seq for e in await store.read_log("m1", after=1, until=2)] == [2]


async def test_prev_is_per_audience(store: Store) -> None:
    await store.append("m1", [(ev("public", 1), ALL_ROLES)])
    await store.append("m1", [(ev("staff", 2), STAFF)])
    await store.append("m1", [(ev("public", 3), ALL_ROLES)])
    entries = await store.read_log("m1")
    assert entries[1].audience == {"chair", "secretary"}
    assert entries[2].prev["delegate"] == 1  # the delegate never saw seq 2
    assert entries[2].prev["chair"] == 2


async def test_dedupe_applies_once_and_returns_the_stored_ack(store: Store) -> None:
    key = k("m1", "cmd:DB0001:c1")
    first = await store.append("m1", [(ev("a"), ALL_ROLES)], dedupe=(key, b"\x80"))
    again = await store.append("m1", [(ev("a"), ALL_ROLES)], dedupe=(key, b"\x80"))
    assert (first.status, again.status) == ("ok", "dup")
    assert again.last == first.last == 1 and again.ack == b"\x80"
    assert len(await store.read_log("m1")) == 1


async def test_expected_seq_conflict_changes_nothing(store: Store) -> None:
    await store.append("m1", [(ev("a"), ALL_ROLES)])
    result = await store.append("m1", [(ev("b"), ALL_ROLES)], expected_seq=0)
    assert (result.status, result.last) == ("conflict", 1)
    assert len(await store.read_log("m1")) == 1
    assert (await store.append("m1", [(ev("b"), ALL_ROLES)], expected_seq=1)).status == "ok"


async def test_guards_are_checked_before_any_write(store: Store) -> None:
    att = k("m1", "att")
    ok = await store.append("m1", [(ev("in"), STAFF)], guards=[Guard("setnx", "att", "P1", "x")])
    assert ok.status == "ok"
    again = await store.append(
        "m1",
        [(ev("in"), STAFF)],
        guards=[Guard("set", "att", "P2", "y"), Guard("setnx", "att", "P1", "z")],
    )
    assert (again.status, again.guard_index, again.guard_value) == ("guard", 1, b"x")
    assert await store.redis.hget(att, "P2") is None  # the earlier write did not happen
    assert len(await store.read_log("m1")) == 1
    eq_fail = await store.append("m1", [], guards=[Guard("eq", "att", "P1", "nope")])
    assert eq_fail.status == "guard"


async def test_concurrent_appends_never_share_a_seq(store: Store) -> None:
    await asyncio.gather(*(store.append("m1", [(ev("x", i), ALL_ROLES)]) for i in range(200)))
    entries = await store.read_log("m1")
    assert [e.seq for e in entries] == list(range(1, 201))
    assert sorted(e.event.body["n"] for e in entries) == list(range(200))


async def test_all_keys_of_a_meeting_share_one_cluster_slot(store: Store) -> None:
    key = k("m1", "cmd:DB0001:c1")
    await store.append(
        "m1",
        [(ev("a"), ALL_ROLES)],
        dedupe=(key, b"x"),
        guards=[Guard("setnx", "att", "P1", "x")],
    )
    keys = [x.decode() async for x in store.redis.scan_iter("ph:{m1}:*")]
    assert len(keys) >= 4
    assert {x[x.index("{") : x.index("}") + 1] for x in keys} == {"{m1}"}


async def test_large_event_is_cheap_for_the_chain(store: Store) -> None:
    big = Event(
        "roster.imported",
        {"participants": [{"id": f"P{i}", "full_name": f"Nguyễn Văn {i}"} for i in range(5000)]},
        "@admin",
        1,
    )
    result = await store.append("m1", [(big, {Role.CHAIR})])
    assert result.status == "ok"
    [entry] = await store.read_log("m1")
    assert len(entry.event.body["participants"]) == 5000


async def test_guard_batch_applies_each_item_on_its_own_guards(store: Store) -> None:
    votes = k("m1", "votes")
    items = [
        [Guard("setnx", "votes", "P1", "yes")],
        [Guard("setnx", "votes", "P2", "no")],
        [Guard("setnx", "votes", "P1", "no")],  # P1 again: refused, nothing written
        [Guard("eq", "votes", "P9", "x"), Guard("set", "votes", "P3", "yes")],  # guard fails first
    ]
    results = await store.guard_batch("m1", items)
    assert [r.status for r in results] == ["ok", "ok", "guard", "guard"]
    assert (results[2].guard_index, results[2].guard_value) == (0, b"yes")
    assert await store.redis.hgetall(votes) == {b"P1": b"yes", b"P2": b"no"}
    assert await store.read_log("m1") == []


async def test_a_batch_carries_each_kind_of_value_as_the_script_arguments_would(
    store: Store,
) -> None:
    # One msgpack argument for the whole batch: numbers must still compare as the text Redis
    # stores, and bytes (a sealed ballot) and Vietnamese text arrive unchanged.
    await store.redis.hset(k("m1", "h"), mapping={"n": "7", "t": "Bầu cử"})
    raw = bytes(range(256))
    items = [
        [Guard("eq", "h", "n", 7), Guard("incr", "h", "n", 5)],
        [Guard("eq", "h", "t", "Bầu cử"), Guard("setnx", "h", "raw", raw)],
        [Guard("eq", "h", "missing", ""), Guard("set", "h", "empty", "")],
        [Guard("eq", "h", "n", 7)],  # 12 now: the first item counted
    ]
    results = await store.guard_batch("m1", items)
    assert [r.status for r in results] == ["ok", "ok", "ok", "guard"]
    assert (results[3].guard_index, results[3].guard_value) == (0, b"12")
    stored = await store.redis.hgetall(k("m1", "h"))
    assert stored[b"n"] == b"12" and stored[b"raw"] == raw and stored[b"empty"] == b""


async def test_batcher_coalesces_one_loop_turn_into_one_call(store: Store) -> None:
    from server.batching import GuardBatcher

    calls: list[int] = []
    real = store.guard_batch

    async def counting(meeting_id: str, items: Any) -> Any:
        calls.append(len(items))
        return await real(meeting_id, items)

    store.guard_batch = counting  # type: ignore[method-assign]
    batcher = GuardBatcher(store)
    votes = k("m1", "votes")
    results = await asyncio.gather(
        *(batcher.submit("m1", [Guard("setnx", "votes", f"P{i % 150}", "yes")]) for i in range(300))
    )
    assert sum(r.status == "ok" for r in results) == 150
    assert calls == [300]
    assert await store.redis.hlen(votes) == 150


async def test_batcher_keeps_one_call_in_flight_and_sends_what_waited_together(
    store: Store,
) -> None:
    from server.batching import GuardBatcher
    from server.clock import settle
    from server.metrics import Metrics

    calls: list[int] = []
    gate = asyncio.Event()
    real = store.guard_batch

    async def slow(meeting_id: str, items: Any) -> Any:
        calls.append(len(items))
        await gate.wait()
        return await real(meeting_id, items)

    store.guard_batch = slow  # type: ignore[method-assign]
    metrics = Metrics()
    batcher = GuardBatcher(store, metrics)
    votes = k("m1", "votes")

    def vote(i: int) -> asyncio.Future[Any]:
        guard = Guard("setnx", "votes", f"P{i}", "yes")
        return asyncio.ensure_future(batcher.submit("m1", [guard]))

    first = [vote(i) for i in range(3)]
    await settle()
    assert calls == [3]
    waiting = [vote(i) for i in range(3, 8)]
    await settle()
    assert calls == [3]  # the first call is still in flight: these wait
    gate.set()
    results = await asyncio.gather(*first, *waiting)
    assert calls == [3, 5]
    assert all(r.status == "ok" for r in results)
    assert await store.redis.hlen(votes) == 8
    assert metrics.counters["phonghop_guard_batches_total"] == 2
    assert metrics.counters["phonghop_guard_batched_writes_total"] == 8
    lone = await batcher.submit("m1", [Guard("setnx", "votes", "P0", "no")])
    assert lone.status == "guard" and calls == [3, 5, 1]  # a lone write goes out at once


async def test_guard_keys_are_named_relative_to_their_meeting(store: Store) -> None:
    await store.append("m1", [], guards=[Guard("set", "att", "P1", "x")])
    assert await store.redis.hget(k("m1", "att"), "P1") == b"x"
    assert await store.redis.exists("att") == 0


async def test_a_rate_guard_counts_within_its_window_and_refuses_past_the_limit(
    store: Store,
) -> None:
    rate = Guard("rate", "rate:feedback:D1", "60000", 2)
    first = await store.append("m1", [], guards=[rate])
    second = await store.append("m1", [], guards=[rate])
    third = await store.append("m1", [], guards=[rate])
    assert [first.status, second.status, third.status] == ["ok", "ok", "guard"]
    assert (third.guard_index, third.guard_value) == (0, b"2")
    key = k("m1", "rate:feedback:D1")
    assert await store.redis.get(key) == b"2"  # the refused one counted nothing
    assert 0 < await store.redis.pttl(key) <= 60000


async def test_reads_come_back_in_order_in_one_round_trip(store: Store) -> None:
    await store.append("m1", [], guards=[Guard("set", "h", "a", "1"), Guard("set", "h", "b", "2"),
                                         Guard("sadd", "s", value="x")])
    values = await store.read("m1", [Read("hget", "h", ("a",)), Read("hgetall", "h"),
                                     Read("hkeys", "h"), Read("sismember", "s", ("x",)),
                                     Read("hlen", "h"), Read("smembers", "s")])
    assert values[0] == b"1" and values[1] == {"a": b"1", "b": b"2"}
    assert sorted(values[2]) == ["a", "b"] and values[3] and values[4] == 2
    assert values[5] == ["x"]
