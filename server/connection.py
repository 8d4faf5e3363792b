"""One client connection's outbound side: a bounded queue of ready-encoded frames and the
writer task that drains it. A client that cannot keep up is closed with SLOW_CONSUMER rather
than allowed to grow the server's memory; it reconnects and resumes from its position."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from protocol.codec import Codec
from protocol.errors import CloseCode
from rooms.model import Role
from server.metrics import Metrics

Frame = bytes | str


class Connection:
    def __init__(
        self,
        send_frame: Callable[[Frame], Awaitable[None]],
        close: Callable[[int, str], Awaitable[None]],
        *,
        codec: Codec,
        role: Role,
        participant_id: str,
        max_queue: int,
        metrics: Metrics,
    ) -> None:
        self.codec = codec
        self.role = role
        self.participant_id = participant_id
        self._send_frame = send_frame
        self._close = close
        # None ends the writer; a (code, reason) pair closes after what is queued before it.
        self._queue: asyncio.Queue[Frame | tuple[int, str] | None] = asyncio.Queue(max_queue + 1)
        self._max_queue = max_queue
        self._metrics = metrics
        self.closed = False
        self.close_code: int | None = None
        # Set once the connection is finished from the server's side (aborted or closed), so
        # the reader stops waiting on a socket the client no longer services.
        self.finished = asyncio.Event()
        self.on_abort: Callable[[Connection], None] | None = None
        self._writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    def send(self, frame: Frame) -> None:
        """Queue a frame without waiting; overflow closes the connection as a slow consumer."""
        if self.closed:
            return
        if self._queue.qsize() < self._max_queue:
            self._queue.put_nowait(frame)
        else:
            self._metrics.inc("phonghop_queue_drops_total")
            self.abort(CloseCode.SLOW_CONSUMER, "slow consumer: resume from your last position")

    def abort(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        if self.on_abort is not None:
            self.on_abort(self)
        # Drop what is queued: the client will resume from its position and get it again.
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)
        asyncio.get_running_loop().create_task(self._close_quietly(code, reason))

    def close_after_flush(self, code: int, reason: str) -> None:
        """Send what is queued, then close: used after a protocol error reply."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self._queue.put_nowait((code, reason))

    async def wait_closed(self, limit: float = 5.0) -> None:
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._writer), limit)

    async def _close_quietly(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._close(code, reason), 5)
        self.finished.set()

    async def _write_loop(self) -> None:
        try:
            while True:
                frame = await self._queue.get()
                if frame is None:
                    return
                if isinstance(frame, tuple):
                    await self._close_quietly(*frame)
                    return
                await self._send_frame(frame)
        except Exception:
            # The socket is gone; the reader side notices and detaches the connection.
            self.closed = True
            self.finished.set()

    async def stop(self) -> None:
        self.closed = True
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
