"""The system under load: an embedded Redis and ``run.py serve`` processes started by the
harness (or an already running server given with ``--target``), a meeting with a generated
roster created through the HTTP API, and the CPU and memory of the server processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

ROOT = Path(__file__).resolve().parent.parent
RUN_PY = ROOT / "run.py"
ADMIN_TOKEN = "load-test-admin-token"
STARTUP_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: bytes | dict[str, Any] | None = None,
    timeout: float = 60.0,
) -> Any:
    """One JSON HTTP call (stdlib only, so the harness needs no extra client)."""
    data: bytes | None
    headers = {}
    if isinstance(body, dict):
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    else:
        data = body
        if body is not None:
            headers["Content-Type"] = "text/csv; charset=utf-8"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"{method} {url}: HTTP {exc.code}: {exc.read()[:500]!r}") from None


def pin(pid: int, cpus: set[int] | None) -> None:
    if cpus is not None and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, cpus)


@dataclass
class ServerProc:
    """One ``run.py serve`` subprocess."""

    proc: subprocess.Popen[bytes] | None
    port: int
    data_dir: Path
    log_path: Path
    host: str = "127.0.0.1"
    pid_override: int | None = None

    @property
    def pid(self) -> int:
        if self.pid_override is not None:
            return self.pid_override
        assert self.proc is not None
        return self.proc.pid

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def wait_healthy(self, timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"run.py exited with {self.proc.returncode}; see {self.log_path}:\n"
                    + self.log_path.read_text(errors="replace")[-3000:]
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError) as exc:
                last = repr(exc)
            time.sleep(0.1)
        raise RuntimeError(f"server on port {self.port} not healthy in {timeout}s ({last})")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def terminate(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@dataclass
class Meeting:
    id: str
    chair_token: str
    delegate_tokens: list[str]
    delegate_ids: list[str]


@dataclass
class Target:
    """Redis plus one or more phonghop processes; a context manager that stops what it
    started."""

    nodes: int = 1
    external_url: str | None = None
    server_cpus: set[int] | None = None
    appendfsync: str = "always"
    work_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="phonghop-load-")))
    servers: list[ServerProc] = field(default_factory=list)
    redis: Any = None
    redis_url: str = ""
    admin_token: str = ADMIN_TOKEN
    env: dict[str, str] = field(default_factory=dict)  # extra environment of run.py

    # ---- lifecycle ---------------------------------------------------------------------

    def __enter__(self) -> Target:
        if self.external_url:
            parts = urlsplit(self.external_url)
            port = parts.port or 80
            self.admin_token = os.environ.get("PHONGHOP_ADMIN_TOKEN", ADMIN_TOKEN)
            server = ServerProc(None, port, self.work_dir, self.work_dir / "none.log")
            server.host = parts.hostname or "127.0.0.1"
            server.pid_override = _listening_pid(port)
            self.servers.append(server)
            return self
        self.start_redis()
        for _ in range(self.nodes):
            self.start_server()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for server in self.servers:
            with contextlib.suppress(Exception):
                server.terminate()
        if self.redis is not None:
            with contextlib.suppress(Exception):
                self.redis.stop()

    def start_redis(self) -> str:
        from server.embedded_redis import EmbeddedRedis

        if self.redis is None:
            self.redis = EmbeddedRedis(self.work_dir / "store", appendfsync=self.appendfsync)
        self.redis_url = self.redis.start()
        pin(self.redis.pid, self.server_cpus)
        return self.redis_url

    def kill_redis(self) -> None:
        """SIGKILL the embedded Redis, as a crash would (its AOF is what survives)."""
        proc = self.redis.process
        proc.kill()
        proc.wait(10)
        self.redis.stop()  # releases the data-dir lock; the process is already gone

    def start_server(self, port: int | None = None, index: int | None = None) -> ServerProc:
        index = len(self.servers) if index is None else index
        port = port or free_port()
        data_dir = self.work_dir / f"node{index}"
        data_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.work_dir / f"node{index}.log"
        env = dict(os.environ)
        env.update(
            REDIS_URL=self.redis_url,
            PHONGHOP_ADMIN_TOKEN=self.admin_token,
            PYTHONUNBUFFERED="1",
            # Every node of one Redis signs with the same key (server/keys.py).
            PHONGHOP_KEY_FILE=str(self.work_dir / "server.key"),
            # Every simulated tablet connects from this one address.
            PHONGHOP_MAX_CONN_PER_IP="0",
        )
        env.update(self.env)
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    str(RUN_PY),
                    "serve",
                    "--port",
                    str(port),
                    "--data-dir",
                    str(data_dir),
                ],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        pin(proc.pid, self.server_cpus)
        server = ServerProc(proc, port, data_dir, log_path)
        if index < len(self.servers):
            self.servers[index] = server
        else:
            self.servers.append(server)
        server.wait_healthy()
        return server

    # ---- the meeting -------------------------------------------------------------------

    def create_meeting(self, delegates: int, title: str = "Load test") -> Meeting:
        base = self.servers[0].base_url
        created = http(
            "POST", f"{base}/api/meetings", token=self.admin_token, body={"title": title}
        )
        meeting_id = created["id"]
        rows = [
            "code,full_name,delegation,title,seat,weight,role",
            "CH0001,Chủ tọa Kiểm thử,Đoàn Chủ tịch,,A01,1,chair",
        ]
        for i in range(delegates):
            rows.append(f"D{i:05d},Đại biểu Số {i},Đoàn {i % 40},,{i},1,delegate")
        http(
            "POST",
            f"{base}/api/meetings/{meeting_id}/roster",
            token=self.admin_token,
            body=("\n".join(rows) + "\n").encode(),
        )
        listing = http(
            "GET", f"{base}/api/meetings/{meeting_id}/participants", token=self.admin_token
        )
        chair = ""
        tokens: list[str] = []
        ids: list[str] = []
        for p in listing["participants"]:
            token = p["join_url"].rsplit("/", 1)[1]
            if p["role"] == "chair":
                chair = token
            elif p["role"] == "delegate":
                tokens.append(token)
                ids.append(p["id"])
        return Meeting(meeting_id, chair, tokens, ids)

    def log(self, meeting_id: str) -> dict[str, Any]:
        base = self.servers[0].base_url
        return http("GET", f"{base}/api/meetings/{meeting_id}/log.json", token=self.admin_token)  # type: ignore[no-any-return]

    # ---- measuring ---------------------------------------------------------------------

    def server_pids(self) -> list[int]:
        return [s.pid for s in self.servers if s.pid]

    def redis_pid(self) -> int | None:
        return self.redis.pid if self.redis is not None else None


def _listening_pid(port: int) -> int | None:
    with contextlib.suppress(psutil.Error):
        for conn in psutil.net_connections("tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
                return conn.pid
    return None


class ProcStats:
    """CPU seconds and peak RSS of a set of processes between start() and stop()."""

    def __init__(self, pids: list[int]) -> None:
        self.procs = [psutil.Process(p) for p in pids if p]
        self._cpu0 = 0.0
        self.cpu_s = 0.0
        self.rss_peak = 0
        self.rss_last = 0
        self.rss_start = 0

    def _cpu(self) -> float:
        total = 0.0
        for proc in self.procs:
            with contextlib.suppress(psutil.Error):
                t = proc.cpu_times()
                total += t.user + t.system
        return total

    def rss(self) -> int:
        total = 0
        for proc in self.procs:
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total

    def start(self) -> None:
        self._cpu0 = self._cpu()
        self.sample()
        self.rss_start = self.rss_last

    def sample(self) -> None:
        self.rss_last = self.rss()
        self.rss_peak = max(self.rss_peak, self.rss_last)

    def stop(self) -> None:
        self.sample()
        self.cpu_s = self._cpu() - self._cpu0


def server_counters(base_url: str) -> dict[str, float]:
    """Counters from the server's /metrics that explain a burst: garbage collections and
    their seconds by generation (a collection pauses every connection of the process), and
    the batched ballot writes (calls and writes)."""
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=10) as response:
        text = response.read().decode()
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(("phonghop_guard_batches_total", "phonghop_guard_batched_writes")):
            name, value = line.rsplit(" ", 1)
            out[name.removeprefix("phonghop_guard_").removesuffix("_total")] = float(value)
        if line.startswith(("phonghop_gc_collections_total", "phonghop_gc_seconds_total")):
            name, value = line.rsplit(" ", 1)
            gen = name.split('"')[1]
            kind = "collections" if "collections" in name else "seconds"
            out[f"{kind}_gen{gen}"] = float(value)
    return out


def new_run_id() -> str:
    return secrets.token_hex(3)
