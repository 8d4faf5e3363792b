"""A small phonghop WebSocket client for scripts and tests (docs/protocol.md, /asyncapi.json).

One file, no phonghop imports: copy it. Needs ``websockets`` and, for the default codec,
``msgpack``. It connects and says ``hello``, keeps its position ``(epoch, seq)`` and resumes
from it after any drop, drops duplicate events and reconnects on a gap, gives every command
an id and resends the same id after a reconnect (the server answers a replay with the
original ack), makes a ballot id per ballot and keeps it across retries, and raises typed
errors. Usage (asyncio)::

    async with MeetingClient("ws://127.0.0.1:8000", meeting_id, token) as client:
        await client.command("speakers.request", {})
        receipt = await client.cast_ballot("p1", "yes")
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, cast

import websockets

# The protocol version this client speaks: sent as ``v`` in hello and every frame. A server
# that does not speak it refuses with ``unsupported_version`` (details: the versions it does).
PROTOCOL_VERSION = 1
SUBPROTOCOLS = {"msgpack": "phonghop.v1.msgpack", "json": "phonghop.v1.json"}
# Close codes after which the same token will not get in (docs/protocol.md §5).
FINAL_CLOSES = frozenset({1002, 1003, 1009, 4001, 4003})

Json = dict[str, Any]


class PhonghopError(Exception):
    """An ``error`` frame: ``code`` is one of the contract's ErrorCode values."""

    def __init__(self, code: str, message: str, details: Json | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details or {}


class Rejected(PhonghopError):
    """A command that is not allowed now; nothing changed and the connection stays."""


class Unavailable(Rejected):
    """The server could not complete it; ``command`` retries these itself."""


class ConnectionRefused(PhonghopError):
    """The server closed for good (bad token, removed, protocol error): do not retry."""

    def __init__(
        self, close_code: int, code: str, message: str, details: Json | None = None
    ) -> None:
        super().__init__(code, message, details)
        self.close_code = close_code


@dataclass
class MeetingClient:
    url: str  # ws://host:port (or wss://)
    meeting: str
    token: str
    codec: str = "msgpack"
    lang: str = "vi"
    version: int = PROTOCOL_VERSION  # announced in hello; another only to test a server
    epoch: str = ""
    seq: int = 0  # the position: the last event applied, or the snapshot's seq
    retries: int = 5
    timeout: float = 10.0  # seconds to wait for an ack, an event or a condition
    on_event: Callable[[Json], None] | None = None
    participant: Json = field(default_factory=dict)
    state: Json = field(default_factory=dict)  # the last snapshot's state
    events: list[Json] = field(default_factory=list)  # events applied since
    live: dict[str, Json] = field(default_factory=dict)  # the latest body of each live kind

    def __post_init__(self) -> None:
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[Json]] = {}
        self._changed = asyncio.Condition()
        self._lost = asyncio.Event()  # this connection's: set when it ends
        self._connected = asyncio.Event()
        self._closing = False
        self._final: ConnectionRefused | None = None
        self._reconnecting: asyncio.Task[None] | None = None

    async def __aenter__(self) -> MeetingClient:
        await self.connect()
        return self

    async def __aexit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        await self.close()

    # ---- connection ----------------------------------------------------------------------

    async def connect(self) -> Json:
        """Open, say hello (resuming from our position if we have one), load what follows."""
        self._ws = await websockets.connect(
            f"{self.url}/ws/{self.meeting}", subprotocols=[cast(Any, SUBPROTOCOLS[self.codec])],
            max_size=2**24, compression=None,
        )
        hello: Json = {"v": self.version, "type": "hello", "token": self.token,
                       "lang": self.lang}
        if self.epoch:
            hello["resume"] = {"epoch": self.epoch, "seq": self.seq}
        await self._send(hello)
        welcome = await self._first_frame()
        self.participant = welcome["participant"]
        if welcome["resume"] == "snapshot":
            snapshot = await self._first_frame()
            self.epoch, self.seq, self.state = snapshot["epoch"], snapshot["seq"], snapshot["state"]
            self.events.clear()
        self._lost = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read(self._ws, self._lost))
        self._connected.set()
        return welcome

    async def _first_frame(self) -> Json:
        try:
            msg = self._decode(await self._ws.recv())
        except websockets.ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else 1006
            raise ConnectionRefused(code, "closed", exc.rcvd.reason if exc.rcvd else "") from None
        if msg["type"] == "error":
            code = await self._close_code()
            refusal = ConnectionRefused(code, msg["code"], msg["message"], msg.get("details"))
            if code in FINAL_CLOSES:
                self._final = refusal
            raise refusal
        return msg

    async def _close_code(self) -> int:
        with contextlib.suppress(websockets.ConnectionClosed):
            await asyncio.wait_for(self._ws.recv(), 5)
        return int(self._ws.close_code or 1006)

    async def reconnect(self) -> None:
        """Reconnect with backoff and resume from our position; started by itself on a drop."""
        for attempt in range(self.retries):
            try:
                await self.connect()
                return
            except ConnectionRefused as exc:
                if exc.close_code in FINAL_CLOSES:
                    raise
            except (OSError, websockets.WebSocketException):
                pass
            await asyncio.sleep(min(0.2 * 2**attempt, 5.0))
        raise ConnectionError(f"could not reconnect to {self.url} after {self.retries} tries")

    async def _reconnect_in_background(self) -> None:
        try:
            await self.reconnect()
        except (ConnectionError, PhonghopError) as exc:
            self._final = exc if isinstance(exc, ConnectionRefused) else ConnectionRefused(
                1006, "unreachable", str(exc))
            await self._notify()

    async def close(self) -> None:
        self._closing = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def drop(self) -> None:
        """Break the connection without a goodbye, as a lost network does (for tests)."""
        self._ws.transport.abort()
        if self._reader is not None:
            await self._reader

    # ---- reading ---------------------------------------------------------------------------

    async def _read(self, ws: Any, lost: asyncio.Event) -> None:
        try:
            async for frame in ws:
                if not self._handle(self._decode(frame)):
                    break  # a gap: resume from our position on a new connection
        except websockets.ConnectionClosed:
            pass
        finally:
            self._connected.clear()
            lost.set()
            await ws.close()
            code = ws.close_code
            if code in FINAL_CLOSES and self._final is None:
                self._final = ConnectionRefused(code, "closed", ws.close_reason or "")
            if not self._closing and self._final is None:
                self._reconnecting = asyncio.get_running_loop().create_task(
                    self._reconnect_in_background())
            await self._notify()

    def _handle(self, msg: Json) -> bool:
        kind = msg["type"]
        if kind == "event":
            if msg["seq"] <= self.seq:
                return True  # a duplicate
            if msg["prev"] > self.seq:
                return False
            self.seq = msg["seq"]
            self.events.append(msg)
            if self.on_event is not None:
                self.on_event(msg)
        elif kind in ("ack", "error") and msg.get("id") in self._pending:
            future = self._pending.pop(msg["id"])
            if not future.done():
                future.set_result(msg)
        elif kind == "live":
            self.live[msg["kind"]] = msg["body"]
        asyncio.get_running_loop().create_task(self._notify())
        return True

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Until ``predicate()`` holds (checked after every frame)."""
        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)
        await asyncio.wait_for(until(), self.timeout)

    async def wait_event(self, kind: str, **match: Any) -> Json:
        """The first applied event of ``kind`` whose body has the ``match`` values."""
        def found() -> Json | None:
            for event in self.events:
                if event["kind"] == kind and all(event["body"].get(k) == v
                                                 for k, v in match.items()):
                    return event
            return None
        await self.wait_for(lambda: found() is not None or self._final is not None)
        if self._final is not None:
            raise self._final
        event = found()
        assert event is not None
        return event

    # ---- commands --------------------------------------------------------------------------

    async def command(
        self, kind: str, body: Json | None = None, *, command_id: str | None = None
    ) -> Json:
        """Send a command and return the ack's ``result``; raises ``Rejected`` (or a subclass).
        After a lost connection or ``unavailable`` it reconnects and resends the same id, so the
        command is applied once."""
        command_id = command_id or uuid.uuid4().hex
        frame = {"v": self.version, "type": "cmd", "id": command_id, "kind": kind,
                 "body": body or {}}
        for attempt in range(self.retries):
            await self.wait_for(lambda: self._connected.is_set() or self._final is not None)
            if self._final is not None:
                raise self._final
            future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
            self._pending[command_id] = future
            with contextlib.suppress(websockets.ConnectionClosed):
                await self._send(frame)
            lost: asyncio.Future[Any] = asyncio.ensure_future(self._lost.wait())
            waiting: set[asyncio.Future[Any]] = {future, lost}
            done, _ = await asyncio.wait(waiting, timeout=self.timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
            lost.cancel()
            if future in done:
                reply = future.result()
                if reply["type"] == "ack":
                    # The command's own events came before the ack on this connection.
                    result: Json = reply["result"]
                    return result
                if reply["code"] != "unavailable":
                    raise Rejected(reply["code"], reply["message"], reply.get("details"))
                await asyncio.sleep(min(0.2 * 2**attempt, 5.0))
            self._pending.pop(command_id, None)
        raise Unavailable("unavailable", f"{kind} {command_id}: no ack after {self.retries} tries")

    async def cast_ballot(self, poll: str, choice: Any, *, on_behalf_of: str | None = None,
                          ballot_id: str | None = None) -> Json:
        """Cast one ballot; its ``ballot_id`` is made once and kept across every retry, so a
        ballot sent twice is counted once. Returns the ack (``receipt`` is the voter's)."""
        body: Json = {"poll": poll, "choice": choice, "ballot_id": ballot_id or uuid.uuid4().hex}
        if on_behalf_of:
            body["on_behalf_of"] = on_behalf_of
        return await self.command("ballot.cast", body)

    # ---- codec -----------------------------------------------------------------------------

    async def _send(self, msg: Json) -> None:
        if self.codec == "json":
            await self._ws.send(json.dumps(msg, ensure_ascii=False))
        else:
            import msgpack  # noqa: PLC0415 - only the msgpack codec needs it

            await self._ws.send(msgpack.packb(msg))

    def _decode(self, frame: bytes | str) -> Json:
        if isinstance(frame, str):
            return dict(json.loads(frame))
        import msgpack  # noqa: PLC0415

        return dict(msgpack.unpackb(frame, raw=False))
