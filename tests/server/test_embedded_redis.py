"""The embedded valkey-server: start, durability across restarts, orphans, failure reports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest
import redis

from server.embedded_redis import (
    EmbeddedRedis,
    EmbeddedRedisError,
    configured_url,
    server_binary,
)

pytestmark = pytest.mark.redis

ValkeyProcesses = Callable[[Path], list[psutil.Process]]


def client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def answers(url: str) -> bool:
    try:
        with client(url) as r:
            return r.ping() is True
    except redis.ConnectionError:
        return False


def config_port(config_path: Path) -> int:
    for line in config_path.read_text().splitlines():
        key, _, value = line.partition(" ")
        if key == "port":
            return int(value)
    raise AssertionError(f"no port in {config_path}")


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    # Whatever a test left behind on its directory must not outlive it.
    root = tmp_path.resolve()
    for proc in psutil.process_iter(["name"]):
        try:
            if proc.info["name"] == "valkey-server" and Path(proc.cwd()).is_relative_to(root):
                proc.kill()
        except psutil.Error:
            pass


def test_start_answers_ping_with_durable_loopback_config(data_dir: Path) -> None:
    with EmbeddedRedis(data_dir) as server:
        url = urlsplit(server.url)
        assert (url.scheme, url.hostname) == ("redis", "127.0.0.1")
        assert url.password == (data_dir / "redis" / "valkey.password").read_text()
        with client(server.url) as r:
            assert r.ping() is True
            config = r.config_get("*")
    assert config["appendonly"] == "yes"
    assert config["appendfsync"] == "always"
    assert config["bind"] == "127.0.0.1"
    assert config["protected-mode"] == "yes"
    assert config["daemonize"] == "no"
    assert Path(config["dir"]).resolve() == (data_dir / "redis").resolve()
    assert (data_dir / "redis" / "valkey.log").read_text().strip()


def test_data_survives_stop_and_start_on_the_same_dir(
    data_dir: Path, valkey_processes: ValkeyProcesses
) -> None:
    first = EmbeddedRedis(data_dir)
    with client(first.start()) as r:
        r.set("meeting:{m1}:title", "Đại hội đại biểu")
        r.xadd("meeting:{m1}:log", {"kind": "opened"})
    first.stop()
    assert valkey_processes(data_dir) == []
    assert list((data_dir / "redis" / "appendonlydir").iterdir())

    with EmbeddedRedis(data_dir) as second, client(second.url) as r:
        assert r.get("meeting:{m1}:title") == "Đại hội đại biểu".encode()
        assert r.xlen("meeting:{m1}:log") == 1


def test_appendfsync_is_a_parameter(data_dir: Path) -> None:
    with EmbeddedRedis(data_dir, appendfsync="everysec") as server, client(server.url) as r:
        assert r.config_get("appendfsync") == {"appendfsync": "everysec"}
    with pytest.raises(ValueError):
        EmbeddedRedis(data_dir, appendfsync="sometimes")


def test_a_fixed_port_is_used(data_dir: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with EmbeddedRedis(data_dir, port=port) as server:
        url = urlsplit(server.url)
        assert (url.hostname, url.port, url.path) == ("127.0.0.1", port, "/0")
        with client(server.url) as r:
            assert r.ping() is True


def test_stale_server_on_the_data_dir_is_replaced(
    data_dir: Path, valkey_processes: ValkeyProcesses
) -> None:
    # A server whose owner died without taking it along, as when no PR_SET_PDEATHSIG applies:
    # the binary started directly on the config EmbeddedRedis wrote, in its own session.
    setup = EmbeddedRedis(data_dir)
    setup.start()
    setup.stop()
    stale = subprocess.Popen(
        [str(server_binary()), str(setup.config_path)],
        cwd=data_dir / "redis",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        stale_url = configured_url(data_dir)
        assert stale_url is not None
        assert urlsplit(stale_url).port == config_port(setup.config_path)
        # valkey writes its pidfile before it listens: wait for an answer, not for the file.
        assert wait_for(lambda: answers(stale_url)), "the stale server never answered"
        with client(stale_url) as r:
            r.set("written-before-crash", "1")
        assert [p.pid for p in valkey_processes(data_dir)] == [stale.pid]

        with EmbeddedRedis(data_dir) as server:
            assert stale.wait(10) is not None
            running = valkey_processes(data_dir)
            assert [p.pid for p in running] == [server.pid]
            with client(server.url) as r:
                assert r.get("written-before-crash") == b"1"
        assert valkey_processes(data_dir) == []
    finally:
        if stale.poll() is None:
            stale.kill()
            stale.wait()


def test_stale_pidfile_of_an_unrelated_process_is_left_alone(data_dir: Path) -> None:
    (data_dir / "redis").mkdir()
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (data_dir / "redis" / "valkey.pid").write_text(f"{bystander.pid}\n")
        with EmbeddedRedis(data_dir) as server, client(server.url) as r:
            assert r.ping() is True
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_server_dies_with_its_owner_when_the_owner_is_killed(
    data_dir: Path, valkey_processes: ValkeyProcesses
) -> None:
    owner_script = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from server.embedded_redis import EmbeddedRedis
        server = EmbeddedRedis(Path(sys.argv[1]))
        print(server.start(), server.pid, flush=True)
        time.sleep(120)
        """
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", owner_script, str(data_dir)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    url, pid = owner.stdout.readline().split()
    with client(url) as r:
        r.set("acknowledged", "yes")
    assert [p.pid for p in valkey_processes(data_dir)] == [int(pid)]

    os.kill(owner.pid, signal.SIGKILL)
    owner.wait(10)
    owner.stdout.close()
    assert wait_for(lambda: valkey_processes(data_dir) == []), "valkey outlived its owner"

    with EmbeddedRedis(data_dir) as server, client(server.url) as r:
        assert r.get("acknowledged") == b"yes"
        assert [p.pid for p in valkey_processes(data_dir)] == [server.pid]


def test_two_owners_never_share_a_data_dir(
    data_dir: Path, valkey_processes: ValkeyProcesses
) -> None:
    with EmbeddedRedis(data_dir) as first:
        with pytest.raises(EmbeddedRedisError, match="in use"):
            EmbeddedRedis(data_dir).start()
        assert [p.pid for p in valkey_processes(data_dir)] == [first.pid]
        with client(first.url) as r:
            assert r.ping() is True


def test_start_failure_reports_the_valkey_log(data_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = EmbeddedRedis(data_dir, port=taken.getsockname()[1], start_timeout=10)
        with pytest.raises(EmbeddedRedisError) as failure:
            server.start()
    assert "Address already in use" in str(failure.value)
    assert server.process is None
    # The failed start released the data dir.
    with EmbeddedRedis(data_dir) as again, client(again.url) as r:
        assert r.ping() is True


def raw_command(port: int, command: bytes) -> bytes:
    """A client that knows no password, speaking plain RESP."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(command)
        return sock.recv(256)


def test_a_client_without_the_password_is_refused(data_dir: Path) -> None:
    with EmbeddedRedis(data_dir) as server:
        port = urlsplit(server.url).port
        assert port is not None
        for command in (b"PING\r\n", b"GET ph:admin\r\n", b"CONFIG GET requirepass\r\n"):
            assert raw_command(port, command).startswith(b"-NOAUTH"), command
        assert raw_command(port, b"AUTH wrong-password\r\n").startswith(b"-WRONGPASS")
        with client(server.url) as r:
            assert r.ping() is True
            assert r.config_get("bind")["bind"] == "127.0.0.1"
        # The password survives a restart, so URLs handed to the tools stay valid.
        first_url = server.url
    with EmbeddedRedis(data_dir) as again:
        assert urlsplit(again.url).password == urlsplit(first_url).password


def test_every_directory_is_0700_and_every_file_0600_after_writes(data_dir: Path) -> None:
    with EmbeddedRedis(data_dir) as server, client(server.url) as r:
        for i in range(100):
            r.set(f"k{i}", "v" * 100)
        r.save()  # an RDB file too, as a backup or a replica's sync would make
        r.bgrewriteaof()  # a new base and incremental AOF files
        assert wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0)
        r.set("after-rewrite", "1")
    redis_dir = data_dir / "redis"
    seen = {p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*")}
    assert {"redis/appendonlydir", "redis/valkey.conf", "redis/valkey.password",
            "redis/valkey.log", "redis/dump.rdb"} <= seen, seen
    assert any(name.endswith(".incr.aof") for name in seen), seen
    assert stat_mode(data_dir) == 0o700
    for path in [redis_dir, *redis_dir.rglob("*")]:
        expected = 0o700 if path.is_dir() else 0o600
        assert stat_mode(path) == expected, (path, oct(stat_mode(path)))


def test_files_an_older_version_left_readable_are_tightened(data_dir: Path) -> None:
    with EmbeddedRedis(data_dir) as server, client(server.url) as r:
        r.set("k", "v")
    loose = [data_dir, data_dir / "redis", data_dir / "redis" / "appendonlydir"]
    for path in [*loose, *(data_dir / "redis" / "appendonlydir").iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    with EmbeddedRedis(data_dir) as server, client(server.url) as r:
        assert r.get("k") == b"v"
    for path in [*loose, *(data_dir / "redis").rglob("*")]:
        assert stat_mode(path) == (0o700 if path.is_dir() else 0o600), path


def stat_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
