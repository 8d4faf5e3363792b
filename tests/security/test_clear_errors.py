"""Clear errors where a 500 was (#14 item 8): a non-ASCII token, JSON nested 100,000 deep,
every authenticated route while Redis is down, and the embedded Redis killed under a running
server. Real run.py processes, real Redis."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest
import redis
import websockets
from starlette.routing import Route

from protocol.errors import CloseCode
from server import api, features
from server.embedded_redis import EmbeddedRedis
from tests.conftest import StartServer
from tests.support import SUB, make_meeting

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]

DEEP = "[" * 100_000


def test_a_non_ascii_token_is_a_bad_token_not_a_500(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, _ = make_meeting(server.base_url, admin_headers)
    # Shaped like a token (five parts) so that it reaches the signature comparison.
    token = f"{meeting}~D0001~jd~zzzzzz~chữký"
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        answer = http.get(f"/api/meetings/{meeting}",
                          headers={b"Authorization": f"Bearer {token}".encode()})
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["code"] == "bad_token"

    async def hello() -> tuple[int | None, dict[str, object]]:
        async with websockets.connect(f"{server.ws_url}/ws/{meeting}",
                                      subprotocols=[SUB["json"]]) as ws:
            await ws.send(json.dumps({"v": 1, "type": "hello", "token": token}))
            error = json.loads(await ws.recv())
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            return ws.close_code, error

    code, error = asyncio.run(hello())
    assert code == CloseCode.UNAUTHENTICATED and error["code"] == "bad_token"


def test_json_nested_100000_deep_is_malformed(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, _ = make_meeting(server.base_url, admin_headers)
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=10) as http:
        for path in ("/api/meetings", f"/api/meetings/{meeting}/commands"):
            answer = http.post(path, content=DEEP, headers={"Content-Type": "application/json"})
            assert answer.status_code == 400, answer.text
            assert answer.json()["error"]["code"] == "malformed"

    async def deep_frame() -> tuple[int | None, dict[str, object]]:
        async with websockets.connect(f"{server.ws_url}/ws/{meeting}",
                                      subprotocols=[SUB["json"]]) as ws:
            await ws.send("[" * 60_000)  # under the 64 KiB frame limit, 60,000 deep
            error = json.loads(await ws.recv())
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            return ws.close_code, error

    code, error = asyncio.run(deep_frame())
    assert error["code"] == "malformed" and code == CloseCode.PROTOCOL_ERROR


def authenticated_routes(meeting: str) -> list[tuple[str, str]]:
    """(method, path) of every API route that takes a credential, with its parameters
    filled in."""
    values = {"meeting_id": meeting, "document_id": "d1", "version": "1",
              "participant_id": "D0001", "poll_id": "p1", "receipt": "r1", "fmt": "md",
              "ext": "csv", "folder": "minutes", "name": "bien-ban.pdf"}
    out = []
    for route in [*api.ROUTES, *features.routes()]:
        assert isinstance(route, Route)
        # /admin is the organiser's page itself (static HTML, no credential); it signs in
        # through the API routes listed here.
        if route.path in ("/healthz", "/metrics", "/api/badge-login", "/admin"):
            continue
        path = route.path.format(**values)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            out.append((method, path))
    return out


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_redis_down_is_503_with_retry_after_on_every_authenticated_route(
    start_server: StartServer, tmp_path: Path, admin_headers: dict[str, str]
) -> None:
    store = EmbeddedRedis(tmp_path / "own-redis", appendfsync="everysec")
    url = store.start()
    port = store.port
    try:
        server = start_server(env={"REDIS_URL": url})
        meeting, _ = make_meeting(server.base_url, admin_headers)
        store.stop()
        with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=30) as http:
            for method, path in authenticated_routes(meeting):
                answer = http.request(method, path, content=b"{}")
                assert answer.status_code == 503, (method, path, answer.status_code, answer.text)
                assert answer.json()["error"]["code"] == "unavailable", (method, path)
                assert int(answer.headers["retry-after"]) > 0, (method, path)
        # Back on the same port and data: the server serves again, the meeting is there.
        store = EmbeddedRedis(tmp_path / "own-redis", port=port, appendfsync="everysec")
        store.start()
        assert wait_until(lambda: healthy(server.base_url), 30)
        answer = httpx.get(f"{server.base_url}/api/meetings/{meeting}", headers=admin_headers)
        assert answer.status_code == 200, answer.text
    finally:
        store.stop()


def test_the_embedded_redis_killed_is_restarted_and_the_server_recovers(
    start_server: StartServer,
    admin_headers: dict[str, str],
    valkey_processes: Callable[[Path], list[psutil.Process]],
) -> None:
    server = start_server(embedded_redis=True)
    meeting, _ = make_meeting(server.base_url, admin_headers)
    [valkey] = valkey_processes(server.data_dir)
    os.kill(valkey.pid, signal.SIGKILL)
    # Gone, or a zombie until its parent (run.py) reaps it.
    assert wait_until(lambda: not valkey.is_running()
                      or valkey.status() == psutil.STATUS_ZOMBIE, 10)
    killed = time.monotonic()
    assert wait_until(lambda: healthy(server.base_url) and bool(valkey_processes(server.data_dir)),
                      30), server.output()
    assert time.monotonic() - killed < 30
    [restarted] = valkey_processes(server.data_dir)
    assert restarted.pid != valkey.pid
    answer = httpx.get(f"{server.base_url}/api/meetings/{meeting}", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["participants"]["delegate"] > 0
    assert "restarting it" in server.output()
