"""A small test client for the WebSocket protocol, and helpers to set up a meeting over HTTP.

It checks what every client must check: each event's ``prev`` is not beyond the position
it applied (no gap) and its ``seq`` is beyond it (no duplicate).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import httpx
import msgpack
import websockets
from websockets.typing import Subprotocol

SUB = {"json": Subprotocol("phonghop.v1.json"), "msgpack": Subprotocol("phonghop.v1.msgpack")}


class GapError(AssertionError):
    pass


@dataclass
class Client:
    ws_base: str
    meeting: str
    token: str
    codec: str = "json"
    epoch: str = ""
    pos: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    lives: list[dict[str, Any]] = field(default_factory=list)
    welcomes: list[dict[str, Any]] = field(default_factory=list)
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None

    def __post_init__(self) -> None:
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._changed = asyncio.Event()

    async def connect(self, resume: bool = False) -> dict[str, Any]:
        self._ws = await websockets.connect(
            f"{self.ws_base}/ws/{self.meeting}",
            subprotocols=[SUB[self.codec]],
            max_size=2**24,
            compression=None,
        )
        hello: dict[str, Any] = {"v": 1, "type": "hello", "token": self.token}
        if resume and self.epoch:
            hello["resume"] = {"epoch": self.epoch, "seq": self.pos}
        await self.send_raw(hello)
        welcome = self.decode(await self._ws.recv())
        assert welcome["type"] == "welcome", welcome
        self.welcomes.append(welcome)
        if welcome["epoch"] != self.epoch:
            self.epoch = welcome["epoch"]
        if welcome["resume"] == "snapshot":
            snap = self.decode(await self._ws.recv())
            assert snap["type"] == "snapshot"
            self.snapshots.append(snap)
            self.pos = snap["seq"]
        self._reader = asyncio.get_running_loop().create_task(self._read())
        return welcome

    def decode(self, frame: bytes | str) -> dict[str, Any]:
        if self.codec == "json":
            assert isinstance(frame, str)
            return dict(json.loads(frame))
        assert isinstance(frame, bytes)
        return dict(msgpack.unpackb(frame, raw=False))

    async def send_raw(self, data: dict[str, Any] | bytes | str) -> None:
        if isinstance(data, dict):
            await self._ws.send(json.dumps(data) if self.codec == "json" else msgpack.packb(data))
        else:
            await self._ws.send(data)

    async def _read(self) -> None:
        try:
            async for frame in self._ws:
                msg = self.decode(frame)
                kind = msg["type"]
                if kind == "event":
                    if msg["seq"] <= self.pos:
                        raise GapError(f"duplicate event {msg['seq']} at pos {self.pos}")
                    if msg["prev"] > self.pos:
                        raise GapError(f"gap: event {msg['seq']} prev {msg['prev']} > {self.pos}")
                    self.pos = msg["seq"]
                    self.events.append(msg)
                elif kind in ("ack", "error") and msg.get("id") in self._pending:
                    self._pending.pop(msg["id"]).set_result(msg)
                elif kind == "error":
                    self.errors.append(msg)
                elif kind == "live":
                    self.lives.append(msg)
                self._changed.set()
        except websockets.ConnectionClosed as exc:
            self.close_code = exc.rcvd.code if exc.rcvd else None
        finally:
            if self.close_code is None and self._ws.close_code is not None:
                self.close_code = self._ws.close_code
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(ConnectionError("closed"))
            self._changed.set()

    async def command(
        self,
        kind: str,
        body: dict[str, Any] | None = None,
        cid: str | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        cid = cid or uuid.uuid4().hex
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[cid] = fut
        await self.send_raw({"v": 1, "type": "cmd", "id": cid, "kind": kind, "body": body or {}})
        return await asyncio.wait_for(fut, timeout)

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        async def loop() -> None:
            while not predicate():
                self._changed.clear()
                if self._reader is not None and self._reader.done():
                    exc = self._reader.exception()
                    if exc:
                        raise exc
                    if not predicate():
                        raise ConnectionError(f"closed ({self.close_code}) before condition")
                await self._changed.wait()

        await asyncio.wait_for(loop(), timeout)

    async def wait_seq(self, seq: int, timeout: float = 10.0) -> None:
        await self.wait_for(lambda: self.pos >= seq, timeout)

    async def drop(self) -> None:
        """Vanish like a tablet leaving Wi-Fi: no close handshake."""
        self._ws.transport.abort()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    def kinds(self) -> list[str]:
        return [e["kind"] for e in self.events]


def demo_roster() -> bytes:
    return resources.files("server").joinpath("assets/demo/roster.csv").read_bytes()


def make_meeting(
    base_url: str, headers: dict[str, str], roster: bytes | None = None, title: str = "Đại hội"
) -> tuple[str, dict[str, dict[str, Any]]]:
    """Create a meeting with the demo roster; return its id and participants by id."""
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
        resp = http.post("/api/meetings", json={"title": title})
        assert resp.status_code == 201, resp.text
        meeting = resp.json()["id"]
        resp = http.post(f"/api/meetings/{meeting}/roster", content=roster or demo_roster())
        assert resp.status_code == 200, resp.text
        people = http.get(f"/api/meetings/{meeting}/participants").json()["participants"]
    return meeting, {p["id"]: p for p in people}


def token_of(participant: dict[str, Any]) -> str:
    return str(participant["join_url"].rsplit("/j/", 1)[1])
