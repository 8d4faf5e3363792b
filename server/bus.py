"""Events between server processes: each appended event is published once on its meeting's
Redis channel, and every process subscribed to that meeting applies it.

Pub/sub can drop messages when the subscriber's connection breaks, so it is only the fast
path: hubs repair gaps from the stream, and a periodic check compares each hub's seq with
the meeting's meta in Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import msgpack
import redis.asyncio as aioredis

from server.clock import Clock
from server.store import LogEntry, k

log = logging.getLogger("phonghop.bus")

Handler = Callable[[str, LogEntry], Awaitable[None]]


class Bus:
    def __init__(
        self,
        client: aioredis.Redis,
        handler: Handler,
        on_reconnect: Callable[[], Awaitable[None]],
        *,
        clock: Clock,
    ) -> None:
        self._client = client
        self._clock = clock
        self._handler = handler
        self._on_reconnect = on_reconnect
        self._channels: set[str] = set()
        self._pubsub: aioredis.client.PubSub | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()

    async def subscribe(self, meeting_id: str) -> None:
        channel = k(meeting_id, "bus")
        if channel in self._channels:
            return
        self._channels.add(channel)
        await self._ready.wait()
        if self._pubsub is not None:
            await self._pubsub.subscribe(channel)

    async def unsubscribe(self, meeting_id: str) -> None:
        """Stop receiving a meeting's events (it was unloaded)."""
        channel = k(meeting_id, "bus")
        if channel not in self._channels:
            return
        self._channels.discard(channel)
        # While disconnected there is nothing to tell: the reconnect subscribes to
        # `_channels` only.
        if self._pubsub is not None and self._ready.is_set():
            await self._pubsub.unsubscribe(channel)

    async def _run(self) -> None:
        first = True
        while True:
            try:
                self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                await self._pubsub.subscribe("ph:__ping__")
                if self._channels:
                    await self._pubsub.subscribe(*self._channels)
                self._ready.set()
                if not first:
                    await self._on_reconnect()
                first = False
                while True:
                    message = await self._pubsub.get_message(timeout=1.0)
                    if message is None or message["type"] != "message":
                        continue
                    await self._dispatch(message["channel"], message["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("bus connection lost (%s); reconnecting", exc)
                self._ready.clear()
                with contextlib.suppress(Exception):
                    if self._pubsub is not None:
                        await self._pubsub.aclose()
                await self._clock.sleep(0.5)

    async def _dispatch(self, channel: bytes, data: bytes) -> None:
        name = channel.decode()
        meeting_id = name[name.index("{") + 1 : name.index("}")]
        try:
            # Lua strings carry no str/bin distinction, so the fields arrive as raw bytes.
            seq, e, h, v, p = msgpack.unpackb(data, raw=True)
            entry = LogEntry.decode(int(seq), e, h, v, p)
            await self._handler(meeting_id, entry)
        except Exception:
            log.exception("applying a published event of %s failed", meeting_id)
