"""Connection scenarios: ``connect-storm`` (every delegate connects, authenticates and, once
the attendance feature exists, checks in) and ``idle-memory`` (server memory per idle
connection)."""

from __future__ import annotations

import asyncio
import gc
import time

from load_tests.crowd import Options, close_all, make_target, open_crowd, say, target_name
from load_tests.report import Result, percentiles
from load_tests.session import Session, Tally
from load_tests.target import ProcStats, new_run_id


def has_command(kind: str) -> bool:
    """Whether the server in this tree accepts ``kind`` (features land over time)."""
    from protocol.commands import COMMANDS
    from rooms import aggregate

    return kind in COMMANDS and kind in aggregate.DECISIONS


async def check_in(opts: Options, sessions: list[Session]) -> tuple[int, list[float]]:
    """Every session sends ``checkin.self``; returns the acks and their latencies."""
    gate = asyncio.Semaphore(opts.connect_concurrency)
    latencies: list[float] = []
    acked = 0

    async def one(session: Session) -> None:
        nonlocal acked
        async with gate:
            started = time.perf_counter()
            msg = await asyncio.wait_for(
                session.send_cmd("checkin.self", {"device": f"tab-{id(session)}"}), 60
            )
            if msg.get("type") == "ack":
                acked += 1
                latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(one(s) for s in sessions), return_exceptions=True)
    return acked, latencies


async def connect_storm(opts: Options) -> Result:
    with make_target(opts) as target:
        meeting = target.create_meeting(opts.delegates)
        tally = Tally(run=new_run_id())
        n = opts.delegates
        say(opts, f"connect-storm: {n} delegates, {opts.connect_concurrency} at once")
        stats = ProcStats(target.server_pids())
        stats.start()
        started = time.perf_counter()
        sessions = await open_crowd(opts, tally, target, meeting, n)
        connected = time.perf_counter() - started
        checkin = has_command("checkin.self")
        acked = 0
        checkin_ms: list[float] = []
        if checkin:
            acked, checkin_ms = await check_in(opts, sessions)
        elapsed = time.perf_counter() - started
        stats.stop()
        synced = sum(1 for s in sessions if s.synced.is_set())
        result = Result(
            scenario="connect-storm",
            target=target_name(opts),
            delegates=n,
            duration_s=round(elapsed, 2),
            acked=acked if checkin else synced,
            lost=(n - acked) if checkin else 0,
            duplicates=tally.duplicates,
            gaps=tally.gaps,
            reach=round(synced / n, 6),
            latency_ms=percentiles([(s.synced_at - s.connected_at) * 1000 for s in sessions]),
            deliveries_per_s=round(synced / connected, 1),
        ).with_server(stats.cpu_s, stats.rss_peak, synced)
        result.extra.update(
            connect_all_s=round(connected, 2),
            connections_per_s=round(synced / connected, 1),
            checkin="checkin.self" if checkin else "not available in this build",
            connect_failures=tally.connect_failures,
        )
        if checkin:
            result.extra["checkin_ack_ms"] = percentiles(checkin_ms)
        close_all(sessions)
        await asyncio.sleep(0.2)
        return result


async def idle_memory(opts: Options) -> Result:
    """RSS of the server before and after ``delegates`` idle connections."""
    with make_target(opts) as target:
        meeting = target.create_meeting(opts.delegates + 50)
        tally = Tally(run=new_run_id())
        n = opts.delegates
        # A few connections first, so one-time costs (imports, the hub, buffers) are paid.
        warm = await open_crowd(opts, tally, target, meeting, 50, first=n, label="warm-up")
        await asyncio.sleep(2.0)
        stats = ProcStats(target.server_pids())
        stats.start()
        before = stats.rss()
        started = time.perf_counter()
        sessions = await open_crowd(opts, tally, target, meeting, n)
        connected = time.perf_counter() - started
        gc.collect()
        # Let the server settle (allocator, writer tasks parked), then read RSS.
        await asyncio.sleep(max(3.0, min(opts.duration, 10.0)))
        after = stats.rss()
        stats.stop()
        per_conn_kib = (after - before) / n / 1024
        say(opts, f"idle-memory: {before / 2**20:.1f} MB -> {after / 2**20:.1f} MB for {n}")
        result = Result(
            scenario="idle-memory",
            target=target_name(opts),
            delegates=n,
            duration_s=round(time.perf_counter() - started, 2),
            acked=sum(1 for s in sessions if s.synced.is_set()),
            lost=0,
            duplicates=tally.duplicates,
            gaps=tally.gaps,
            reach=round(sum(1 for s in sessions if s.open) / n, 6),
            latency_ms=percentiles([(s.synced_at - s.connected_at) * 1000 for s in sessions]),
            deliveries_per_s=round(n / connected, 1),
        ).with_server(stats.cpu_s, after, n)
        result.extra.update(
            rss_before_mb=round(before / 2**20, 2),
            rss_after_mb=round(after / 2**20, 2),
            rss_per_connection_kib=round(per_conn_kib, 2),
        )
        close_all(sessions + warm)
        await asyncio.sleep(0.2)
        return result
