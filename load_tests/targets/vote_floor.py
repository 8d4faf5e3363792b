"""The vote floor: a bare `websockets` server that, for each ballot frame, claims the voter in
Redis with one atomic script call and acks. The least work a Python server can do to take a
ballot durably: no authentication, no eligibility check, no receipt, no log.

    python -m load_tests.targets.vote_floor --port 9002 --redis redis://127.0.0.1:6379/0 [--secret]

Frames are msgpack maps. A client sends ``{"type": "open"}`` once: every connected client
gets ``{"type": "opened"}`` (as every tablet gets ``poll.opened``). A ballot is
``{"type": "ballot", "id": ..., "voter": ..., "ballot_id": ..., "choice": ...}``; its answer
``{"type": "ack", "id": ..., "ok": 1}`` (``ok`` 0: the voter had already voted).

Ballots are group-committed the way phonghop's are (server/batching.py): one script call in
flight, the ballots that arrive meanwhile go together in the next, at most 500 a call; each
is claimed on its own with ``HSETNX``. Keys (one slot): ``floor:{poll}:ballots`` voter → the
ballot (named); with ``--secret``, ``floor:{poll}:voters`` voter → 1 and
``floor:{poll}:sealed`` voter → the ballot (no sealing: the floor does no cryptography).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import msgpack
import redis.asyncio as aioredis
import websockets
from websockets.asyncio.server import ServerConnection, serve

MAX_BATCH = 500
NAMED_KEYS = ["floor:{poll}:ballots"]
SECRET_KEYS = ["floor:{poll}:voters", "floor:{poll}:sealed"]

# ARGV: voter, ballot, voter, ballot, … ; returns 1 (claimed) or 0 (voted before) for each.
CLAIM = """
local out = {}
for i = 1, #ARGV, 2 do
  if KEYS[2] then
    local new = redis.call('HSETNX', KEYS[1], ARGV[i], '1')
    if new == 1 then redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) end
    out[#out + 1] = new
  else
    out[#out + 1] = redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return out
"""

_Item = tuple[str, bytes, asyncio.Future[int]]


class Batcher:
    """One script call in flight; what arrives meanwhile goes in the next one."""

    def __init__(self, client: aioredis.Redis, keys: list[str]) -> None:
        self.script = client.register_script(CLAIM)
        self.keys = keys
        self.waiting: list[_Item] = []
        self.running = False

    async def claim(self, voter: str, ballot: bytes) -> int:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.waiting.append((voter, ballot, future))
        if not self.running:
            self.running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.waiting:
                items, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                args: list[Any] = []
                for voter, ballot, _ in items:
                    args += [voter, ballot]
                try:
                    results = await self.script(keys=self.keys, args=args)
                except Exception as exc:
                    for *_, future in items:
                        future.set_exception(exc)
                    continue
                for (*_, future), ok in zip(items, results, strict=True):
                    future.set_result(int(ok))
        finally:
            self.running = False


async def main(port: int, redis_url: str, secret: bool) -> None:
    clients: set[ServerConnection] = set()
    client = aioredis.Redis.from_url(redis_url)
    batcher = Batcher(client, SECRET_KEYS if secret else NAMED_KEYS)
    opened = msgpack.packb({"type": "opened"})

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            async for frame in ws:
                msg = msgpack.unpackb(frame)
                if msg.get("type") == "open":
                    websockets.broadcast(clients, opened)
                    continue
                ballot = msgpack.packb({"b": msg["ballot_id"], "c": msg["choice"]})
                ok = await batcher.claim(str(msg["voter"]), ballot)
                await ws.send(msgpack.packb({"type": "ack", "id": msg["id"], "ok": ok}))
        finally:
            clients.discard(ws)

    # backlog as uvicorn's: asyncio's default of 100 drops SYNs in a connect storm.
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=16, backlog=2048):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--secret", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.port, args.redis, args.secret))
