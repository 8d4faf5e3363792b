"""Publishes the compared scenario's messages through Redis, from its own process: to the
floor's channel as msgpack, or through python-socketio's AsyncRedisManager as an emit.

Each message is ``{"run", "i", "t", "pad"}``: ``i`` counts from 0 so clients find gaps and
duplicates, ``t`` is the send time (unix seconds) for the latency.

    python -m load_tests.targets.publisher floor --redis URL --rate 10 --count 200 --run ab12
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import msgpack

from load_tests.targets.floor import CHANNEL as FLOOR_CHANNEL
from load_tests.targets.socketio_peer import CHANNEL as PEER_CHANNEL


async def main(kind: str, redis_url: str, rate: float, count: int, run: str, pad: int) -> None:
    emit: Any
    if kind == "floor":
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(redis_url)

        async def emit(data: dict[str, Any]) -> None:
            await client.publish(FLOOR_CHANNEL, msgpack.packb(data))
    else:
        import socketio  # type: ignore[import-untyped]

        manager = socketio.AsyncRedisManager(redis_url, channel=PEER_CHANNEL, write_only=True)

        async def emit(data: dict[str, Any]) -> None:
            await manager.emit("hall", data, namespace="/")

    start = time.perf_counter()
    filler = "x" * pad
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await emit({"run": run, "i": i, "t": time.time(), "pad": filler})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("floor", "socketio"))
    parser.add_argument("--redis", required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--pad", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(main(args.kind, args.redis, args.rate, args.count, args.run, args.pad))
