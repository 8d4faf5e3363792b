"""``python -m load_tests compare vote-burst``: phonghop's vote-burst beside the vote floor
(load_tests/targets/vote_floor.py: bare websockets, one atomic HSETNX script call per group
of ballots on the same embedded Redis with ``appendfsync always``, then the ack), interleaved
rounds, medians, and phonghop's ack p99 and server CPU per ballot as multiples of the
floor's. ``--secret`` runs phonghop's secret poll, and the floor claims the voter and stores
the ballot apart, as a secret poll does (without sealing it).

The floor's round is the burst of phonghop's without the meeting around it: the same number
of clients (the same raw asyncio client, the same pinning, source addresses and connect
concurrency) connect, a control connection says ``open``, the server sends ``opened`` to
every client, each sends its ballot the moment that reaches it, and its ack time is measured
from the send. CPU is the server process's over the burst (open sent → last ack), as
vote-burst's ``burst_server_cpu_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Awaitable
from typing import Any

import msgpack
import redis

from load_tests.compare import Column, Compared
from load_tests.crowd import Options, connect_all, keepalive_gap, local_host, progress, say
from load_tests.report import Result, percentiles
from load_tests.session import Tally
from load_tests.target import ProcStats, new_run_id
from load_tests.targets.harness import PlainServer
from load_tests.targets.vote_floor import NAMED_KEYS, SECRET_KEYS
from load_tests.wsclient import WSClientProtocol, connect

ANSWER_WAIT = 120.0  # seconds for every ballot to be acknowledged


class FloorVoter:
    """One client of the vote floor: casts its ballot when ``opened`` reaches it."""

    def __init__(self, index: int, run: str, port: int, local: str | None,
                 acks: list[float], done: asyncio.Event, total: int) -> None:
        self.index, self.port, self.local = index, port, local
        self.ballot = msgpack.packb({
            "type": "ballot", "id": f"c{index}", "voter": f"V{index:05d}",
            "ballot_id": f"b-{run}-{index:05d}", "choice": ("yes", "no", "abstain")[index % 3],
        })  # fmt: skip
        self.acks, self.done, self.total = acks, done, total
        self.proto: WSClientProtocol | None = None
        self.casts = True  # until its ballot is sent (the control connection never casts)
        self.sent_at = 0.0
        self.ok = -1

    async def connect(self) -> None:
        self.proto = await connect("127.0.0.1", self.port, "/", None, self._on_message,
                                   lambda _code: None, local_host=self.local,
                                   on_open=self._opened)

    def _opened(self, proto: WSClientProtocol) -> None:
        self.proto = proto

    def _on_message(self, payload: bytes) -> None:
        msg = msgpack.unpackb(payload)
        if msg.get("type") == "opened" and self.proto is not None and self.casts:
            self.casts = False
            self.sent_at = time.perf_counter()
            self.proto.send_binary(self.ballot)
        elif msg.get("type") == "ack":
            self.ok = int(msg["ok"])
            self.acks.append((time.perf_counter() - self.sent_at) * 1000)
            if len(self.acks) >= self.total:
                self.done.set()

    def close(self) -> None:
        if self.proto is not None:
            self.proto.close()


def stored_voters(server: PlainServer, secret: bool) -> set[str]:
    client = redis.Redis.from_url(server.redis_url, decode_responses=True)
    try:
        return {str(v) for v in client.hkeys((SECRET_KEYS if secret else NAMED_KEYS)[0])}
    finally:
        client.close()


async def floor_vote_burst(server: PlainServer, opts: Options) -> Result:
    n = opts.delegates
    tally = Tally(run=new_run_id())
    acks: list[float] = []
    done = asyncio.Event()
    voters = [FloorVoter(i, tally.run, server.port, local_host(opts, i), acks, done, n)
              for i in range(n)]
    control = FloorVoter(n, tally.run, server.port, None, [], asyncio.Event(), 1)
    control.casts = False
    try:
        await connect_all(opts, tally, [*voters, control], progress(opts, "connect vote-floor"))
        keepalive = await keepalive_gap(opts, tally)
        say(opts, f"vote-burst (floor): {n} clients voting")
        stats, redis_stats = ProcStats([server.pid]), ProcStats([server.redis.pid or 0])
        gc.collect()
        gc.disable()  # as vote_burst: the load's own collection is not the server's latency
        stats.start()
        redis_stats.start()
        started = time.perf_counter()
        try:
            assert control.proto is not None
            control.proto.send_binary(msgpack.packb({"type": "open"}))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), ANSWER_WAIT)
        finally:
            gc.enable()
        burst = time.perf_counter() - started
        stats.stop()
        redis_stats.stop()
        stored = stored_voters(server, opts.secret)
        acked = [v for v in voters if v.ok >= 0]
        result = Result(
            scenario="vote-burst",
            target=server.name,
            delegates=n,
            duration_s=round(burst, 2),
            acked=len(acked),
            lost=sum(1 for v in acked if f"V{v.index:05d}" not in stored),
            duplicates=sum(1 for v in acked if v.ok == 0),  # claimed before: never, one each
            gaps=0,
            reach=round(len(acked) / n, 6),
            latency_ms=percentiles(acks),
            deliveries_per_s=round(len(acked) / burst, 1),
        ).with_server(stats.cpu_s, stats.rss_peak, len(acked))
        result.extra.update(burst_s=round(burst, 2), burst_server_cpu_s=round(stats.cpu_s, 3),
                            burst_redis_cpu_s=round(redis_stats.cpu_s, 3),
                            ballots_stored=len(stored), keepalive=keepalive)
        return result
    finally:
        for v in [*voters, control]:
            v.close()
        await asyncio.sleep(0.2)


def _phonghop_vote_burst(opts: Options) -> Awaitable[Result]:
    from load_tests.votes import vote_burst

    return vote_burst(opts)


def cpu_us_per_ballot(row: dict[str, Any]) -> float:
    acked = row["acked"]
    return float(row["extra"]["burst_server_cpu_s"]) / acked * 1e6 if acked else 0.0


VOTE_BURST = Compared(
    phonghop=_phonghop_vote_burst,
    plain=floor_vote_burst,
    columns=(
        Column("cpu_us_per_ballot", "CPU µs/ballot", cpu_us_per_ballot, "{:.0f}",
               "cpu_per_ballot"),
        Column("ack_p99_ms", "ack p99 ms", lambda r: r["latency_ms"]["p99"], "{:.1f}",
               "ack_p99"),
        Column("ack_p50_ms", "ack p50 ms", lambda r: r["latency_ms"]["p50"], "{:.1f}"),
        Column("burst_s", "burst s", lambda r: r["extra"]["burst_s"], "{:.2f}"),
        Column("acked", "acked", lambda r: r["acked"], "{:.0f}"),
        Column("lost", "lost", lambda r: r["lost"], "{:.0f}", total=True),
        Column("duplicates", "dups", lambda r: r["duplicates"], "{:.0f}", total=True),
    ),
    settings=lambda o: {"poll": "secret" if o.secret else "named"},
    targets=("phonghop", "websockets-vote-floor"),
)
