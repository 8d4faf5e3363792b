"""``python -m load_tests compare fanout``: the same fan-out, on the same machine, against
phonghop, the python-socketio + Redis peer and the bare websockets floor, interleaved
(A B C, A B C …) after a warm-up round, with the server and its Redis pinned to one core and
the load to the other. Reports every round, the medians and the ratios to the floor.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import msgpack

from load_tests.crowd import Options, drain, local_host, progress, say
from load_tests.report import Result, percentiles, table
from load_tests.session import Tally
from load_tests.target import ROOT, ProcStats, free_port, new_run_id, pin
from load_tests.wsclient import OP_TEXT, WSClientProtocol, connect

TARGETS = ("phonghop", "socketio-peer", "websockets-floor")
# Padding of the peer's and floor's messages, so their frames are about the size of
# phonghop's event frame for the same change (~150 bytes).
PAD = 100


class PlainSession:
    """A client of the floor (msgpack frames) or of the socket.io peer (Engine.IO v4 over a
    WebSocket, Socket.IO packets in msgpack). Messages are numbered by the publisher."""

    def __init__(self, kind: str, tally: Tally, port: int, local: str | None) -> None:
        self.kind = kind
        self.tally = tally
        self.port = port
        self.local = local
        self.last = -1
        self.proto: WSClientProtocol | None = None
        self.ready = asyncio.Event()

    async def connect(self) -> None:
        path = "/" if self.kind == "floor" else "/socket.io/?EIO=4&transport=websocket"
        self.proto = await connect(
            "127.0.0.1",
            self.port,
            path,
            None,
            self._on_message,
            self._on_close,
            local_host=self.local,
            on_open=self._opened,
        )
        if self.kind == "floor":
            self.ready.set()
        await asyncio.wait_for(self.ready.wait(), 30)
        self.tally.connects += 1

    def _opened(self, proto: WSClientProtocol) -> None:
        self.proto = proto

    def _on_close(self, code: int | None) -> None:
        self.tally.count_close(code)

    def _on_message(self, payload: bytes) -> None:
        proto = self.proto
        if self.kind == "floor":
            self._deliver(msgpack.unpackb(payload))
            return
        assert proto is not None
        if proto.opcode == OP_TEXT:
            if payload[:1] == b"0":  # Engine.IO open: join the default namespace
                proto.send_binary(msgpack.packb({"type": 0, "nsp": "/"}))
            elif payload[:1] == b"2":  # Engine.IO ping
                proto.send_text("3")
            return
        packet = msgpack.unpackb(payload)
        if packet.get("type") == 0:
            self.ready.set()
        elif packet.get("type") == 2 and packet.get("data"):
            self._deliver(packet["data"][1])

    def _deliver(self, data: dict[str, Any]) -> None:
        tally = self.tally
        tally.events += 1
        if data.get("run") != tally.run:
            return
        i = data["i"]
        if i <= self.last:
            tally.duplicates += 1
            return
        if i != self.last + 1:
            tally.gaps += 1
        self.last = i
        tally.delivered += 1
        tally.latencies_ms.append((time.time() - data["t"]) * 1000.0)

    def close(self) -> None:
        if self.proto is not None:
            self.proto.close()


def _spawn(
    args: list[str], cpus: set[int] | None, log_path: Path | None = None
) -> subprocess.Popen[bytes]:
    """A Python subprocess of this tree, pinned to ``cpus``."""
    out = open(log_path, "wb") if log_path else None  # noqa: SIM115 - the child keeps it
    proc = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT if out else None,
    )
    if out is not None:
        out.close()
    pin(proc.pid, cpus)
    return proc


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"target exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


async def plain_round(kind: str, opts: Options) -> Result:
    """One fan-out round against the floor ("floor") or the peer ("socketio")."""
    from server.embedded_redis import EmbeddedRedis

    work = Path(tempfile.mkdtemp(prefix=f"phonghop-compare-{kind}-"))
    redis = EmbeddedRedis(work / "store")
    procs: list[subprocess.Popen[bytes]] = []
    sessions: list[PlainSession] = []
    try:
        redis_url = redis.start()
        pin(redis.pid or 0, opts.server_cpus)
        port = free_port()
        module = "floor" if kind == "floor" else "socketio_peer"
        server = _spawn(
            ["-m", f"load_tests.targets.{module}", "--port", str(port), "--redis", redis_url],
            opts.server_cpus,
            work / "server.log",
        )
        procs.append(server)
        _wait_port(port, server)
        tally = Tally(run=new_run_id())
        gate = asyncio.Semaphore(opts.connect_concurrency)
        bar = progress(opts, f"connect {kind}")
        sessions = [
            PlainSession(kind, tally, port, local_host(opts, i)) for i in range(opts.delegates)
        ]

        async def one(session: PlainSession) -> None:
            async with gate:
                await session.connect()
            bar(tally.connects, opts.delegates)

        await asyncio.gather(*(one(s) for s in sessions))
        stats = ProcStats([server.pid])
        redis_stats = ProcStats([redis.pid or 0])
        stats.start()
        redis_stats.start()
        started = time.perf_counter()
        publisher = _spawn(
            [
                "-m",
                "load_tests.targets.publisher",
                kind,
                "--redis",
                redis_url,
                "--rate",
                str(opts.rate),
                "--count",
                str(opts.steps),
                "--run",
                tally.run,
                "--pad",
                str(PAD),
            ],
            opts.load_cpus,
        )
        procs.append(publisher)
        await asyncio.to_thread(publisher.wait)
        expected = opts.steps * opts.delegates
        await drain(opts, tally, expected, sample=stats.sample)
        elapsed = time.perf_counter() - started
        stats.stop()
        redis_stats.stop()
        return Result(
            scenario="fanout",
            target="websockets-floor" if kind == "floor" else "socketio-peer",
            delegates=opts.delegates,
            duration_s=round(elapsed, 2),
            acked=opts.steps if publisher.returncode == 0 else 0,
            lost=0,
            duplicates=tally.duplicates,
            gaps=tally.gaps,
            reach=round(tally.delivered / expected, 6),
            latency_ms=percentiles(tally.latencies_ms),
            deliveries_per_s=round(tally.delivered / elapsed, 1),
            server_cpu_s=round(stats.cpu_s, 3),
            server_rss_mb=round(stats.rss_peak / 2**20, 1),
            server_cpu_us_per_delivery=(
                round(stats.cpu_s * 1e6 / tally.delivered, 2) if tally.delivered else 0.0
            ),
            extra={"redis_cpu_s": round(redis_stats.cpu_s, 3), "closes": dict(tally.closes)},
        )
    finally:
        for session in sessions:
            session.close()
        await asyncio.sleep(0.2)
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        redis.stop()


async def one_round(name: str, opts: Options) -> Result:
    if name == "phonghop":
        from load_tests.fanout import fanout

        return await fanout(opts)
    return await plain_round("floor" if name == "websockets-floor" else "socketio", opts)


async def compare(scenario: str, opts: Options, *, rounds: int = 5) -> dict[str, Any]:
    if scenario != "fanout":
        raise SystemExit("compare supports the fanout scenario (the one all three can run)")
    if opts.server_cpus is None and opts.load_cpus is None and (os.cpu_count() or 1) >= 2:
        opts.server_cpus, opts.load_cpus = {0}, {1}
        os.sched_setaffinity(0, opts.load_cpus)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in TARGETS}
    for round_no in range(rounds + 1):
        for name in TARGETS:
            label = "warm-up" if round_no == 0 else f"round {round_no}/{rounds}"
            say(opts, f"compare: {label}, {name}")
            result = await one_round(name, opts)
            if round_no > 0:
                runs[name].append(result.to_json())
                if not opts.quiet:
                    print(table(result), file=sys.stderr)
    medians: dict[str, dict[str, float]] = {}
    for name, results in runs.items():
        medians[name] = {
            "server_cpu_us_per_delivery": statistics.median(
                r["server_cpu_us_per_delivery"] for r in results
            ),
            "latency_p99_ms": statistics.median(r["latency_ms"]["p99"] for r in results),
            "latency_p50_ms": statistics.median(r["latency_ms"]["p50"] for r in results),
            "reach": statistics.median(r["reach"] for r in results),
            "deliveries_per_s": statistics.median(r["deliveries_per_s"] for r in results),
            "gaps": sum(r["gaps"] for r in results),
            "duplicates": sum(r["duplicates"] for r in results),
        }
    floor = medians["websockets-floor"]

    def ratio(name: str, key: str) -> float:
        return round(medians[name][key] / floor[key], 2) if floor[key] else 0.0

    summary = {
        "scenario": scenario,
        "delegates": opts.delegates,
        "rate_hz": opts.rate,
        "duration_s": opts.duration,
        "rounds": rounds,
        "server_cpus": sorted(opts.server_cpus or []),
        "load_cpus": sorted(opts.load_cpus or []),
        "medians": medians,
        "ratios": {
            "phonghop/floor": {
                "cpu_per_delivery": ratio("phonghop", "server_cpu_us_per_delivery"),
                "p99": ratio("phonghop", "latency_p99_ms"),
            },
            "peer/floor": {
                "cpu_per_delivery": ratio("socketio-peer", "server_cpu_us_per_delivery"),
                "p99": ratio("socketio-peer", "latency_p99_ms"),
            },
        },
        "runs": runs,
    }
    width = max(len(n) for n in TARGETS)
    print(f"{'target'.ljust(width)}  CPU µs/delivery  p50 ms  p99 ms   reach", flush=True)
    for name in TARGETS:
        m = medians[name]
        print(
            f"{name.ljust(width)}  {m['server_cpu_us_per_delivery']:15.2f}  "
            f"{m['latency_p50_ms']:6.1f}  {m['latency_p99_ms']:6.1f}  {m['reach'] * 100:6.2f}%",
            flush=True,
        )
    for key, value in summary["ratios"].items():
        print(f"{key}: CPU/delivery ×{value['cpu_per_delivery']}, p99 ×{value['p99']}", flush=True)
    return summary
