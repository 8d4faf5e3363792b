"""One client connection's outbound side: ready-encoded frames, written straight to the
socket when it accepts data (server/ws_transport.py) and otherwise held in a bounded queue.
A client that cannot keep up is closed with SLOW_CONSUMER rather than allowed to grow the
server's memory; it reconnects and resumes from its position."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from protocol.codec import Codec
from protocol.errors import CloseCode
from rooms.model import Role
from server.metrics import Metrics
from server.ws_transport import DirectSink

if TYPE_CHECKING:
    from server.session import Revoked, RoleChanged

Frame = bytes | str
# Shared, always empty: swapped for a connection's own deque on its first queued frame.
_NO_FRAMES: deque[Frame] = deque(maxlen=0)


class _Finished:
    """A one-shot flag with an asyncio.Event made only when someone waits for it."""

    __slots__ = ("_set", "_event")

    def __init__(self) -> None:
        self._set = False
        self._event: asyncio.Event | None = None

    def set(self) -> None:
        self._set = True
        if self._event is not None:
            self._event.set()

    def is_set(self) -> bool:
        return self._set

    async def wait(self) -> None:
        if self._set:
            return
        if self._event is None:
            self._event = asyncio.Event()
        await self._event.wait()


class Connection:
    __slots__ = (
        "codec",
        "role",
        "participant_id",
        "closed",
        "close_code",
        "finished",
        "on_abort",
        "reader",
        "_send_frame",
        "_close",
        "_pending",
        "_max_queue",
        "_metrics",
        "direct",
        "_wake",
        "_writer",
        "_close_after",
        "generation",
        "session_id",
        "on_identity",
    )

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
        direct: DirectSink | None = None,
    ) -> None:
        self.codec = codec
        self.role = role
        self.participant_id = participant_id
        self.closed = False
        self.close_code: int | None = None
        # Set once the connection is finished from the server's side, so the reader stops
        # waiting on a socket the client no longer services.
        self.finished = _Finished()
        self.on_abort: Callable[[Connection], None] | None = None
        # The task reading this connection; cancelled when the server cuts the client off.
        self.reader: asyncio.Task[object] | None = None
        self._send_frame = send_frame
        self._close = close
        # Most connections never queue anything: an empty deque costs 600 bytes each.
        self._pending: deque[Frame] = _NO_FRAMES
        self._max_queue = max_queue
        self._metrics = metrics
        self.direct = direct
        self._wake: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None
        self._close_after: tuple[int, str] | None = None
        # The credential generation this connection's token was issued for, and how a roster
        # change reaches its session (server/identity_live.py; set by server/ws.py).
        self.generation = 0
        # The device session it was opened with (server/device_sessions.py); "" for a token.
        self.session_id = ""
        self.on_identity: Callable[[RoleChanged | Revoked], None] | None = None

    def start(self) -> None:
        if self.direct is not None:
            self.direct.proto.on_resume = self._flush
        else:
            self._wake = asyncio.Event()
            self._writer = asyncio.get_running_loop().create_task(self._write_loop())

    # ---- sending -------------------------------------------------------------------------

    def send(self, frame: Frame) -> None:
        """Send or queue a frame without waiting; overflow closes as a slow consumer."""
        if self.closed:
            return
        direct = self.direct
        if direct is not None and not self._pending and direct.ready():
            try:
                direct.write(frame)
            except Exception:
                self._gone()
            return
        if len(self._pending) >= self._max_queue:
            self._metrics.inc("phonghop_queue_drops_total")
            self.abort(CloseCode.SLOW_CONSUMER, "slow consumer: resume from your last position")
            return
        if self._pending is _NO_FRAMES:
            self._pending = deque()
        self._pending.append(frame)
        if self._wake is not None:
            self._wake.set()

    def _flush(self) -> None:
        """The transport accepts data again: write what waited, in order."""
        direct = self.direct
        assert direct is not None
        while self._pending and direct.ready():
            try:
                direct.write(self._pending.popleft())
            except Exception:
                self._gone()
                return
        if not self._pending and self._close_after is not None:
            code, reason = self._close_after
            self._close_after = None
            direct.close(code, reason)
            self.finished.set()

    def _gone(self) -> None:
        self.closed = True
        self._pending = _NO_FRAMES
        self.finished.set()

    # ---- closing -------------------------------------------------------------------------

    def abort(self, code: int, reason: str) -> None:
        """Close now, dropping what is queued: the client resumes and gets it again."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        if self.on_abort is not None:
            self.on_abort(self)
        self._pending = _NO_FRAMES
        if self.direct is not None:
            self.direct.close(code, reason)
            self.finished.set()
        else:
            self._close_after = (code, reason)
            assert self._wake is not None
            self._wake.set()
        reader = self.reader
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()

    def close_after_flush(self, code: int, reason: str) -> None:
        """Send what is queued, then close: used after a protocol error reply."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self._close_after = (code, reason)
        if self.direct is not None:
            self._flush_all_then_close()
        else:
            assert self._wake is not None
            self._wake.set()

    def _flush_all_then_close(self) -> None:
        direct = self.direct
        assert direct is not None
        if direct.ready():
            self._flush()
        # Otherwise the transport calls _flush when it drains, and it closes then.

    async def wait_closed(self, limit: float = 5.0) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.finished.wait(), limit)

    async def stop(self) -> None:
        self.closed = True
        self._pending = _NO_FRAMES
        if self.direct is not None:
            self.direct.proto.on_resume = None
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer

    # ---- the ASGI path (servers other than uvicorn's sans-I/O protocol) ------------------

    async def _write_loop(self) -> None:
        assert self._wake is not None
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._pending:
                    await self._send_frame(self._pending.popleft())
                if self._close_after is not None:
                    code, reason = self._close_after
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(self._close(code, reason), 5)
                    self.finished.set()
                    return
        except Exception:
            # The socket is gone; the reader side notices and detaches the connection.
            self._gone()
