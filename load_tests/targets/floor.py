"""The floor: a bare `websockets` server that calls ``websockets.broadcast`` with every message
its Redis subscriber hears. No authentication, no log, no per-client queue: the least work a
Python server can do to fan a Redis message out to WebSocket clients.

    python -m load_tests.targets.floor --port 9001 --redis redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio

import redis.asyncio as aioredis
import websockets
from websockets.asyncio.server import ServerConnection, serve

CHANNEL = "floor"


async def main(port: int, redis_url: str) -> None:
    clients: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(CHANNEL)
    # backlog as uvicorn's (phonghop's and the peer's): asyncio's default of 100 drops SYNs in
    # a connect storm, and the 1 s retransmit would be measured as the floor's latency.
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=16, backlog=2048):
        async for message in pubsub.listen():
            if message["type"] == "message":
                websockets.broadcast(clients, message["data"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    args = parser.parse_args()
    asyncio.run(main(args.port, args.redis))
