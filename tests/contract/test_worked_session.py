"""docs/protocol.md §10, "A worked session", played against a real server.

The transcript's `→` frames are sent as written (the meeting id, token and epoch replaced by
the real ones); each `←` frame must be the next frame the server sends, and every
`"key": value` the docs show in it (but ids, times, the epoch, the token, text and values
elided with `…`) must be in the frame received, at any depth. The steps between the blocks
(the chair opens the meeting, the Wi-Fi drops, …) are done as the prose says.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import websockets

from tests.support import SUB, make_meeting, token_of

pytestmark = [pytest.mark.redis]

DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
DOC_MEETING, DOC_EPOCH = "mx3wx4bhxr", "1d1ba57f31db9fb2"
# Values that differ from run to run, or are text in the server's language.
UNCHECKED = {"meeting", "epoch", "server_time", "at", "token", "message", "id"}
PAIR = re.compile(r'"(\w+)":("(?:[^"\\]|\\.)*"|-?\d+|true|false|null)')


def section_blocks() -> list[list[tuple[str, str]]]:
    """The transcript blocks of §10: (direction, frame text) with wrapped lines joined;
    direction "…" is a line of prose inside a block (a dropped connection)."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## 10. A worked session", 1)[1].split("\n## ", 1)[0]
    blocks = []
    for body in re.findall(r"```\n(.*?)\n```", section, flags=re.S):
        frames: list[tuple[str, str]] = []
        for line in body.splitlines():
            stripped = line.strip()
            if stripped[:1] in ("→", "←"):
                frames.append((stripped[0], stripped[1:].strip()))
            elif stripped.startswith("…"):
                frames.append(("…", stripped))
            elif frames and stripped:
                frames[-1] = (frames[-1][0], frames[-1][1] + " " + stripped)
        if frames:
            blocks.append(frames)
    return blocks


def _pairs(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for key, item in value.items():
            out += _pairs(item) if isinstance(item, dict | list) else [(key, item)]
        return out
    if isinstance(value, list):
        return [pair for item in value for pair in _pairs(item)]
    return []


class Tablet:
    def __init__(self, ws_url: str, meeting: str, token: str) -> None:
        self.url, self.meeting, self.token = f"{ws_url}/ws/{meeting}", meeting, token
        self.epoch = ""
        self.ws: Any = None

    async def open(self) -> None:
        self.ws = await websockets.connect(self.url, subprotocols=[SUB["json"]])

    async def play(self, frames: list[tuple[str, str]]) -> list[dict[str, Any]]:
        received = []
        for direction, text in frames:
            text = text.replace(DOC_MEETING, self.meeting)
            if direction == "→":
                await self.ws.send(self._outgoing(text))
            elif direction == "←":
                frame = json.loads(await self.ws.recv())
                while frame["type"] == "live" and '"type":"live"' not in text:
                    frame = json.loads(await self.ws.recv())  # the transcript leaves these out
                self._check(text, frame)
                self.epoch = frame.get("epoch", self.epoch)
                received.append(frame)
            else:
                await self.ws.close()
                await self.open()
        return received

    def _outgoing(self, text: str) -> str:
        frame = json.loads(text.replace(DOC_EPOCH, self.epoch))
        if "token" in frame:
            frame["token"] = self.token
        return json.dumps(frame)

    def _check(self, text: str, frame: dict[str, Any]) -> None:
        got = _pairs(frame)
        for key, raw in PAIR.findall(text):
            value = json.loads(raw)
            if key in UNCHECKED or (isinstance(value, str) and "…" in value):
                continue
            assert (key, value) in got, f"docs show {key}: {raw} in\n{text}\ngot {frame}"


async def test_the_worked_session_is_what_the_server_says(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    blocks = section_blocks()
    assert len(blocks) == 5, [b[0] for b in blocks]
    meeting, people = make_meeting(server.base_url, admin_headers)
    chair = {"Authorization": f"Bearer {token_of(people['DB0001'])}"}
    tablet = Tablet(server.ws_url, meeting, token_of(people["DB0004"]))
    await tablet.open()
    await tablet.play(blocks[0])
    with httpx.Client(base_url=server.base_url, headers=chair, timeout=30) as http:
        _command(http, meeting, "meeting.open")
        await tablet.play(blocks[1])
        await tablet.play(blocks[2])
        await tablet.ws.close()  # Wi-Fi drops; the chair updates the title twice
        _command(http, meeting, "meeting.update", {"title": "Đại hội (khai mạc)"})
        _command(http, meeting, "meeting.update", {"title": "Đại hội đại biểu"})
    await tablet.open()
    await tablet.play(blocks[3])
    await tablet.ws.close()

    # The chair's console, on a meeting not yet opened.
    meeting, people = make_meeting(server.base_url, admin_headers)
    console = Tablet(server.ws_url, meeting, token_of(people["DB0001"]))
    await console.open()
    hello = {"v": 1, "type": "hello", "token": console.token}
    await console.ws.send(json.dumps(hello))
    welcome = json.loads(await console.ws.recv())
    console.epoch = welcome["epoch"]
    assert json.loads(await console.ws.recv())["type"] == "snapshot"
    ack = await _play_console(console, blocks[4])
    assert ack["result"] == {"replayed": True}
    await console.ws.close()


async def _play_console(console: Tablet, frames: list[tuple[str, str]]) -> dict[str, Any]:
    """The console block, whose reconnect line means: hello again, resuming, as §3 says."""
    drop = next(i for i, (direction, _) in enumerate(frames) if direction == "…")
    await console.play(frames[:drop])
    await console.ws.close()
    await console.open()
    resume = {"epoch": console.epoch, "seq": 3}
    await console.ws.send(json.dumps({"v": 1, "type": "hello", "token": console.token,
                                      "resume": resume}))
    assert json.loads(await console.ws.recv())["resume"] == "replay"
    received = await console.play(frames[drop + 1:])
    return received[-1]


def _command(http: httpx.Client, meeting: str, kind: str, body: dict[str, Any] | None = None
             ) -> None:
    resp = http.post(f"/api/meetings/{meeting}/commands", json={"kind": kind, "body": body or {}})
    assert resp.status_code == 200, resp.text
