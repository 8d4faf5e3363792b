"""vote-burst: the meeting opens, every delegate checks in, the chair opens a named
yes/no/abstain poll and every delegate casts a ballot as soon as the ``poll.opened`` event
reaches it; the chair closes and publishes, and every delegate must get the result.

latency_ms is the ballot's ack time (send to ack). lost = acknowledged ballots missing from
the poll's ballot hash in Redis (``ph:{m}:poll:P:ballots``); duplicates = ballots counted
beyond one per voter plus events delivered twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from typing import Any

from load_tests.connect import check_in, has_command
from load_tests.crowd import Options, close_all, make_target, open_crowd, say, target_name
from load_tests.report import Result, percentiles
from load_tests.session import Session, Tally
from load_tests.target import ProcStats, new_run_id

POLL = "burst1"


def available() -> bool:
    return has_command("ballot.cast") and has_command("poll.open")


async def _ok(session: Session, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    msg = await asyncio.wait_for(session.send_cmd(kind, body), 60)
    if msg.get("type") != "ack":
        raise RuntimeError(f"{kind} refused: {msg}")
    return msg


async def open_with_poll(
    opts: Options, chair: Session, sessions: list[Session], poll: str, title: str
) -> None:
    """Open the meeting, check every delegate in, and create a named yes/no/abstain poll."""
    await _ok(chair, "meeting.open", {})
    checked, _ = await check_in(opts, sessions)
    if checked != len(sessions):
        raise RuntimeError(f"only {checked} of {len(sessions)} check-ins acknowledged")
    await _ok(chair, "poll.create", {
        "id": poll, "title": title, "method": "yes_no_abstain",
        "rule": "more than 1/2 of valid ballots",
    })  # fmt: skip


async def vote_burst(opts: Options) -> Result:
    import redis

    with make_target(opts) as target:
        meeting = target.create_meeting(opts.delegates)
        tally = Tally(run=new_run_id())
        n = opts.delegates
        say(opts, f"vote-burst: {n} delegates")
        sessions = await open_crowd(opts, tally, target, meeting, n)
        server = target.servers[0]
        chair = Session(Tally(run="-"), server.host, server.port, meeting.id, meeting.chair_token)
        await chair.connect()
        await open_with_poll(opts, chair, sessions, POLL, "Biểu quyết thử tải")
        rng = random.Random(3)
        acks: list[float] = []
        acked: set[str] = set()
        refused: dict[str, int] = {}
        results: set[int] = set()
        pending: list[asyncio.Task[None]] = []
        all_casting = asyncio.Event()
        all_results = asyncio.Event()

        async def cast(session: Session) -> None:
            body = {"poll": POLL, "choice": rng.choice(("yes", "no", "abstain")),
                    "ballot_id": f"b-{session.token[-10:]}"}  # fmt: skip
            started = time.perf_counter()
            for _ in range(5):
                try:
                    msg = await asyncio.wait_for(session.send_cmd("ballot.cast", body), 60)
                except (ConnectionError, TimeoutError):
                    await asyncio.sleep(0.5)
                    continue
                if msg.get("type") == "ack":
                    acks.append((time.perf_counter() - started) * 1000)
                    acked.add(session.participant.get("id", ""))
                else:
                    code = str(msg.get("code"))
                    refused[code] = refused.get(code, 0) + 1
                return

        def on_event(session: Session, msg: dict[str, Any], now: float) -> None:
            if msg.get("type") != "event":
                return
            kind = msg.get("kind")
            if kind == "poll.opened":
                pending.append(asyncio.get_running_loop().create_task(cast(session)))
                if len(pending) >= n:
                    all_casting.set()
            elif kind == "poll.published":
                results.add(id(session))
                if len(results) >= n:
                    all_results.set()

        tally.on_event = on_event
        stats = ProcStats(target.server_pids())
        stats.start()
        started = time.perf_counter()
        await _ok(chair, "poll.open", {"poll": POLL})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_casting.wait(), 120)
        await asyncio.gather(*pending, return_exceptions=True)
        burst = time.perf_counter() - started
        await _ok(chair, "poll.close", {"poll": POLL})
        await _ok(chair, "poll.publish", {"poll": POLL})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_results.wait(), 60)
        elapsed = time.perf_counter() - started
        stats.stop()
        client = redis.Redis.from_url(target.redis_url)
        try:
            stored = client.hkeys(f"ph:{{{meeting.id}}}:poll:{POLL}:ballots")
        finally:
            client.close()
        voters = {v.decode() for v in stored}
        lost = len(acked - voters)
        result = Result(
            scenario="vote-burst",
            target=target_name(opts),
            delegates=n,
            duration_s=round(elapsed, 2),
            acked=len(acks),
            lost=lost,
            duplicates=max(0, len(stored) - len(voters)) + tally.duplicates,
            gaps=tally.gaps,
            reach=round(len(results) / n, 6),
            latency_ms=percentiles(acks),
            deliveries_per_s=round(len(acks) / burst, 1),
            server_cpu_s=round(stats.cpu_s, 3),
            server_rss_mb=round(stats.rss_peak / 2**20, 1),
            server_cpu_us_per_delivery=round(stats.cpu_s * 1e6 / max(1, len(acks)), 1),
        )
        result.extra.update(
            burst_s=round(burst, 2),
            ballots_stored=len(voters),
            refused=refused,
            result_received=len(results),
        )
        close_all(sessions)
        chair.close()
        await asyncio.sleep(0.2)
        return result
