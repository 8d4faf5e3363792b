"""crash: kill -9 the server, and later the embedded Redis, in the middle of a stream of
acknowledged commands; restart each; every client resumes. Counts the acknowledged commands
that are missing from the log (lost) and those applied twice.

The commands are the chair's ``meeting.update`` with a unique title, each sent with its own
command id and re-sent with the same id until acknowledged, as a tablet must; the meeting
log (GET log.json) is the judge. The same crash in the middle of a vote, with ballots, is
``crash-vote`` (load_tests/crash_votes.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections import Counter
from typing import Any

from load_tests.crowd import (
    Options,
    close_all,
    drain,
    make_target,
    marked_title,
    open_crowd,
    progress,
    say,
    target_name,
)
from load_tests.report import Result, percentiles
from load_tests.session import MARK, Session, Tally
from load_tests.target import ProcStats, new_run_id

RESEND_AFTER = 2.0


class ReliableChair:
    """Sends each command until it is acknowledged, always with the same command id."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.outbox: dict[str, tuple[str, float]] = {}  # id -> (title, last sent)
        self.acked: dict[str, str] = {}
        self.errors: Counter[str] = Counter()
        self.sent = 0
        self.resent = 0

    def submit(self, cmd_id: str, title: str) -> None:
        self.outbox[cmd_id] = (title, 0.0)
        self._send(cmd_id)

    def _send(self, cmd_id: str) -> None:
        title, last = self.outbox[cmd_id]
        if not self.session.open:
            return
        if last:
            self.resent += 1
        self.outbox[cmd_id] = (title, time.monotonic())
        try:
            future = self.session.send_cmd("meeting.update", {"title": title}, cmd_id)
        except ConnectionError:
            return
        self.sent += 1
        future.add_done_callback(functools.partial(self._answered, cmd_id))

    def _answered(self, cmd_id: str, future: asyncio.Future[dict[str, Any]]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        msg = future.result()
        if msg.get("type") == "ack":
            entry = self.outbox.pop(cmd_id, None)
            if entry is not None:
                self.acked[cmd_id] = entry[0]
        else:
            self.errors[str(msg.get("code"))] += 1

    def resend_due(self) -> None:
        now = time.monotonic()
        for cmd_id, (_, last) in list(self.outbox.items()):
            if now - last > RESEND_AFTER:
                self._send(cmd_id)


async def crash(opts: Options) -> Result:
    with make_target(opts) as target:
        meeting = target.create_meeting(opts.delegates)
        tally = Tally(run=new_run_id())
        n = opts.delegates
        say(
            opts,
            f"crash: {n} delegates, {opts.rate:g} Hz for {opts.duration:g} s; "
            "kill -9 the server at 1/3, the embedded Redis at 2/3",
        )
        sessions = await open_crowd(opts, tally, target, meeting, n, resume_delay=0.3)
        server = target.servers[0]
        chair_session = Session(
            Tally(run="-"),
            server.host,
            server.port,
            meeting.id,
            meeting.chair_token,
            resume_delay=0.3,
        )
        await chair_session.connect()
        chair = ReliableChair(chair_session)
        stats = ProcStats(target.server_pids())
        stats.start()
        cpu_before_crash = 0.0
        bar = progress(opts, "crash")
        steps = opts.steps
        kill_server_at, kill_redis_at = steps // 3, 2 * steps // 3
        outage: dict[str, float] = {}
        started = time.perf_counter()
        interval = 1.0 / opts.rate
        for i in range(steps):
            delay = started + i * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if i == kill_server_at:
                stats.stop()
                cpu_before_crash = stats.cpu_s
                t = time.perf_counter()
                target.servers[0].kill()
                await asyncio.to_thread(target.start_server, server.port, 0)
                outage["server_restart_s"] = round(time.perf_counter() - t, 2)
                stats = ProcStats(target.server_pids())
                stats.start()
            if i == kill_redis_at:
                t = time.perf_counter()
                port = target.redis.port
                target.kill_redis()
                target.redis.requested_port = port
                # In this thread: the embedded Redis dies with the thread that started it.
                target.start_redis()
                outage["redis_restart_s"] = round(time.perf_counter() - t, 2)
            chair.submit(f"k{i}", marked_title(tally.run, i, opts.pad))
            chair.resend_due()
            if i % max(1, int(opts.rate)) == 0:
                bar(i, steps)
        bar(steps, steps)
        settle_deadline = time.monotonic() + 60
        while chair.outbox and time.monotonic() < settle_deadline:
            chair.resend_due()
            await asyncio.sleep(0.2)
        log = target.log(meeting.id)
        titles = Counter(
            e["body"]["title"]
            for e in log["events"]
            if e["kind"] == "meeting.updated"
            and str(e["body"].get("title", "")).startswith(f"{MARK}{tally.run}|")
        )
        expected = len(titles) * n
        await drain(opts, tally, expected)
        elapsed = time.perf_counter() - started
        stats.stop()
        lost = sum(1 for title in chair.acked.values() if titles[title] == 0)
        twice = sum(1 for count in titles.values() if count > 1)
        result = Result(
            scenario="crash",
            target=target_name(opts),
            delegates=n,
            duration_s=round(elapsed, 2),
            acked=len(chair.acked),
            lost=lost,
            duplicates=twice + tally.duplicates,
            gaps=tally.gaps,
            reach=round(tally.delivered / expected, 6) if expected else 0.0,
            latency_ms=percentiles(tally.latencies_ms),
            deliveries_per_s=round(tally.delivered / elapsed, 1),
        ).with_server(cpu_before_crash + stats.cpu_s, stats.rss_peak, tally.delivered)
        result.extra.update(
            commands=steps,
            unacked_at_end=len(chair.outbox),
            applied_twice=twice,
            delivered_twice=tally.duplicates,
            logged=sum(titles.values()),
            resent=chair.resent,
            command_errors=dict(chair.errors),
            resumes_replay=tally.replays,
            snapshots_after_start=tally.snapshots - n,
            epoch_changes=tally.epoch_changes,
            connect_failures=tally.connect_failures,
            appendfsync=target.appendfsync,
            **outage,
        )
        close_all(sessions)
        chair_session.close()
        with contextlib.suppress(Exception):
            await asyncio.sleep(0.2)
        return result
