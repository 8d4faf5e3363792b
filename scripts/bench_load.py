"""How a meeting with a long log behaves on restart and on export (issue 17): (a) the time from a
delegate's WebSocket connect to its snapshot on a freshly started server, from the checkpoint
and without one; (b) the longest `/healthz` answer (polled every 20 ms by a process of its own,
scripts/healthz_poller.py) while the meeting loads and while `log.json` is downloaded; (c) the
server's RSS before and after 8 exports (`--exports`).

    python -m scripts.bench_load                 # 100,000 events, 1,000 delegates
    python -m scripts.bench_load --events 20000 --repeat 1

It starts an embedded Redis and `run.py serve` processes itself; the log is written straight
into Redis (tests/big_log.py `write_fast`). Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx
import psutil
import websockets

from server.app import open_redis
from server.embedded_redis import EmbeddedRedis
from server.store import Store
from tests import big_log

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "bench-admin-token-0123456789abcdef"
MEETING = "big"


class Server:
    def __init__(self, redis_url: str, data: Path, port: int) -> None:
        env = {**os.environ, "REDIS_URL": redis_url, "PHONGHOP_ADMIN_TOKEN": ADMIN,
               "PHONGHOP_KEY_FILE": str(data / "server.key")}
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(data / f"server-{port}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "serve", "--port", str(port),
             "--data-dir", str(data / "var")],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    async def wait_healthy(self) -> None:
        async with httpx.AsyncClient(base_url=self.base) as http:
            for _ in range(300):
                with suppress(httpx.HTTPError):
                    if (await http.get("/healthz")).status_code == 200:
                        return
                await asyncio.sleep(0.1)
        raise RuntimeError("the server did not start")

    def rss_mib(self) -> float:
        return float(psutil.Process(self.proc.pid).memory_info().rss) / 2**20

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        self.log.close()


async def stalls_while(base: str, work: Callable[[], Awaitable[Any]]) -> tuple[Any, float]:
    """Run `work` while another process polls /healthz every 20 ms; its result and the longest
    answer, ms. The poller has a process of its own: sharing this event loop with a download
    that parses 20 MB, it measured this process's stalls as well as the server's."""
    poller = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scripts.healthz_poller", base, cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert poller.stdin is not None and poller.stdout is not None
    if (await poller.stdout.readline()).strip() != b"polling":  # its connection is open
        raise RuntimeError("the /healthz poller did not start")
    try:
        result = await work()
    finally:
        poller.stdin.close()  # end of input: it stops and prints the longest answer
        longest = float((await poller.stdout.read()).strip() or "nan")
        await poller.wait()
    return result, longest


async def first_snapshot(base: str, token: str) -> float:
    """Seconds from opening the WebSocket to the snapshot (the meeting loads meanwhile)."""
    started = time.perf_counter()
    async with websockets.connect(f"ws{base[4:]}/ws/{MEETING}", max_size=2**26,
                                  subprotocols=["phonghop.v1.json"]) as ws:  # type: ignore[list-item]
        await ws.send(json.dumps({"v": 1, "type": "hello", "token": token}))
        while json.loads(await ws.recv())["type"] != "snapshot":
            pass
    return time.perf_counter() - started


async def export(base: str) -> int:
    size = 0
    async with (httpx.AsyncClient(base_url=base, timeout=120,
                                  headers={"Authorization": f"Bearer {ADMIN}"}) as http,
                http.stream("GET", f"/api/meetings/{MEETING}/log.json") as resp):
        async for chunk in resp.aiter_bytes():
            size += len(chunk)
    return size


async def restart(redis_url: str, data: Path, port: int, *, checkpoint: bool,
                  token: str) -> tuple[float, float]:
    """A fresh server, the meeting's first snapshot: seconds, and the longest /healthz, ms."""
    client = await open_redis(redis_url)
    if not checkpoint:
        await client.delete(f"ph:{{{MEETING}}}:checkpoint")
    await client.aclose()
    server = Server(redis_url, data, port)
    try:
        await server.wait_healthy()
        return await stalls_while(server.base, lambda: first_snapshot(server.base, token))
    finally:
        server.stop()


async def checkpoint_written(redis_url: str, seq: int) -> None:
    """Wait for the background checkpoint of the whole log."""
    client = await open_redis(redis_url)
    try:
        for _ in range(600):
            if await client.hget(f"ph:{{{MEETING}}}:checkpoint", "seq") == str(seq).encode():
                return
            await asyncio.sleep(0.1)
        raise RuntimeError("no checkpoint was written")
    finally:
        await client.aclose()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    data = Path(tempfile.mkdtemp(prefix="bench-load-"))
    redis = EmbeddedRedis(data / "redis", appendfsync="everysec")
    redis_url = redis.start()
    out: dict[str, Any] = {"events": args.events, "delegates": args.delegates}
    try:
        client = await open_redis(redis_url)
        await big_log.write_fast(Store(client), MEETING, delegates=args.delegates,
                                 count=args.events)
        await client.aclose()
        # A first server folds the whole log once, writes the checkpoint, hands out a token.
        server = Server(redis_url, data, args.port)
        await server.wait_healthy()
        async with httpx.AsyncClient(base_url=server.base, timeout=300,
                                     headers={"Authorization": f"Bearer {ADMIN}"}) as http:
            people = (await http.get(f"/api/meetings/{MEETING}/participants")).json()
        token = next(p["join_url"].rsplit("/j/", 1)[1] for p in people["participants"]
                     if p["role"] == "delegate")
        await checkpoint_written(redis_url, args.events)
        server.stop()
        for name, checkpoint in (("checkpoint", True), ("full_fold", False)):
            runs = [await restart(redis_url, data, args.port, checkpoint=checkpoint, token=token)
                    for _ in range(args.repeat)]
            out[f"snapshot_s_{name}"] = [round(s, 3) for s, _ in runs]
            out[f"healthz_max_ms_load_{name}"] = [round(ms, 1) for _, ms in runs]
        out.update(await exports(redis_url, data, args.port, token, args.exports))
    finally:
        redis.stop()
    return out


async def exports(redis_url: str, data: Path, port: int, token: str,
                  count: int) -> dict[str, Any]:
    server = Server(redis_url, data, port)
    try:
        await server.wait_healthy()
        await first_snapshot(server.base, token)  # loaded, so the exports measure exporting
        before = server.rss_mib()
        stalls, sizes, seconds = [], [], []
        for _ in range(count):
            started = time.perf_counter()
            size, stall = await stalls_while(server.base, lambda: export(server.base))
            seconds.append(time.perf_counter() - started)
            stalls.append(round(stall, 1))
            sizes.append(size)
        async with httpx.AsyncClient(base_url=server.base) as http:
            metrics = (await http.get("/metrics")).text
        # Present once the process has seen a collection (server/metrics.py on_gc).
        gc_pause = next((round(float(line.split()[-1]) * 1000, 1) for line in metrics.splitlines()
                         if line.startswith("phonghop_gc_longest_pause_seconds")), None)
        return {"gc_longest_pause_ms": gc_pause,
                "export_bytes": sizes[0], "export_s_median": round(statistics.median(seconds), 2),
                "healthz_max_ms_export": stalls, "rss_mib_before_exports": round(before, 1),
                "rss_mib_after_exports": round(server.rss_mib(), 1)}
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--delegates", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--exports", type=int, default=8, help="downloads of log.json")
    parser.add_argument("--port", type=int, default=18917)
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    result = asyncio.run(run(args))
    for key, value in result.items():
        print(f"{key:>28}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
