"""Real servers for tests: one valkey-server per session and phonghop processes on free ports.

Fixtures:

- `redis_url` (session): URL of a real Redis. `$REDIS_URL` if set, else an embedded
  valkey-server in a temporary directory, stopped at the end of the session.
- `redis_db`: a sync `redis.Redis` client on `redis_url` after FLUSHALL, so the test starts
  from an empty store (tests run serially; never point REDIS_URL at data you want to keep).
- `settings`: `Settings` for an in-process app (`TestClient(create_app(settings))`) on a
  clean `redis_db`, with `data_dir=tmp_path` and the admin token below.
- `server_key_file` (session): the one key file (server/keys.py) that `settings` and every
  `start_server` process use, as processes serving one Redis must; `server_signer()` gives
  the token signer of it, to issue tokens as the servers do.
- `admin_headers`: `{"Authorization": "Bearer test-admin-token"}`.
- `start_server`: a factory that runs `python run.py serve` as a real subprocess on a free
  port against `redis_url` and returns a `ServerProcess` once `GET /healthz` answers 200.
  Two calls give two processes on the same Redis; all are stopped at teardown. It does not
  flush Redis: request `redis_db` too for a clean store.
- `valkey_processes`: a function `(data_dir) -> list[psutil.Process]` of the valkey-server
  processes serving `data_dir/redis/`, found with psutil independently of the code under test.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import httpx
import psutil
import pytest
import redis

from server.auth import Signer, signer_for
from server.config import Settings
from server.embedded_cluster import EmbeddedCluster
from server.embedded_redis import EmbeddedRedis
from server.keys import read_key_file

ROOT = Path(__file__).resolve().parent.parent
RUN_PY = ROOT / "run.py"
ADMIN_TOKEN = "test-admin-token"
STARTUP_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    # PHONGHOP_TEST_REDIS=cluster runs the whole suite against a local 3-master Redis Cluster
    # made from the same binary (a benchmark-style check, see docs/performance.md).
    server: EmbeddedRedis | EmbeddedCluster
    if os.environ.get("PHONGHOP_TEST_REDIS") == "cluster":
        server = EmbeddedCluster(tmp_path_factory.mktemp("session-cluster"))
    else:
        # everysec: tests never crash the session server, and fsync on every write slows them.
        server = EmbeddedRedis(tmp_path_factory.mktemp("session-redis"), appendfsync="everysec")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def redis_db(redis_url: str) -> Iterator[redis.Redis]:
    plain = redis.Redis.from_url(redis_url)
    client: redis.Redis = plain
    if plain.info("cluster").get("cluster_enabled"):
        plain.close()
        client = redis.RedisCluster.from_url(redis_url)  # type: ignore[assignment]
    try:
        if isinstance(client, redis.RedisCluster):
            client.flushall(target_nodes=redis.RedisCluster.PRIMARIES)
        else:
            client.flushall()
        yield client
    finally:
        client.close()


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="session")
def server_key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server-keys") / "server.key"


def server_signer(key_file: Path) -> Signer:
    """The signer of the servers that use ``key_file`` (one of them must have started)."""
    return signer_for(read_key_file(key_file))


@pytest.fixture
def settings(
    redis_url: str, redis_db: redis.Redis, tmp_path: Path, server_key_file: Path
) -> Settings:
    return Settings(redis_url=redis_url, data_dir=tmp_path, admin_token=ADMIN_TOKEN,
                    key_file=server_key_file)


class ServerProcess:
    """A `python run.py serve` subprocess; its output goes to `log_path`."""

    def __init__(
        self, proc: subprocess.Popen[bytes], port: int, data_dir: Path, log_path: Path
    ) -> None:
        self.proc = proc
        self.port = port
        self.data_dir = data_dir
        self.log_path = log_path
        self.base_url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> int:
        """SIGKILL, as a crash would; returns the exit status."""
        self.proc.kill()
        return self.proc.wait(10)

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait for a clean exit; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def wait_healthy(self, timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        with httpx.Client(timeout=2.0) as client:
            while True:
                code = self.proc.poll()
                if code is not None:
                    raise RuntimeError(
                        f"run.py exited with {code} before /healthz answered; output:\n"
                        + self.output()
                    )
                try:
                    response = client.get(f"{self.base_url}/healthz")
                    if response.status_code == 200:
                        return
                    last = f"HTTP {response.status_code}: {response.text[:200]}"
                except httpx.HTTPError as exc:
                    last = repr(exc)
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"run.py on port {self.port} gave no /healthz 200 within {timeout:g}s "
                        f"(last: {last}); output:\n" + self.output()
                    )
                time.sleep(0.1)


class StartServer(Protocol):
    def __call__(
        self,
        *,
        data_dir: Path | None = None,
        args: Sequence[str] = (),
        env: Mapping[str, str | None] | None = None,
        embedded_redis: bool = False,
        wait: bool = True,
    ) -> ServerProcess: ...


@pytest.fixture
def start_server(
    redis_url: str, tmp_path_factory: pytest.TempPathFactory, server_key_file: Path
) -> Iterator[StartServer]:
    """Start `run.py serve`; `embedded_redis=True` unsets REDIS_URL so it runs its own.

    Every process gets `PHONGHOP_KEY_FILE=server_key_file` (pass it as None in `env` for the
    default, `DATA_DIR/keys/server.key`).

    `env` entries override the environment; a None value removes the variable.
    """
    started: list[ServerProcess] = []

    def start(
        *,
        data_dir: Path | None = None,
        args: Sequence[str] = (),
        env: Mapping[str, str | None] | None = None,
        embedded_redis: bool = False,
        wait: bool = True,
    ) -> ServerProcess:
        data_dir = data_dir or tmp_path_factory.mktemp("server-data")
        port = free_port()
        child_env = dict(os.environ)
        child_env.update(
            REDIS_URL=redis_url, PHONGHOP_ADMIN_TOKEN=ADMIN_TOKEN, PYTHONUNBUFFERED="1",
            PHONGHOP_KEY_FILE=str(server_key_file),
        )
        if embedded_redis:
            del child_env["REDIS_URL"]
        for key, value in (env or {}).items():
            if value is None:
                child_env.pop(key, None)
            else:
                child_env[key] = value
        log_path = tmp_path_factory.mktemp("server-log") / "run.log"
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, str(RUN_PY), "serve", "--port", str(port),
                 "--data-dir", str(data_dir), *args],
                cwd=ROOT,
                env=child_env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = ServerProcess(proc, port, data_dir, log_path)
        started.append(server)
        if wait:
            server.wait_healthy()
        return server

    yield start

    for server in started:
        if server.proc.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.terminate(10)
        if server.proc.poll() is None:
            server.kill()


@pytest.fixture
def valkey_processes() -> Callable[[Path], list[psutil.Process]]:
    def find(data_dir: Path) -> list[psutil.Process]:
        redis_dir = os.path.realpath(data_dir / "redis")
        found = []
        for proc in psutil.process_iter():
            with contextlib.suppress(psutil.Error):
                if "valkey-server" in proc.name() and os.path.realpath(proc.cwd()) == redis_dir:
                    found.append(proc)
        return found

    return find
