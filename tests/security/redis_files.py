"""Redis's files read back the way a reader of a backup would: the append-only file parsed
into the commands it replays, and an RDB dump loaded by a real Valkey (the same binary the
server runs), so that compressed or listpack-encoded values are seen as Redis sees them and
not as raw bytes on disk."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import redis

from server.embedded_redis import server_binary
from tests.conftest import free_port


def resp_commands(data: bytes) -> Iterator[list[bytes]]:
    """The commands of an AOF file: RESP arrays of bulk strings, one after the other."""
    pos = 0
    while pos < len(data):
        assert data[pos:pos + 1] == b"*", f"not a RESP array at byte {pos}"
        end = data.index(b"\r\n", pos)
        count, pos = int(data[pos + 1:end]), end + 2
        args = []
        for _ in range(count):
            assert data[pos:pos + 1] == b"$", f"not a bulk string at byte {pos}"
            end = data.index(b"\r\n", pos)
            size, pos = int(data[pos + 1:end]), end + 2
            args.append(data[pos:pos + size])
            pos += size + 2
        yield args


def aof_files(data_dir: Path) -> list[Path]:
    manifest = sorted((data_dir / "redis").rglob("*.manifest"))
    assert manifest, "no append-only file manifest was written"
    return sorted(manifest[0].parent.glob("*.aof*"))


def aof_commands(data_dir: Path) -> list[list[bytes]]:
    """Every command the AOF would replay, from its RESP parts. A base written in RDB form
    (the preamble Valkey writes on a rewrite) is read by `rdb_values` instead."""
    out: list[list[bytes]] = []
    for path in aof_files(data_dir):
        if path.name.endswith(".aof"):
            out.extend(resp_commands(path.read_bytes()))
    return out


def flatten(value: Any) -> Iterator[bytes]:
    """Every byte string inside a value as redis-py returns it (dicts, lists, tuples)."""
    if isinstance(value, bytes):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from flatten(k)
            yield from flatten(v)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from flatten(item)
    elif value is not None:
        yield str(value).encode()


def key_values(r: redis.Redis, pattern: str = "*") -> dict[bytes, list[bytes]]:
    """Every key matching the pattern with every byte string it holds, read by type."""
    readers: dict[bytes, Callable[[bytes], Any]] = {
        b"string": r.get, b"hash": r.hgetall, b"set": r.smembers, b"stream": r.xrange,
        b"list": lambda k: r.lrange(k, 0, -1),
        b"zset": lambda k: r.zrange(k, 0, -1, withscores=True),
    }
    out: dict[bytes, list[bytes]] = {}
    for key in r.scan_iter(pattern, count=1000):
        kind = r.type(key)
        assert kind in readers, f"no reader for {kind!r} ({key!r})"
        out[key] = list(flatten(readers[kind](key)))
    return out


def rdb_values(rdb: Path) -> dict[bytes, list[bytes]]:
    """The keys of an RDB file as a fresh Valkey loads them (no AOF, nothing saved back)."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copyfile(rdb, Path(tmp) / "dump.rdb")
        port = free_port()
        proc = subprocess.Popen(
            [str(server_binary()), "--port", str(port), "--bind", "127.0.0.1", "--dir", tmp,
             "--dbfilename", "dump.rdb", "--appendonly", "no", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            with redis.Redis(port=port) as r:
                _wait_loaded(r, proc)
                return key_values(r)
        finally:
            proc.terminate()
            proc.wait(10)


def _wait_loaded(r: redis.Redis, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert proc.poll() is None, "valkey-server refused the RDB file"
        try:
            if r.info("persistence")["loading"] == 0:
                return
        except (redis.ConnectionError, redis.BusyLoadingError):
            pass
        time.sleep(0.05)
    raise AssertionError("valkey-server did not load the RDB file in 20 s")
