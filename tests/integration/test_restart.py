"""kill -9 of run.py with its embedded Redis, then a restart on the same data directory:
meetings and logs are intact, one Redis runs, and a tablet resumes where it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import Client, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]


async def test_kill_9_then_restart_keeps_meetings_and_logs(
    start_server: Any, admin_headers: dict[str, str], tmp_path: Path, valkey_processes: Any
) -> None:
    data = tmp_path / "var"
    first = start_server(data_dir=data, embedded_redis=True)
    meeting, people = make_meeting(first.base_url, admin_headers)
    chair_p = next(p for p in people.values() if p["role"] == "chair")
    delegate_p = next(p for p in people.values() if p["role"] == "delegate")
    chair = Client(first.ws_url, meeting, token_of(chair_p))
    tablet = Client(first.ws_url, meeting, token_of(delegate_p))
    await chair.connect()
    await tablet.connect()
    await chair.command("meeting.open")
    for i in range(5):
        await chair.command("meeting.update", {"title": f"Phiên {i}"})
    await tablet.wait_for(lambda: len(tablet.events) == 6)
    with httpx.Client(base_url=first.base_url, headers=admin_headers) as http:
        log_before = http.get(f"/api/meetings/{meeting}/log.json").json()

    first.kill()  # SIGKILL: no cleanup runs in run.py
    await tablet.drop()
    await chair.drop()

    second = start_server(data_dir=data, embedded_redis=True, env={"PORT": None})
    assert len(valkey_processes(data)) == 1
    with httpx.Client(base_url=second.base_url, headers=admin_headers) as http:
        log_after = http.get(f"/api/meetings/{meeting}/log.json").json()
        summary = http.get(f"/api/meetings/{meeting}").json()
    assert log_after == log_before
    assert summary["status"] == "open" and summary["participants"]["delegate"] > 300

    tablet.ws_base = second.ws_url
    chair.ws_base = second.ws_url
    welcome = await tablet.connect(resume=True)
    assert welcome["resume"] == "replay"
    await chair.connect(resume=True)
    await chair.command("meeting.update", {"title": "Sau khi khởi động lại"})
    await tablet.wait_for(lambda: len(tablet.events) == 7)
    assert tablet.events[-1]["body"]["title"] == "Sau khi khởi động lại"
    await tablet.close()
    await chair.close()
