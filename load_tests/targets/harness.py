"""The peer and the floors as the compare harness runs them: ``PlainServer`` starts one fresh
(with its own embedded Redis, pinned like phonghop's) and connects crowds of
``PlainSession``, a client of either (msgpack frames for the floor, Engine.IO v4 + Socket.IO
msgpack packets for the peer)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import msgpack

from load_tests.crowd import Options, connect_all, local_host, progress
from load_tests.session import Tally
from load_tests.target import ROOT, free_port, pin
from load_tests.wsclient import OP_TEXT, WSClientProtocol, connect


class PlainSession:
    """A client of the floor (msgpack frames) or of the socket.io peer (Engine.IO v4 over a
    WebSocket, Socket.IO packets in msgpack). Messages are numbered by the publisher."""

    def __init__(self, kind: str, tally: Tally, port: int, local: str | None) -> None:
        self.kind = kind
        self.tally = tally
        self.port = port
        self.local = local
        self.last = -1
        self.proto: WSClientProtocol | None = None
        self.ready = asyncio.Event()
        self.open = False
        self.connect_ms = 0.0  # TCP connect to ready (floor: handshake; peer: namespace joined)

    async def connect(self) -> None:
        path = "/" if self.kind == "floor" else "/socket.io/?EIO=4&transport=websocket"
        self.ready = asyncio.Event()
        started = time.perf_counter()
        self.proto = await connect(
            "127.0.0.1",
            self.port,
            path,
            None,
            self._on_message,
            self._on_close,
            local_host=self.local,
            on_open=self._opened,
        )
        if self.kind == "floor":
            self.ready.set()
        try:
            await asyncio.wait_for(self.ready.wait(), 30)
        except BaseException:
            self.proto.abort()
            raise
        self.connect_ms = (time.perf_counter() - started) * 1000
        self.open = True
        self.tally.connects += 1

    def _opened(self, proto: WSClientProtocol) -> None:
        self.proto = proto

    def _on_close(self, code: int | None) -> None:
        self.open = False
        self.tally.count_close(code)

    def _on_message(self, payload: bytes) -> None:
        proto = self.proto
        if self.kind == "floor":
            self._deliver(msgpack.unpackb(payload))
            return
        assert proto is not None
        if proto.opcode == OP_TEXT:
            if payload[:1] == b"0":  # Engine.IO open: join the default namespace
                proto.send_binary(msgpack.packb({"type": 0, "nsp": "/"}))
            elif payload[:1] == b"2":  # Engine.IO ping
                proto.send_text("3")
            return
        packet = msgpack.unpackb(payload)
        if packet.get("type") == 0:
            self.ready.set()
        elif packet.get("type") == 2 and packet.get("data"):
            self._deliver(packet["data"][1])

    def _deliver(self, data: dict[str, Any]) -> None:
        tally = self.tally
        tally.events += 1
        if data.get("run") != tally.run:
            return
        i = data["i"]
        if i <= self.last:
            tally.duplicates += 1
            return
        if i != self.last + 1:
            tally.gaps += 1
        self.last = i
        tally.delivered += 1
        tally.latencies_ms.append((time.time() - data["t"]) * 1000.0)

    def close(self) -> None:
        if self.proto is not None:
            self.proto.close()


def _spawn(
    args: list[str], cpus: set[int] | None, log_path: Path | None = None
) -> subprocess.Popen[bytes]:
    """A Python subprocess of this tree, pinned to ``cpus``."""
    out = open(log_path, "wb") if log_path else None  # noqa: SIM115 - the child keeps it
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT if out else None,
    )
    if out is not None:
        out.close()
    pin(proc.pid, cpus)
    return proc


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"target exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


# The kinds of plain target, their names in the results and their modules in targets/.
NAMES = {"floor": "websockets-floor", "socketio": "socketio-peer",
         "vote-floor": "websockets-vote-floor"}
MODULES = {"floor": "floor", "socketio": "socketio_peer", "vote-floor": "vote_floor"}


class PlainServer:
    """A fresh embedded Redis and the floor or the peer on it, pinned to the server CPUs as
    phonghop's are; a context manager that stops what it started, including the processes
    started with ``spawn`` (the publisher)."""

    def __init__(self, kind: str, opts: Options) -> None:
        from server.embedded_redis import EmbeddedRedis

        self.kind = kind
        self.opts = opts
        self.work = Path(tempfile.mkdtemp(prefix=f"phonghop-compare-{kind}-"))
        self.redis = EmbeddedRedis(self.work / "store")
        self.procs: list[subprocess.Popen[bytes]] = []
        self.redis_url = ""
        self.port = 0
        self.pid = 0

    @property
    def name(self) -> str:
        return NAMES[self.kind]

    def __enter__(self) -> PlainServer:
        try:
            self.redis_url = self.redis.start()
            pin(self.redis.pid or 0, self.opts.server_cpus)
            self.port = free_port()
            module = MODULES[self.kind]
            args = ["--port", str(self.port), "--redis", self.redis_url]
            if self.kind == "vote-floor" and self.opts.secret:
                args.append("--secret")
            server = self.spawn(
                ["-m", f"load_tests.targets.{module}", *args],
                self.opts.server_cpus,
                self.work / "server.log",
            )
            self.pid = server.pid
            _wait_port(self.port, server)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def spawn(
        self, args: list[str], cpus: set[int] | None, log_path: Path | None = None
    ) -> subprocess.Popen[bytes]:
        proc = _spawn(args, cpus, log_path)
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self.redis.stop()

    async def open_crowd(
        self, tally: Tally, count: int, *, first: int = 0, label: str = "connect"
    ) -> list[PlainSession]:
        """Connect ``count`` clients, retried as crowd.open_crowd retries phonghop's."""
        opts = self.opts
        sessions = [
            PlainSession(self.kind, tally, self.port, local_host(opts, i))
            for i in range(first, first + count)
        ]
        await connect_all(opts, tally, sessions, progress(opts, f"{label} {self.kind}"))
        return sessions


async def close_crowd(sessions: list[PlainSession]) -> None:
    for session in sessions:
        session.close()
    await asyncio.sleep(0.2)
