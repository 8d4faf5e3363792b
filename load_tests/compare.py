"""``python -m load_tests compare SCENARIO``: the same scenario, on the same machine, against
phonghop, the python-socketio + Redis peer and the bare websockets floor, interleaved
(A B C, A B C …) after a warm-up round, each target started fresh every round with its
server and Redis pinned to one core and the load to the other. Reports every round, the
medians and the ratios to the floor.

Scenarios: ``fanout`` (server CPU per delivery, latency), ``idle-memory`` (server RSS per
idle connection) and ``connect-storm`` (connect latency, server CPU per connection); and
``vote-burst``, phonghop against the vote floor only (load_tests/compare_votes.py).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from load_tests.crowd import Options, close_all, drain, make_target, open_crowd, say
from load_tests.report import Result, percentiles, table
from load_tests.session import Tally
from load_tests.target import ProcStats, new_run_id
from load_tests.targets.harness import PlainServer, PlainSession, close_crowd

TARGETS = ("phonghop", "socketio-peer", "websockets-floor")
KINDS = {"socketio-peer": "socketio", "websockets-floor": "floor",
         "websockets-vote-floor": "vote-floor"}
# Padding of the peer's and floor's messages, so their frames are about the size of
# phonghop's event frame for the same change (~150 bytes).
PAD = 100
# idle-memory: as connect.idle_memory does for phonghop — 50 connections first, so one-time
# costs (imports, buffers, the allocator's first arenas) are paid before the first reading;
# the same pause after them, and the same settling wait after the measured ones.
WARM_CONNECTIONS = 50
WARM_PAUSE_S = 2.0


def settle_s(opts: Options) -> float:
    """The wait before the second RSS reading (connect.idle_memory's, for all three)."""
    return max(3.0, min(opts.duration, 10.0))


# ---- fanout ------------------------------------------------------------------------------


async def plain_fanout(server: PlainServer, opts: Options) -> Result:
    """One fan-out round against the floor or the peer: messages from a publisher process
    through Redis, to every client."""
    tally = Tally(run=new_run_id())
    sessions: list[PlainSession] = []
    try:
        sessions = await server.open_crowd(tally, opts.delegates)
        stats = ProcStats([server.pid])
        redis_stats = ProcStats([server.redis.pid or 0])
        stats.start()
        redis_stats.start()
        started = time.perf_counter()
        publisher = server.spawn(
            [
                "-m",
                "load_tests.targets.publisher",
                server.kind,
                "--redis",
                server.redis_url,
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
        await asyncio.to_thread(publisher.wait)
        expected = opts.steps * opts.delegates
        await drain(opts, tally, expected, sample=stats.sample)
        elapsed = time.perf_counter() - started
        stats.stop()
        redis_stats.stop()
        return Result(
            scenario="fanout",
            target=server.name,
            delegates=opts.delegates,
            duration_s=round(elapsed, 2),
            acked=opts.steps if publisher.returncode == 0 else 0,
            lost=0,
            duplicates=tally.duplicates,
            gaps=tally.gaps,
            reach=round(tally.delivered / expected, 6),
            latency_ms=percentiles(tally.latencies_ms),
            deliveries_per_s=round(tally.delivered / elapsed, 1),
            extra={"redis_cpu_s": round(redis_stats.cpu_s, 3), "closes": dict(tally.closes)},
        ).with_server(stats.cpu_s, stats.rss_peak, tally.delivered)
    finally:
        await close_crowd(sessions)


# ---- idle-memory -------------------------------------------------------------------------


async def plain_idle_memory(server: PlainServer, opts: Options) -> Result:
    """connect.idle_memory's procedure against the floor or the peer: RSS of the server
    process before and after ``delegates`` idle connections."""
    n = opts.delegates
    tally = Tally(run=new_run_id())
    warm: list[PlainSession] = []
    sessions: list[PlainSession] = []
    try:
        warm = await server.open_crowd(tally, WARM_CONNECTIONS, first=n, label="warm-up")
        await asyncio.sleep(WARM_PAUSE_S)
        stats = ProcStats([server.pid])
        stats.start()
        before = stats.rss()
        started = time.perf_counter()
        sessions = await server.open_crowd(tally, n)
        connected = time.perf_counter() - started
        await asyncio.sleep(settle_s(opts))
        after = stats.rss()
        stats.stop()
        say(opts, f"idle-memory: {before / 2**20:.1f} MB -> {after / 2**20:.1f} MB for {n}")
        result = Result(
            scenario="idle-memory",
            target=server.name,
            delegates=n,
            duration_s=round(time.perf_counter() - started, 2),
            acked=tally.connects - WARM_CONNECTIONS,
            lost=0,
            duplicates=tally.duplicates,
            gaps=tally.gaps,
            reach=round(sum(1 for s in sessions if s.open) / n, 6),
            latency_ms=percentiles([s.connect_ms for s in sessions]),
            deliveries_per_s=round(n / connected, 1),
        ).with_server(stats.cpu_s, after, n)
        result.extra.update(
            rss_before_mb=round(before / 2**20, 2),
            rss_after_mb=round(after / 2**20, 2),
            rss_per_connection_kib=round((after - before) / n / 1024, 2),
        )
        return result
    finally:
        await close_crowd(sessions + warm)


# ---- connect-storm -----------------------------------------------------------------------


def storm_result(
    target: str,
    opts: Options,
    tally: Tally,
    connect_ms: list[float],
    connected: int,
    elapsed: float,
    stats: ProcStats,
    what: str,
) -> Result:
    n = opts.delegates
    result = Result(
        scenario="connect-storm",
        target=target,
        delegates=n,
        duration_s=round(elapsed, 2),
        acked=connected,
        lost=n - connected,
        duplicates=tally.duplicates,
        gaps=tally.gaps,
        reach=round(connected / n, 6),
        latency_ms=percentiles(connect_ms),
        deliveries_per_s=round(connected / elapsed, 1),
    ).with_server(stats.cpu_s, stats.rss_peak, connected)
    result.extra.update(
        connections_per_s=round(connected / elapsed, 1),
        connect=what,
        connect_failures=tally.connect_failures,
    )
    return result


async def phonghop_connect_storm(opts: Options) -> Result:
    """connect.connect_storm without the check-in, so that what is measured is the connect
    itself: TCP, WebSocket handshake, hello with the token, welcome and snapshot."""
    with make_target(opts) as target:
        meeting = target.create_meeting(opts.delegates)
        tally = Tally(run=new_run_id())
        stats = ProcStats(target.server_pids())
        stats.start()
        started = time.perf_counter()
        sessions = await open_crowd(opts, tally, target, meeting, opts.delegates)
        elapsed = time.perf_counter() - started
        stats.stop()
        try:
            synced = [s for s in sessions if s.synced.is_set()]
            return storm_result(
                "phonghop",
                opts,
                tally,
                [(s.synced_at - s.connected_at) * 1000 for s in synced],
                len(synced),
                elapsed,
                stats,
                "handshake, hello + token, welcome + snapshot (no check-in)",
            )
        finally:
            close_all(sessions)
            await asyncio.sleep(0.2)


async def plain_connect_storm(server: PlainServer, opts: Options) -> Result:
    """Every client connects at once (``--connect-concurrency`` in flight); neither the floor
    nor the peer authenticates."""
    tally = Tally(run=new_run_id())
    sessions: list[PlainSession] = []
    try:
        stats = ProcStats([server.pid])
        stats.start()
        started = time.perf_counter()
        sessions = await server.open_crowd(tally, opts.delegates)
        elapsed = time.perf_counter() - started
        stats.stop()
        what = (
            "handshake only"
            if server.kind == "floor"
            else "handshake, Engine.IO open, namespace connect (no auth)"
        )
        return storm_result(
            server.name,
            opts,
            tally,
            [s.connect_ms for s in sessions if s.open],
            tally.connects,
            elapsed,
            stats,
            what,
        )
    finally:
        await close_crowd(sessions)


# ---- the comparison ----------------------------------------------------------------------

Row = dict[str, Any]  # one round's Result.to_json()


@dataclass(frozen=True)
class Column:
    """One figure of the summary: the median over the rounds (or the total, ``total``), and,
    when ``ratio`` names it, its ratio to the floor's."""

    key: str
    header: str
    value: Callable[[Row], float]
    fmt: str = "{:.2f}"
    ratio: str | None = None
    total: bool = False


@dataclass(frozen=True)
class Compared:
    phonghop: Callable[[Options], Awaitable[Result]]
    plain: Callable[[PlainServer, Options], Awaitable[Result]]
    columns: tuple[Column, ...]
    settings: Callable[[Options], dict[str, Any]]  # the scenario's own summary fields
    # The targets in the order each round runs them; the last is the floor.
    targets: tuple[str, ...] = TARGETS


def _fanout_phonghop(opts: Options) -> Awaitable[Result]:
    from load_tests.fanout import fanout

    return fanout(opts)


def _idle_memory_phonghop(opts: Options) -> Awaitable[Result]:
    from load_tests.connect import idle_memory

    return idle_memory(opts)


SCENARIOS: dict[str, Compared] = {
    "fanout": Compared(
        phonghop=_fanout_phonghop,
        plain=plain_fanout,
        columns=(
            Column(
                "server_cpu_us_per_delivery",
                "CPU µs/delivery",
                lambda r: r["server_cpu_us_per_delivery"],
                ratio="cpu_per_delivery",
            ),
            Column("latency_p99_ms", "p99 ms", lambda r: r["latency_ms"]["p99"], "{:.1f}", "p99"),
            Column("latency_p50_ms", "p50 ms", lambda r: r["latency_ms"]["p50"], "{:.1f}"),
            Column("reach", "reach", lambda r: r["reach"], "{:.2%}"),
            Column("deliveries_per_s", "deliveries/s", lambda r: r["deliveries_per_s"], "{:.0f}"),
            Column("gaps", "gaps", lambda r: r["gaps"], "{:.0f}", total=True),
            Column("duplicates", "dups", lambda r: r["duplicates"], "{:.0f}", total=True),
        ),
        settings=lambda o: {"rate_hz": o.rate, "duration_s": o.duration},
    ),
    "idle-memory": Compared(
        phonghop=_idle_memory_phonghop,
        plain=plain_idle_memory,
        columns=(
            Column(
                "rss_per_connection_kib",
                "KiB/connection",
                lambda r: r["extra"]["rss_per_connection_kib"],
                ratio="rss_per_connection",
            ),
            Column("rss_before_mb", "RSS before MB", lambda r: r["extra"]["rss_before_mb"]),
            Column("rss_after_mb", "RSS after MB", lambda r: r["extra"]["rss_after_mb"]),
            Column("open", "open", lambda r: r["reach"], "{:.2%}"),
        ),
        settings=lambda o: {
            "warm_up_connections": WARM_CONNECTIONS,
            "settle_s": settle_s(o),
        },
    ),
    "connect-storm": Compared(
        phonghop=phonghop_connect_storm,
        plain=plain_connect_storm,
        columns=(
            Column(
                "server_cpu_us_per_connection",
                "CPU µs/connection",
                lambda r: r["server_cpu_us_per_delivery"],
                "{:.0f}",
                "cpu_per_connection",
            ),
            Column("connect_p99_ms", "p99 ms", lambda r: r["latency_ms"]["p99"], "{:.1f}", "p99"),
            Column("connect_p50_ms", "p50 ms", lambda r: r["latency_ms"]["p50"], "{:.1f}"),
            Column("connections_per_s", "connections/s", lambda r: r["deliveries_per_s"], "{:.0f}"),
            Column("connected", "connected", lambda r: r["reach"], "{:.2%}"),
            Column(
                "connect_failures",
                "retries",
                lambda r: r["extra"]["connect_failures"],
                "{:.0f}",
                total=True,
            ),
        ),
        settings=lambda o: {"connect_concurrency": o.connect_concurrency},
    ),
}


def scenario_of(name: str) -> Compared | None:
    if name == "vote-burst":
        # Against its own floor (load_tests/compare_votes.py), not the fan-out targets.
        from load_tests.compare_votes import VOTE_BURST

        return VOTE_BURST
    return SCENARIOS.get(name)


def unsupported(scenario: str) -> str:
    return (
        f"compare: unsupported scenario {scenario!r}; supported: {', '.join(SCENARIOS)} "
        "(the ones all three targets can run) and vote-burst (phonghop against a vote floor)"
    )


async def one_round(compared: Compared, name: str, opts: Options) -> Result:
    if name == "phonghop":
        return await compared.phonghop(opts)
    with PlainServer(KINDS[name], opts) as server:
        return await compared.plain(server, opts)


def summarize(
    scenario: str, compared: Compared, opts: Options, rounds: int, runs: dict[str, list[Row]]
) -> dict[str, Any]:
    medians: dict[str, dict[str, float]] = {}
    for name, rows in runs.items():
        medians[name] = {
            c.key: (sum if c.total else statistics.median)(c.value(r) for r in rows)
            for c in compared.columns
        }
    floor = medians[compared.targets[-1]]

    def ratios(name: str) -> dict[str, float]:
        return {
            c.ratio: round(medians[name][c.key] / floor[c.key], 2) if floor[c.key] else 0.0
            for c in compared.columns
            if c.ratio
        }

    return {
        "scenario": scenario,
        "delegates": opts.delegates,
        **compared.settings(opts),
        "rounds": rounds,
        "server_cpus": sorted(opts.server_cpus or []),
        "load_cpus": sorted(opts.load_cpus or []),
        "medians": medians,
        "ratios": {
            ("peer" if name == "socketio-peer" else name) + "/floor": ratios(name)
            for name in compared.targets[:-1]
        },
        "runs": runs,
    }


def print_summary(compared: Compared, summary: dict[str, Any]) -> None:
    columns = compared.columns
    width = max(len(n) for n in compared.targets)
    widths = [max(len(c.header), 8) for c in columns]
    head = "  ".join(c.header.rjust(w) for c, w in zip(columns, widths, strict=True))
    print(f"{'target'.ljust(width)}  {head}   (medians; gaps, dups, retries: totals)", flush=True)
    for name in compared.targets:
        m = summary["medians"][name]
        cells = "  ".join(
            c.fmt.format(m[c.key]).rjust(w) for c, w in zip(columns, widths, strict=True)
        )
        print(f"{name.ljust(width)}  {cells}", flush=True)
    for c in columns:
        if c.ratio:
            for name in compared.targets:
                values = ", ".join(c.fmt.format(c.value(r)) for r in summary["runs"][name])
                print(f"{c.header}, {name} by round: {values}", flush=True)
    for pair, values in summary["ratios"].items():
        text = ", ".join(f"{c.header} ×{values[c.ratio]}" for c in columns if c.ratio is not None)
        print(f"{pair}: {text}", flush=True)


async def compare(scenario: str, opts: Options, *, rounds: int = 5) -> dict[str, Any]:
    compared = scenario_of(scenario)
    if compared is None:
        print(unsupported(scenario), file=sys.stderr, flush=True)
        raise SystemExit(2)
    if opts.server_cpus is None and opts.load_cpus is None and (os.cpu_count() or 1) >= 2:
        opts.server_cpus, opts.load_cpus = {0}, {1}
        os.sched_setaffinity(0, opts.load_cpus)
    runs: dict[str, list[Row]] = {name: [] for name in compared.targets}
    for round_no in range(rounds + 1):
        for name in compared.targets:
            label = "warm-up" if round_no == 0 else f"round {round_no}/{rounds}"
            say(opts, f"compare {scenario}: {label}, {name}")
            result = await one_round(compared, name, opts)
            if round_no > 0:
                runs[name].append(result.to_json())
                if not opts.quiet:
                    print(table(result), file=sys.stderr)
    summary = summarize(scenario, compared, opts, rounds, runs)
    print_summary(compared, summary)
    return summary
