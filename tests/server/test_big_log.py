"""The quick writer of a long log (tests/big_log.py) stores what the Lua append script does."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis

from server.app import open_redis
from server.store import Store
from tests import big_log

pytestmark = pytest.mark.redis


@pytest.fixture
async def store(redis_url: str, redis_db: redis.Redis) -> AsyncIterator[Store]:
    client = await open_redis(redis_url)
    try:
        yield Store(client)
    finally:
        await client.aclose()


async def test_write_fast_stores_the_entries_and_meta_the_script_does(
    store: Store, redis_db: redis.Redis
) -> None:
    await big_log.write(store, "m1", delegates=7, count=40)
    by_script = (await store.read_log("m1"), await store.meta("m1"))
    await store.redis.delete("ph:{m1}:log", "ph:{m1}:meta")
    await big_log.write_fast(store, "m1", delegates=7, count=40)
    by_python = (await store.read_log("m1"), await store.meta("m1"))
    assert len(by_python[0]) == 40
    assert by_python == by_script
