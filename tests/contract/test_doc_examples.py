"""The examples of docs/protocol.md run against a real server, so the docs cannot drift.

A block preceded by ``<!-- example: NAME -->`` is taken from the docs as it is and run.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from clients.python.phonghop_client import MeetingClient

pytestmark = [pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "protocol.md"
ROSTER = "code,full_name,role,weight\nC1,Chủ tọa,chair,1\nV1,Đại biểu Một,delegate,1\n"


def example(name: str) -> str:
    """The code block marked ``<!-- example: name -->`` in docs/protocol.md."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(
        rf"<!-- example: {re.escape(name)} -->\n```\w*\n(.*?)\n```", text, flags=re.S
    )
    assert found, f"no example {name!r} in {DOCS}"
    return found.group(1)


def test_the_python_client_example_is_twenty_lines_or_so() -> None:
    code = example("python-client")
    assert len(code.splitlines()) <= 22
    compile(code, "docs/protocol.md", "exec")


async def test_the_python_client_example_votes(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = start_server()
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=30) as http:
        meeting = http.post("/api/meetings", json={"title": "Họp thử"}).json()["id"]
        assert http.post(f"/api/meetings/{meeting}/roster", content=ROSTER.encode()).is_success
        people = http.get(f"/api/meetings/{meeting}/participants").json()["participants"]
    tokens = {p["id"]: p["join_url"].rsplit("/j/", 1)[1] for p in people}

    # The example imports the client as a copied file would be imported.
    monkeypatch.syspath_prepend(str(ROOT / "clients" / "python"))
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(example("python-client"), "docs/protocol.md", "exec"), namespace)

    async with contextlib.AsyncExitStack() as stack:
        chair = MeetingClient(server.ws_url, meeting, tokens["C1"])
        stack.push_async_callback(chair.close)
        await chair.connect()
        await chair.command("meeting.open")
        tablet = asyncio.create_task(namespace["vote"](server.ws_url, meeting, tokens["V1"]))
        await chair.wait_event("attendance.checked_in", participant="V1")
        await chair.command("poll.create", {"id": "p1", "title": "Thông qua nghị quyết",
                                            "method": "yes_no_abstain",
                                            "rule": "more than 1/2 of valid ballots"})
        await chair.command("poll.open", {"poll": "p1"})
        await chair.wait_for(lambda: any(
            p["voted"] == 1 for p in chair.live.get("poll.progress", {}).get("polls", [])
        ) or tablet.done())
        await chair.command("poll.close", {"poll": "p1"})
        await chair.command("poll.publish", {"poll": "p1"})
        assert await asyncio.wait_for(tablet, 10) is True
    out = capsys.readouterr().out
    assert "I am Đại biểu Một" in out and "my receipt, keep it:" in out
