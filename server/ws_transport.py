"""Writing WebSocket frames straight to the socket.

Fan-out to thousands of tablets is the server's hottest path. Going through ASGI costs a
task switch and several layers of coroutines per frame; instead, like
``websockets.broadcast``, the hub writes each message to the transport synchronously while
the transport accepts data, framed once for all connections (``WireCache``) while the
connection's sans-I/O protocol is open, through the protocol otherwise.
This needs uvicorn's sans-I/O WebSocket protocol, which ``FastWebSocketProtocol`` extends
(run.py passes it to uvicorn); under any other server the ASGI path is used.

``FastWebSocketProtocol`` also caps the kernel send buffer, so that a tablet that stops
reading fills it in seconds rather than after megabytes, and is cut off as a slow consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections import deque
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Opcode
from websockets.protocol import OPEN

SEND_BUFFER_BYTES = 256 * 1024
# Messages a connection may have waiting for its reader before the socket stops being read.
# uvicorn pauses reading after every message and resumes once it is taken: two epoll_ctl
# calls per message, a tenth of a ballot's cost in a burst.
READ_AHEAD = 8
# After a slow consumer's close frame is queued, how long it has to read it before the
# socket is dropped outright.
CLOSE_GRACE_SECONDS = 10.0


class MessageQueue:
    """What uvicorn's protocol and the live loop ask of the ``asyncio.Queue`` of received
    messages (unbounded, one reader at a time), without the rest: a queue also keeps a
    deque of putters, an Event for ``join`` and their bookkeeping, which every one of a
    burst's ballots paid for, and which cost each of 5,000 tablets 2 KiB while idle."""

    __slots__ = ("_items", "_loop", "_waiter")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._items: deque[Any] = deque()
        # The protocol's loop, kept: asyncio.get_running_loop() costs a getpid() system call
        # on Python 3.11, once for every message.
        self._loop = loop
        self._waiter: asyncio.Future[None] | None = None

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def get_nowait(self) -> Any:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.popleft()

    async def get(self) -> Any:
        while not self._items:
            if self._waiter is not None and not self._waiter.done():
                raise RuntimeError("a MessageQueue has one reader at a time")
            self._waiter = self._loop.create_future()
            await self._waiter
        return self._items.popleft()


class FastWebSocketProtocol(WebSocketsSansIOProtocol):
    on_resume: Callable[[], None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # uvicorn calls put_nowait, get and empty, which MessageQueue has.
        self.queue = MessageQueue(self.loop)  # type: ignore[assignment]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)

    def shed_handshake(self) -> None:
        """Drop what only the opening handshake needed (request, response, header lists):
        a few KiB per tablet, for the hours it stays connected."""
        if self.handshake_complete:
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]
            if isinstance(getattr(self, "scope", None), dict):
                self.scope["headers"] = []

    def send_receive_event_to_app(self) -> None:
        if self.read_paused:
            super().send_receive_event_to_app()
            return
        # Marked paused, the parent queues the message without pausing the transport.
        self.read_paused = True
        super().send_receive_event_to_app()
        self.read_paused = False
        if self.queue.qsize() >= READ_AHEAD and not self.transport.is_closing():
            self.read_paused = True
            self.transport.pause_reading()

    async def next_message(self) -> dict[str, Any]:
        """What uvicorn's ASGI receive gives, read straight from its queue: a tablet's live
        loop then skips Starlette's state checks and a coroutine for every frame, as the
        fan-out skips ASGI's send."""
        queue = self.queue
        message = queue.get_nowait() if not queue.empty() else await queue.get()
        if self.read_paused and queue.empty():
            self.read_paused = False
            self.transport.resume_reading()
        return message  # type: ignore[return-value]

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.on_resume is not None:
            self.on_resume()


class WireCache:
    """The bytes on the wire of the last frame written.

    A server's frames are not masked, and the server negotiates no extension (run.py turns
    permessage-deflate off), so one message is the same bytes on every connection. The hub
    writes each message to its connections one after another: framing it once instead of
    once per tablet saves a fifth of the fan-out's CPU (docs/performance.md)."""

    __slots__ = ("frame", "wire")

    def __init__(self) -> None:
        self.frame: bytes | str | None = None
        self.wire = b""

    def of(self, frame: bytes | str) -> bytes:
        if frame is not self.frame:
            self.frame, self.wire = frame, unmasked(frame)
        return self.wire


def unmasked(frame: bytes | str) -> bytes:
    """A server's frame on the wire (RFC 6455 5.2: final, no extension bits, not masked):
    what ``websockets.frames.Frame(...).serialize(mask=False, extensions=[])`` writes, at a
    quarter of its cost, for every ack of a burst."""
    if isinstance(frame, bytes):
        first, data = 0x80 | Opcode.BINARY.value, frame
    else:
        first, data = 0x80 | Opcode.TEXT.value, frame.encode()
    size = len(data)
    if size < 126:
        return bytes((first, size)) + data
    if size < 65536:
        return struct.pack("!BBH", first, 126, size) + data
    return struct.pack("!BBQ", first, 127, size) + data


WIRE = WireCache()


class DirectSink:
    """Frames written synchronously to one connection's transport."""

    __slots__ = ("proto",)

    def __init__(self, proto: FastWebSocketProtocol) -> None:
        self.proto = proto

    @staticmethod
    def of(raw_send: Any) -> DirectSink | None:
        proto = getattr(raw_send, "__self__", None)
        return DirectSink(proto) if isinstance(proto, FastWebSocketProtocol) else None

    def ready(self) -> bool:
        p = self.proto
        return p.writable.is_set() and not p.close_sent and not p.disconnected

    @property
    def gone(self) -> bool:
        return self.proto.close_sent or self.proto.disconnected

    def write(self, frame: bytes | str) -> None:
        p = self.proto
        conn = p.conn
        if conn.state is OPEN and not conn.extensions and not conn.expect_continuation_frame:
            # What the protocol object would write, without framing the message again.
            if conn.writes:
                p.transport.write(b"".join(conn.data_to_send()))
            p.transport.write(WIRE.of(frame))
            return
        if isinstance(frame, bytes):
            p.conn.send_binary(frame)
        else:
            p.conn.send_text(frame.encode())
        p.transport.write(b"".join(p.conn.data_to_send()))

    def close(self, code: int, reason: str) -> None:
        """Queue a close frame behind what is buffered, and drop the socket if the client
        does not take it within the grace period."""
        p = self.proto
        if p.close_sent or p.disconnected or p.transport.is_closing():
            return
        p.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        with contextlib.suppress(Exception):
            p.conn.send_close(code, reason)
            p.transport.write(b"".join(p.conn.data_to_send()))
        p.close_sent = True
        p.close_timer = p.loop.call_later(CLOSE_GRACE_SECONDS, p.transport.abort)
