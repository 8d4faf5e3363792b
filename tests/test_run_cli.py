"""run.py as an operator uses it: one command, its own Redis, crash and clean-stop behaviour."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest
import redis

from server.embedded_redis import configured_url
from tests.conftest import RUN_PY, StartServer

pytestmark = pytest.mark.multiprocess

ValkeyProcesses = Callable[[Path], list[psutil.Process]]


def embedded_redis_url(data_dir: Path) -> str:
    """URL of the embedded server of a running run.py, from the config and password it wrote."""
    url = configured_url(data_dir)
    assert url is not None, "no valkey.conf or valkey.password"
    return url


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_help_lists_serve_and_its_flags() -> None:
    top = subprocess.run(
        [sys.executable, str(RUN_PY), "--help"], capture_output=True, text=True, timeout=30
    )
    assert top.returncode == 0
    assert "serve" in top.stdout
    serve = subprocess.run(
        [sys.executable, str(RUN_PY), "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert serve.returncode == 0
    for flag in ("--host", "--port", "--data-dir", "--demo", "--public-url", "--tls",
                 "--tls-cert", "--tls-key"):
        assert flag in serve.stdout


def test_without_redis_url_it_runs_its_own_redis(
    start_server: StartServer, tmp_path: Path, valkey_processes: ValkeyProcesses
) -> None:
    server = start_server(data_dir=tmp_path, embedded_redis=True)
    response = httpx.get(f"{server.base_url}/healthz", timeout=5)
    assert response.status_code == 200
    running = valkey_processes(tmp_path)
    assert len(running) == 1
    assert running[0].ppid() == server.pid
    output = server.output()
    assert "Máy chủ đang chạy tại" in output and "Server running at" in output


def test_kill_9_then_restart_keeps_data_and_one_redis(
    start_server: StartServer, tmp_path: Path, valkey_processes: ValkeyProcesses
) -> None:
    first = start_server(data_dir=tmp_path, embedded_redis=True)
    with redis.Redis.from_url(embedded_redis_url(tmp_path)) as r:
        # Acknowledged by the server before the crash: appendfsync always must keep it.
        r.set("acknowledged-before-crash", "đã ghi")
        r.xadd("meeting:{crash}:log", {"seq": "1"})

    first.kill()
    assert wait_until(lambda: valkey_processes(tmp_path) == []), (
        "the embedded valkey-server outlived run.py's kill -9"
    )

    second = start_server(data_dir=tmp_path, embedded_redis=True)
    assert httpx.get(f"{second.base_url}/healthz", timeout=5).status_code == 200
    running = valkey_processes(tmp_path)
    assert len(running) == 1 and running[0].ppid() == second.pid
    with redis.Redis.from_url(embedded_redis_url(tmp_path)) as r:
        assert r.get("acknowledged-before-crash") == "đã ghi".encode()
        assert r.xlen("meeting:{crash}:log") == 1


def test_sigterm_exits_cleanly_and_stops_redis(
    start_server: StartServer, tmp_path: Path, valkey_processes: ValkeyProcesses
) -> None:
    server = start_server(data_dir=tmp_path, embedded_redis=True)
    assert len(valkey_processes(tmp_path)) == 1
    assert server.terminate() == 0, server.output()
    assert valkey_processes(tmp_path) == []
    # The graceful path ran: valkey logged its own shutdown rather than being killed.
    assert "ready to exit" in (tmp_path / "redis" / "valkey.log").read_text()


def test_two_processes_share_one_external_redis(
    start_server: StartServer, redis_db: redis.Redis
) -> None:
    first = start_server()
    second = start_server()
    assert first.port != second.port
    for server in (first, second):
        assert httpx.get(f"{server.base_url}/healthz", timeout=5).status_code == 200
    # With REDIS_URL set, run.py must not start a Redis of its own.
    assert not (first.data_dir / "redis").exists()
    assert not (second.data_dir / "redis").exists()
