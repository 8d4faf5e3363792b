"""One simulated participant: hello, position tracking, gap and duplicate checks, resume.

A session keeps the meeting's ``(epoch, pos)`` exactly as a tablet must: an event with
``seq <= pos`` is a duplicate, an event with ``prev > pos`` means something was missed (a
gap). When its connection drops it says ``hello`` again with ``resume: {epoch, seq}``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgpack

from load_tests.keepalive import Span
from load_tests.wsclient import WSClientProtocol, connect

SUBPROTOCOL = "phonghop.v1.msgpack"
# Titles of the fan-out commands: MARK|run|index|send time (unix seconds, float).
MARK = "LT|"

_ids = itertools.count(1)


@dataclass
class Tally:
    """Counters shared by every session of a run (one event loop, so no locking)."""

    run: str = ""
    latencies_ms: array[float] = field(default_factory=lambda: array("d"))
    delivered: int = 0  # first receipts of this run's marked events, over all sessions
    events: int = 0  # every event frame received
    gaps: int = 0
    duplicates: int = 0
    epoch_changes: int = 0
    snapshots: int = 0
    replays: int = 0
    connects: int = 0
    connect_failures: int = 0
    drops: int = 0  # connections this harness dropped on purpose
    closes: dict[int | None, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    measuring: bool = True
    on_event: Callable[[Session, dict[str, Any], float], None] | None = None
    span: Span | None = None  # when the crowd connected (load_tests/keepalive.py)

    def count_close(self, code: int | None) -> None:
        self.closes[code] = self.closes.get(code, 0) + 1

    def count_error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1


class Session:
    def __init__(
        self,
        tally: Tally,
        host: str,
        port: int,
        meeting_id: str,
        token: str,
        *,
        local_host: str | None = None,
        auto_resume: bool = True,
        resume_delay: float = 0.2,
        rcvbuf: int | None = None,
    ) -> None:
        self.tally = tally
        self.host = host
        self.port = port
        self.meeting_id = meeting_id
        self.token = token
        self.local_host = local_host
        self.auto_resume = auto_resume
        self.resume_delay = resume_delay
        self.rcvbuf = rcvbuf
        self.proto: WSClientProtocol | None = None
        self.epoch: str | None = None
        self.pos = 0
        self.gaps = 0
        self.duplicates = 0
        self.marked = 0
        self.welcomed = asyncio.Event()
        self.synced = asyncio.Event()  # welcome and snapshot (or welcome for a replay) seen
        self.closed_early = asyncio.Event()
        self.pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.close_codes: list[int | None] = []
        self.stopped = False
        self.paused = False
        self.reconnecting: asyncio.Task[None] | None = None
        self.connected_at = 0.0
        self.synced_at = 0.0
        self.participant: dict[str, Any] = {}
        self.last_live: dict[str, Any] = {}
        self.seen_seqs: set[int] | None = None  # keep every seq seen (crash checks)
        self.measure = True  # False: this session's latencies stay out of the figures

    # ---- connecting --------------------------------------------------------------------

    async def connect(self, timeout: float = 30.0) -> None:
        """Open, send hello (with resume when a position is known), wait for the welcome."""
        self.welcomed = asyncio.Event()
        self.synced = asyncio.Event()
        started = time.perf_counter()
        proto = await connect(
            self.host,
            self.port,
            f"/ws/{self.meeting_id}",
            SUBPROTOCOL,
            self._on_message,
            self._on_close,
            local_host=self.local_host,
            timeout=timeout,
            rcvbuf=self.rcvbuf,
        )
        self.proto = proto
        hello: dict[str, Any] = {"v": 1, "type": "hello", "token": self.token}
        if self.epoch is not None:
            hello["resume"] = {"epoch": self.epoch, "seq": self.pos}
        proto.send_binary(msgpack.packb(hello))
        # A server that closes before its welcome (e.g. 1013 while Redis is down) fails the
        # attempt at once rather than after the whole timeout.
        self.closed_early = asyncio.Event()
        synced = asyncio.ensure_future(self.synced.wait())
        closed = asyncio.ensure_future(self.closed_early.wait())
        try:
            done, _ = await asyncio.wait(
                {synced, closed}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                raise TimeoutError("no welcome")
            if synced not in done:
                code = self.close_codes[-1] if self.close_codes else None
                raise ConnectionError(f"closed before welcome ({code})")
        except BaseException:
            proto.abort()
            raise
        finally:
            synced.cancel()
            closed.cancel()
        self.connected_at = started
        self.synced_at = time.perf_counter()
        self.tally.connects += 1

    def drop(self) -> None:
        """Cut the TCP connection without a close frame; the session resumes by itself."""
        if self.proto is not None:
            self.tally.drops += 1
            self.proto.abort()

    def stop_reading(self) -> None:
        self.paused = True
        if self.proto is not None:
            self.proto.pause_reading()

    def resume_reading(self) -> None:
        self.paused = False
        if self.proto is not None and self.proto.transport is not None:
            self.proto.transport.resume_reading()

    def close(self) -> None:
        self.stopped = True
        if self.reconnecting is not None:
            self.reconnecting.cancel()
        if self.proto is not None:
            self.proto.close()

    @property
    def open(self) -> bool:
        return self.proto is not None and self.welcomed.is_set()

    # ---- commands ----------------------------------------------------------------------

    def send_cmd(
        self, kind: str, body: dict[str, Any], cmd_id: str | None = None
    ) -> asyncio.Future[dict[str, Any]]:
        """Send a command; the future gets the ack or error message (as a dict)."""
        cmd_id = cmd_id or f"c{next(_ids)}"
        future = self.pending.get(cmd_id)
        if future is None or future.done():
            future = asyncio.get_running_loop().create_future()
            self.pending[cmd_id] = future
        if self.proto is None:
            raise ConnectionError("not connected")
        self.proto.send_binary(
            msgpack.packb({"v": 1, "type": "cmd", "id": cmd_id, "kind": kind, "body": body})
        )
        return future

    # ---- receiving ---------------------------------------------------------------------

    def _on_message(self, payload: bytes) -> None:
        msg = msgpack.unpackb(payload)
        kind = msg.get("type")
        tally = self.tally
        if kind == "event":
            tally.events += 1
            if msg["epoch"] != self.epoch:
                # Only a snapshot may move a session to a new epoch.
                tally.gaps += 1
                self.gaps += 1
            seq = msg["seq"]
            if seq <= self.pos:
                self.duplicates += 1
                tally.duplicates += 1
                return
            if msg["prev"] > self.pos:
                self.gaps += 1
                tally.gaps += 1
            self.pos = seq
            if self.seen_seqs is not None:
                self.seen_seqs.add(seq)
            now = time.time()
            body = msg["body"]
            title = body.get("title") if isinstance(body, dict) else None
            if isinstance(title, str) and title.startswith(MARK):
                parts = title.split("|", 4)
                if parts[1] == tally.run:
                    self.marked += 1
                    tally.delivered += 1
                    if tally.measuring and self.measure:
                        tally.latencies_ms.append((now - float(parts[3])) * 1000.0)
            if tally.on_event is not None:
                tally.on_event(self, msg, now)
        else:
            # Every other kind is rare next to events: the event path above stays inline.
            self._on_reply(kind, msg)

    def _on_reply(self, kind: str | None, msg: dict[str, Any]) -> None:
        """An answer to a command, the welcome, a snapshot or a live update."""
        tally = self.tally
        if kind == "ack" or kind == "error":
            cmd_id = msg.get("id")
            if kind == "error":
                tally.count_error(str(msg.get("code")))
            future = self.pending.pop(cmd_id, None) if cmd_id else None
            if future is not None and not future.done():
                future.set_result(msg)
        elif kind == "welcome":
            self.participant = msg.get("participant", {})
            if msg["resume"] == "replay":
                tally.replays += 1
                self.welcomed.set()
                self.synced.set()
            else:
                self.welcomed.set()
        elif kind == "snapshot":
            tally.snapshots += 1
            if self.epoch is not None and msg["epoch"] != self.epoch:
                tally.epoch_changes += 1
            self.epoch = msg["epoch"]
            self.pos = msg["seq"]
            self.synced.set()
            # A client that resumed by snapshot learns from it what it missed (vote-burst
            # reads a published poll there).
            if tally.on_event is not None:
                tally.on_event(self, msg, time.time())
        elif kind == "live":
            self.last_live[msg["kind"]] = msg["body"]
            if tally.on_event is not None:
                tally.on_event(self, msg, time.time())

    def _on_close(self, code: int | None) -> None:
        self.tally.count_close(code)
        self.close_codes.append(code)
        self.proto = None
        # A failed handshake is retried by whoever called connect(); only a session that
        # was in the meeting resumes by itself.
        was_open = self.welcomed.is_set()
        self.welcomed = asyncio.Event()
        self.closed_early.set()
        for future in self.pending.values():
            if not future.done():
                future.set_exception(ConnectionError(f"closed ({code})"))
        self.pending.clear()
        if was_open and self.auto_resume and not self.stopped:
            self.reconnecting = asyncio.get_running_loop().create_task(self._resume())

    async def _resume(self, attempts: int = 200) -> None:
        delay = self.resume_delay
        for _ in range(attempts):
            if self.stopped:
                return
            await asyncio.sleep(delay)
            try:
                self.paused = False
                await self.connect(timeout=15.0)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                self.tally.connect_failures += 1
                delay = min(delay * 2, 2.0)
