"""Limits on raw TCP connections, enforced before a request is read: per client address, the
time to send a request's headers, and the file descriptors the process has.

uvicorn keeps a connection that has sent half a request line open for as long as the client
likes (its keep-alive timer starts only after a first response), so 1,100 half-sent headers
once took every file descriptor of the process and `/healthz` stopped answering. Here each
connection is counted when it is accepted (a ``ConnectionLedger`` shared by every connection
of the process) and:

- a client address with ``max_per_ip`` connections open gets its next one closed at once;
- a connection that has not sent complete request headers within ``header_timeout`` seconds
  of connecting (or of its previous response, on a keep-alive connection) is closed;
- when the open connections reach ``capacity`` (the process's file-descriptor limit less what
  Redis, the log and documents need), the oldest connection still waiting for headers is
  closed to make room, so a flood of half-open requests cannot lock everyone else out.

run.py's serve command passes the two protocol classes of ``guarded_protocols`` to uvicorn.
"""

from __future__ import annotations

import asyncio
import resource
from collections.abc import Iterator
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from server.ws_transport import FastWebSocketProtocol

# File descriptors kept out of the connection capacity: the Redis pool (64) and its bus, the
# embedded Redis's pipes, the log, documents being uploaded or served, the loop's own.
RESERVED_FDS = 256
# Past this many descriptors more would only hide a leak: the kernel default hard limit.
FD_TARGET = 1 << 20


def raise_fd_limit() -> int:
    """Raise the soft open-files limit to the hard one (at most ``FD_TARGET``): a hall of
    tablets needs more than the usual 1,024. Returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = FD_TARGET if hard == resource.RLIM_INFINITY else min(hard, FD_TARGET)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return FD_TARGET if soft == resource.RLIM_INFINITY else soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


def connection_capacity(fd_limit: int) -> int:
    return max(64, fd_limit - RESERVED_FDS)


class ConnectionLedger:
    """Every open connection of the process, by client address, and those still waiting
    for request headers, oldest first."""

    def __init__(self, *, max_per_ip: int, capacity: int, header_timeout: float) -> None:
        self.max_per_ip = max_per_ip
        self.capacity = capacity
        self.header_timeout = header_timeout
        self._open: dict[asyncio.BaseTransport, str] = {}
        self._per_ip: dict[str, int] = {}
        # Insertion order is arrival order: the first entry is the oldest waiter.
        self._waiting: dict[asyncio.BaseTransport, asyncio.TimerHandle] = {}

    def __len__(self) -> int:
        return len(self._open)

    def admit(self, transport: asyncio.BaseTransport, ip: str) -> bool:
        """Count a new connection; False when it must be closed instead."""
        if self.max_per_ip and self._per_ip.get(ip, 0) >= self.max_per_ip:
            return False
        if len(self._open) >= self.capacity and not self._evict_oldest_waiter():
            return False
        self._open[transport] = ip
        self._per_ip[ip] = self._per_ip.get(ip, 0) + 1
        return True

    def await_headers(
        self, transport: asyncio.BaseTransport, loop: asyncio.AbstractEventLoop
    ) -> None:
        """Start the clock on a connection that owes us a request's headers."""
        if transport not in self._open or transport in self._waiting:
            return
        self._waiting[transport] = loop.call_later(self.header_timeout, self._expire, transport)

    def headers_done(self, transport: asyncio.BaseTransport) -> None:
        timer = self._waiting.pop(transport, None)
        if timer is not None:
            timer.cancel()

    def release(self, transport: asyncio.BaseTransport) -> None:
        self.headers_done(transport)
        ip = self._open.pop(transport, None)
        if ip is None:
            return
        left = self._per_ip[ip] - 1
        if left:
            self._per_ip[ip] = left
        else:
            del self._per_ip[ip]

    def per_ip(self, ip: str) -> int:
        return self._per_ip.get(ip, 0)

    def waiting(self) -> Iterator[asyncio.BaseTransport]:
        return iter(list(self._waiting))

    def _expire(self, transport: asyncio.BaseTransport) -> None:
        self._waiting.pop(transport, None)
        transport.abort()  # type: ignore[attr-defined]

    def _evict_oldest_waiter(self) -> bool:
        for transport in self._waiting:
            # Closed here, counted out now: connection_lost comes on a later loop turn.
            self.release(transport)
            transport.abort()  # type: ignore[attr-defined]
            return True
        return False


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, counted in the ledger and timed until its headers arrive."""

    ledger: ClassVar[ConnectionLedger]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ip = self.client[0] if self.client else ""
        if not self.ledger.admit(transport, ip):
            transport.abort()
            return
        self.ledger.await_headers(transport, self.loop)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # IDLE: the request line and headers are not complete yet. Any other state (a body
        # being read, a response, an upgrade to WebSocket) means they were.
        if self.conn.their_state is not h11.IDLE:
            self.ledger.headers_done(self.transport)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self.ledger.await_headers(self.transport, self.loop)

    def connection_lost(self, exc: Exception | None) -> None:
        self.ledger.release(self.transport)
        super().connection_lost(exc)


class GuardedWebSocketProtocol(FastWebSocketProtocol):
    """The WebSocket protocol an upgraded connection continues in: it leaves the ledger when
    the socket closes (the HTTP protocol it came from hears nothing more of it)."""

    ledger: ClassVar[ConnectionLedger]

    def connection_lost(self, exc: Exception | None) -> None:
        self.ledger.release(self.transport)
        super().connection_lost(exc)


def guarded_protocols(ledger: ConnectionLedger) -> tuple[type[Any], type[Any]]:
    """The HTTP and WebSocket protocol classes for uvicorn, sharing ``ledger``."""

    class Http(GuardedH11Protocol):
        pass

    class WebSocket(GuardedWebSocketProtocol):
        pass

    Http.ledger = ledger
    WebSocket.ledger = ledger
    return Http, WebSocket
