"""Fan-out scenarios: the chair changes the hall state at R Hz and every delegate must get
every change in order. ``reconnect-storm`` drops a share of the delegates mid-run,
``slow-consumer`` has 1% stop reading, ``two-node`` splits the delegates over two processes.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from typing import Any

from load_tests.crowd import (
    Options,
    chair_stream,
    close_all,
    drain,
    make_target,
    open_chair,
    open_crowd,
    sampler,
    say,
    target_name,
)
from load_tests.report import Result, percentiles
from load_tests.session import Session, Tally
from load_tests.target import ProcStats, Target, new_run_id

SLOW_RCVBUF = 4096


async def fanout(
    opts: Options,
    scenario: str = "fanout",
    *,
    drop_share: float = 0.0,
    slow_share: float = 0.0,
    nodes: int | None = None,
) -> Result:
    nodes = nodes or opts.nodes
    with make_target(opts, nodes) as target:
        meeting = target.create_meeting(opts.delegates)
        tally = Tally(run=new_run_id())
        n = opts.delegates
        slow_count = _slow_count(n, slow_share)
        say(
            opts,
            f"{scenario}: {n} delegates on {nodes} node(s), {opts.rate:g} Hz for "
            f"{opts.duration:g} s, meeting {meeting.id}",
        )
        sessions = await open_crowd(opts, tally, target, meeting, n - slow_count)
        slow: list[Session] = []
        if slow_count:
            slow = await open_crowd(
                opts,
                tally,
                target,
                meeting,
                slow_count,
                first=n - slow_count,
                label="connect slow",
                rcvbuf=SLOW_RCVBUF,
            )
            for session in slow:
                session.measure = False
        everyone = sessions + slow
        chair = await open_chair(Tally(run="-"), target, meeting)

        on_step = _on_step(slow, _drop_schedule(sessions, drop_share, opts.steps))
        stats = ProcStats(target.server_pids())
        per_node = [ProcStats([pid]) for pid in target.server_pids()]
        for s in per_node:
            s.start()
        stats.start()
        sampling = asyncio.get_running_loop().create_task(sampler(stats))
        started = time.perf_counter()
        load_cpu = time.process_time()
        stream = await chair_stream(opts, chair, tally, on_step=on_step)
        for session in slow:
            session.resume_reading()
        expected = stream.acked * n
        await drain(opts, tally, expected)
        elapsed = time.perf_counter() - started
        load_cpu = time.process_time() - load_cpu
        sampling.cancel()
        stats.stop()
        for s in per_node:
            s.stop()

        result = Result(
            scenario=scenario,
            target=target_name(opts),
            delegates=n,
            duration_s=round(elapsed, 2),
            acked=stream.acked,
            lost=stream.sent - stream.acked,
            duplicates=tally.duplicates,
            gaps=tally.gaps,
            reach=round(tally.delivered / expected, 6) if expected else 0.0,
            latency_ms=percentiles(tally.latencies_ms),
            deliveries_per_s=round(tally.delivered / elapsed, 1),
        ).with_server(stats.cpu_s, stats.rss_peak, tally.delivered)
        result.extra.update(
            rate_hz=opts.rate,
            load_cpu_s=round(load_cpu, 2),
            events=stream.acked,
            delivered=tally.delivered,
            expected=expected,
            chair_ack_ms=percentiles(stream.ack_latencies_ms),
            closes={str(k): v for k, v in tally.closes.items()},
            resumes_replay=tally.replays,
            snapshots=tally.snapshots,
            connect_failures=tally.connect_failures,
        )
        if drop_share:
            result.extra["dropped"] = tally.drops
        if slow:
            result.extra.update(_slow_extra(stream.acked, sessions, slow, stats))
        if nodes > 1:
            result.extra["per_node"] = _per_node(target, per_node, everyone)
        close_all(everyone)
        chair.close()
        await asyncio.sleep(0.2)
        return result


def _slow_count(n: int, slow_share: float) -> int:
    """How many of the n delegates stop reading: at least one when any share is asked."""
    slow_count = round(n * slow_share) if slow_share else 0
    if slow_share and slow_count == 0:
        slow_count = 1
    return slow_count


def _drop_schedule(
    sessions: list[Session], drop_share: float, steps: int
) -> dict[int, list[Session]]:
    """The sessions that drop their connection at each step (none without a drop share)."""
    schedule: dict[int, list[Session]] = {}
    if drop_share:
        rng = random.Random(7)
        victims = rng.sample(sessions, round(len(sessions) * drop_share))
        # Drops happen in the first 80% so every victim is back before the end.
        last = max(1, int(steps * 0.8))
        for victim in victims:
            schedule.setdefault(rng.randrange(last), []).append(victim)
    return schedule


def _on_step(slow: list[Session], schedule: dict[int, list[Session]]) -> Callable[[int], None]:
    """What happens at each step of the chair's stream: the slow stop reading at the first,
    the scheduled victims drop."""

    def on_step(step: int) -> None:
        if step == 0:
            for session in slow:
                session.stop_reading()
        for victim in schedule.get(step, ()):
            victim.drop()

    return on_step


def _slow_extra(
    acked: int, sessions: list[Session], slow: list[Session], stats: ProcStats
) -> dict[str, Any]:
    """How the readers and the stalled clients fared, of `acked` events."""
    fast_expected = acked * len(sessions)
    fast_delivered = sum(s.marked for s in sessions)
    return dict(
        slow_clients=len(slow),
        slow_closed_4008=sum(1 for s in slow if 4008 in s.close_codes),
        slow_reach=round(sum(s.marked for s in slow) / (acked * len(slow)), 6)
        if acked
        else 0.0,
        fast_reach=round(fast_delivered / fast_expected, 6) if fast_expected else 0.0,
        server_rss_start_mb=round(stats.rss_start / 2**20, 1),
    )


def _per_node(
    target: Target, per_node: list[ProcStats], everyone: list[Session]
) -> list[dict[str, Any]]:
    return [
        {
            "connections": sum(1 for s in everyone if s.port == server.port),
            "cpu_s": round(node.cpu_s, 3),
            "rss_mb": round(node.rss_peak / 2**20, 1),
        }
        for server, node in zip(target.servers, per_node, strict=True)
    ]


async def two_node(opts: Options) -> Result:
    """The same load on one node, then on two nodes sharing one Redis; compares the two."""
    one = await fanout(opts, "fanout", nodes=1)
    two = await fanout(opts, "two-node", nodes=2)
    two.extra["one_node"] = {
        "deliveries_per_s": one.deliveries_per_s,
        "latency_ms": one.latency_ms,
        "reach": one.reach,
        "server_cpu_s": one.server_cpu_s,
        "server_cpu_us_per_delivery": one.server_cpu_us_per_delivery,
    }
    if one.deliveries_per_s:
        two.extra["throughput_vs_one_node"] = round(two.deliveries_per_s / one.deliveries_per_s, 3)
    two.lost += one.lost
    two.gaps += one.gaps
    two.duplicates += one.duplicates
    return two
