"""An anonymous client on the network (#14 item 7): big frames, half-sent headers, too many
connections from one address, too many sessions of one token. Real run.py processes."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import resource
import socket
import struct
import threading
import time
from collections.abc import Iterator

import httpx
import psutil
import pytest
import redis

from protocol.errors import CloseCode
from tests.conftest import StartServer
from tests.support import Client, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]

BIG_FRAME = 16 * 1024 * 1024
CHUNK = bytes(64 * 1024)
RSS_LIMIT = 300 * 1024 * 1024


def upgrade(port: int, path: str, origin: str | None = None) -> socket.socket:
    """A raw socket after a WebSocket handshake on ``path``."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
             "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, f"closed during the handshake: {head!r}"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def send_big_frame(sock: socket.socket, start: threading.Barrier) -> int | None:
    """Send one 16 MiB text frame (masked with a zero key: the payload goes as is); return the
    close code the server answered with, or None if it just cut the connection."""
    header = struct.pack("!BBQ", 0x81, 0x80 | 127, BIG_FRAME) + bytes(4)
    start.wait()
    with contextlib.suppress(OSError):
        sock.sendall(header)
        for _ in range(BIG_FRAME // len(CHUNK)):
            sock.sendall(CHUNK)
    with contextlib.suppress(OSError):
        sock.settimeout(10)
        reply = sock.recv(64)
        if len(reply) >= 4 and reply[0] == 0x88:
            return int(struct.unpack("!H", reply[2:4])[0])
    return None


@contextlib.contextmanager
def peak_rss(pid: int) -> Iterator[list[int]]:
    """Sample the resident memory of ``pid`` until the block ends; yields [peak]."""
    proc = psutil.Process(pid)
    peak = [proc.memory_info().rss]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            with contextlib.suppress(psutil.Error):
                peak[0] = max(peak[0], proc.memory_info().rss)
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def test_forty_16_mib_frames_before_hello_are_refused_while_read(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, _ = make_meeting(server.base_url, admin_headers)
    sockets = [upgrade(server.port, f"/ws/{meeting}") for _ in range(40)]
    start = threading.Barrier(len(sockets))
    codes: list[int | None] = [None] * len(sockets)

    def run(i: int) -> None:
        codes[i] = send_big_frame(sockets[i], start)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sockets))]
    with peak_rss(server.pid) as peak:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    for sock in sockets:
        sock.close()
    assert peak[0] < RSS_LIMIT, f"server grew to {peak[0] / 2**20:.0f} MiB"
    # Each was told why, with the protocol's "too big", or cut off mid-frame.
    assert set(codes) <= {CloseCode.MESSAGE_TOO_BIG, None}, codes
    assert CloseCode.MESSAGE_TOO_BIG in codes, codes
    assert httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 200


def raise_own_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        assert hard == resource.RLIM_INFINITY or hard >= needed, "the hard fd limit is too low"
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def half_sent(port: int, count: int) -> list[socket.socket]:
    opened = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        opened.append(sock)
    return opened


def closed_by_server(sock: socket.socket, timeout: float) -> bool:
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_half_sent_headers_do_not_exhaust_file_descriptors(
    start_server: StartServer, redis_db: redis.Redis
) -> None:
    # The server starts with the usual soft limit of 1,024 descriptors; the test needs more.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, soft), hard))
    try:
        server = start_server(env={"PHONGHOP_HEADER_TIMEOUT": "3"})
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    raise_own_fd_limit(4096)
    flood = half_sent(server.port, 1100)
    try:
        started = time.monotonic()
        answer = httpx.get(f"{server.base_url}/healthz", timeout=10)
        assert answer.status_code == 200
        # And the header timeout closes them: the first one, oldest, within its 3 s.
        assert closed_by_server(flood[0], 15)
        assert time.monotonic() - started < 15
    finally:
        for sock in flood:
            sock.close()


def test_connections_per_address_are_capped(
    start_server: StartServer, redis_db: redis.Redis
) -> None:
    server = start_server(env={"PHONGHOP_MAX_CONN_PER_IP": "20"})
    flood = half_sent(server.port, 20)
    try:
        extra = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        with extra:
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert closed_by_server(extra, 10), "a 21st connection from one address was served"
    finally:
        for sock in flood:
            sock.close()
    # Once they are gone, the address is welcome again.
    deadline = time.monotonic() + 10
    while True:
        try:
            assert httpx.get(f"{server.base_url}/healthz", timeout=5).status_code == 200
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_a_sixth_session_of_one_token_closes_the_oldest(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    token = token_of(next(p for p in people.values() if p["role"] == "delegate"))

    async def scenario() -> None:
        clients = [Client(server.ws_url, meeting, token) for _ in range(6)]
        for client in clients[:5]:
            await client.connect()
        for client in clients[:5]:
            assert client.close_code is None
        await clients[5].connect()
        await clients[0].wait_for(lambda: clients[0].close_code is not None, 10)
        assert clients[0].close_code == CloseCode.SESSION_LIMIT
        for client in clients[1:]:
            assert client.close_code is None
            assert (await client.command("ping.nothing"))["type"] == "error"  # still served
        for client in clients[1:]:
            await client.close()

    asyncio.run(scenario())


def test_staff_and_devices_are_not_capped_like_a_delegate(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    # The desk open on several laptops, or kiosks at several doors, share one credential.
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    token = token_of(next(p for p in people.values() if p["role"] == "secretary"))

    async def scenario() -> None:
        clients = [Client(server.ws_url, meeting, token) for _ in range(8)]
        for client in clients:
            await client.connect()
        for client in clients:
            assert client.close_code is None
            assert (await client.command("ping.nothing"))["type"] == "error"  # still served
            await client.close()

    asyncio.run(scenario())
