"""season: a congress season on one Redis Cluster. Two ``run.py`` nodes on the embedded
3-master cluster (load_tests/cluster_target.py) serve ``--meetings`` small meetings of
``--meeting-size`` delegates and one congress of ``--congress`` delegates. Each small
meeting's chair changes its hall state once a second (``meeting.update`` with a timestamped
title, the chairs' first changes spread over the first second) for ``--duration`` s, and every
delegate must get every change in order. A third of the way in, the congress holds a vote
burst: its delegates checked in during the setup, the chair opens a yes/no/abstain poll and
each delegate casts its ballot the moment ``poll.opened`` reaches it; then the chair closes and
publishes, and every congress delegate must get ``poll.published``.

Every meeting's tablets are spread over both nodes, as a load balancer would; each chair is on
one node (meeting j's on node j mod 2, the congress's on the first). Reported per meeting
size: reach and latency p99 (small meetings: a change's delivery, chair's send to receipt;
the congress: the ballot's ack, send to ack, and ``poll.opened``'s delivery); and per node the
server's CPU over the run and its peak RSS, with the cluster's CPU beside them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import time
from typing import Any

from load_tests.cluster_target import ClusterTarget
from load_tests.crowd import (
    Options,
    Stream,
    chair_stream,
    close_all,
    connect_all,
    drain,
    local_host,
    progress,
    sampler,
    say,
)
from load_tests.report import Result, percentiles
from load_tests.session import Session, Tally
from load_tests.target import Meeting, ProcStats, new_run_id
from load_tests.votes import open_with_poll

POLL = "season1"
BURST_AT = 1 / 3  # of --duration: when the congress's poll opens
SETTLE = 3.0  # seconds between the congress's check-ins and the run (as vote-burst's)
CHOICES = ("yes", "no", "abstain")


class CongressVote:
    """The congress's burst: a ballot per delegate on ``poll.opened``, its ack time, who got
    ``poll.published``."""

    def __init__(self, sessions: list[Session], run: str) -> None:
        self.index = {id(s): i for i, s in enumerate(sessions)}
        self.run = run
        self.opened_at = 0.0  # time.time() when the chair sent poll.open
        self.opened_ms: list[float] = []
        self.acks_ms: list[float] = []
        self.answered = 0
        self.refused: dict[str, int] = {}
        self.casting: set[int] = set()
        self.published: set[int] = set()
        self.all_answered = asyncio.Event()
        self.all_published = asyncio.Event()

    def on_event(self, session: Session, msg: dict[str, Any], now: float) -> None:
        if msg.get("type") != "event":
            return
        kind = msg.get("kind")
        if kind == "poll.opened" and id(session) not in self.casting:
            self.casting.add(id(session))
            self.opened_ms.append((now - self.opened_at) * 1000)
            self._cast(session)
        elif kind == "poll.published":
            self.published.add(id(session))
            if len(self.published) == len(self.index):
                self.all_published.set()

    def _cast(self, session: Session) -> None:
        i = self.index[id(session)]
        body = {"poll": POLL, "choice": CHOICES[i % 3], "ballot_id": f"b-{self.run}-{i:05d}"}
        started = time.perf_counter()

        def answered(future: asyncio.Future[dict[str, Any]]) -> None:
            self.answered += 1
            msg = None if future.cancelled() or future.exception() else future.result()
            if msg is not None and msg.get("type") == "ack":
                self.acks_ms.append((time.perf_counter() - started) * 1000)
            else:
                code = str(msg.get("code")) if msg is not None else "connection"
                self.refused[code] = self.refused.get(code, 0) + 1
            if self.answered == len(self.index):
                self.all_answered.set()

        session.send_cmd("ballot.cast", body).add_done_callback(answered)


async def command(chair: Session, kind: str, body: dict[str, Any]) -> None:
    msg = await asyncio.wait_for(chair.send_cmd(kind, body), 60)
    if msg.get("type") != "ack":
        raise RuntimeError(f"{kind} refused: {msg}")


def tablets(opts: Options, target: ClusterTarget, tally: Tally, meeting: Meeting,
            first: int) -> list[Session]:
    """A meeting's delegates, spread over the nodes (``first``: this meeting's first index
    among all the run's clients, for the source addresses)."""
    servers = target.servers
    return [Session(tally, servers[(first + i) % len(servers)].host,
                    servers[(first + i) % len(servers)].port, meeting.id, token,
                    local_host=local_host(opts, first + i))
            for i, token in enumerate(meeting.delegate_tokens)]


async def run_changes(opts: Options, chairs: list[Session], tally: Tally) -> list[Stream]:
    """Every small meeting's chair at 1 Hz for the duration, their starts spread over 1 s."""
    one_hz = dataclasses.replace(opts, rate=1.0, quiet=True)

    async def staggered(j: int, chair: Session) -> Stream:
        await asyncio.sleep(j / len(chairs))
        return await chair_stream(one_hz, chair, tally)

    return list(await asyncio.gather(*(staggered(j, c) for j, c in enumerate(chairs))))


async def vote_burst(chair: Session, vote: CongressVote) -> float:
    """Open the poll, wait for every ballot's answer, close and publish; the burst's seconds.
    The load's own garbage collection waits meanwhile (as in vote-burst)."""
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    try:
        vote.opened_at = time.time()
        await command(chair, "poll.open", {"poll": POLL})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(vote.all_answered.wait(), 120)
    finally:
        gc.enable()
    burst = time.perf_counter() - started
    await command(chair, "poll.close", {"poll": POLL})
    await command(chair, "poll.publish", {"poll": POLL})
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(vote.all_published.wait(), 60)
    return burst


async def season(opts: Options) -> Result:
    m, size, c = opts.meetings, opts.meeting_size, opts.congress
    target = ClusterTarget(nodes=2, server_cpus=opts.server_cpus, env=dict(opts.server_env))
    with target:
        bar = progress(opts, "create meetings")
        congress = target.create_meeting(c, "Đại hội mùa họp")
        smalls = []
        for j in range(m):
            smalls.append(target.create_meeting(size, f"Họp số {j}"))
            bar(j + 1, m)
        small_tally, congress_tally = Tally(run=new_run_id()), Tally(run=new_run_id())
        chair_tally = Tally(run="-")
        servers = target.servers
        small_sessions = [s for j, meeting in enumerate(smalls)
                          for s in tablets(opts, target, small_tally, meeting, j * size)]
        chairs = [Session(chair_tally, servers[j % 2].host, servers[j % 2].port, meeting.id,
                          meeting.chair_token) for j, meeting in enumerate(smalls)]
        congress_sessions = tablets(opts, target, congress_tally, congress, m * size)
        congress_chair = Session(chair_tally, servers[0].host, servers[0].port, congress.id,
                                 congress.chair_token)
        say(opts, f"season: {m} meetings × {size} + a congress of {c} on 2 nodes, "
                  f"3-master cluster, {opts.duration:g} s")
        everyone = [*small_sessions, *congress_sessions, *chairs, congress_chair]
        await connect_all(opts, small_tally, everyone, progress(opts, "connect"))
        await open_with_poll(opts, congress_chair, congress_sessions, POLL, "Biểu quyết mùa họp")
        vote = CongressVote(congress_sessions, congress_tally.run)
        congress_tally.on_event = vote.on_event
        await asyncio.sleep(SETTLE)

        per_node = [ProcStats([pid]) for pid in target.server_pids()]
        cluster = ProcStats(target.redis_pids())
        for stats in (*per_node, cluster):
            stats.start()
        sampling = [asyncio.get_running_loop().create_task(sampler(s)) for s in per_node]
        started = time.perf_counter()
        changes = asyncio.get_running_loop().create_task(run_changes(opts, chairs, small_tally))
        await asyncio.sleep(opts.duration * BURST_AT)
        burst = await vote_burst(congress_chair, vote)
        streams = await changes
        expected = sum(s.acked for s in streams) * size
        await drain(opts, small_tally, expected)
        elapsed = time.perf_counter() - started
        for task in sampling:
            task.cancel()
        for stats in (*per_node, cluster):
            stats.stop()
        close_all(everyone)
        await asyncio.sleep(0.2)
        return season_result(opts, streams, small_tally, congress_tally, vote,
                             per_node=per_node, cluster=cluster, elapsed=elapsed, burst=burst)


def season_result(opts: Options, streams: list[Stream], small: Tally, congress: Tally,
                  vote: CongressVote, *, per_node: list[ProcStats], cluster: ProcStats,
                  elapsed: float, burst: float) -> Result:
    size, c = opts.meeting_size, opts.congress
    sent = sum(s.sent for s in streams)
    acked = sum(s.acked for s in streams)
    expected = acked * size
    cpu = sum(s.cpu_s for s in per_node)
    result = Result(
        scenario="season",
        target=opts.target or "phonghop",
        delegates=opts.meetings * size + c,
        duration_s=round(elapsed, 2),
        acked=acked + len(vote.acks_ms),
        lost=(sent - acked) + (c - len(vote.acks_ms)),
        duplicates=small.duplicates + congress.duplicates,
        gaps=small.gaps + congress.gaps,
        reach=round((small.delivered + len(vote.published)) / (expected + c), 6),
        latency_ms=percentiles(small.latencies_ms),
        deliveries_per_s=round(small.delivered / elapsed, 1),
    ).with_server(cpu, sum(s.rss_peak for s in per_node), small.delivered + len(vote.acks_ms))
    result.extra.update(
        meetings=opts.meetings, meeting_size=size, congress=c, nodes=2, redis_masters=3,
        by_size={
            str(size): {"meetings": opts.meetings, "changes_sent": sent, "changes_acked": acked,
                        "reach": round(small.delivered / expected, 6) if expected else 0.0,
                        "delivery_ms": percentiles(small.latencies_ms)},
            str(c): {"meetings": 1, "ballots_acked": len(vote.acks_ms),
                     "ballot_ack_ms": percentiles(vote.acks_ms),
                     "poll_opened_delivery_ms": percentiles(vote.opened_ms),
                     "result_reach": round(len(vote.published) / c, 6),
                     "refused": vote.refused, "burst_s": round(burst, 2)},
        },
        # The headline figures, short enough for the terminal's table; by_size has the rest.
        p99_ms_by_size={str(size): percentiles(small.latencies_ms)["p99"],
                        f"{c} ballot ack": percentiles(vote.acks_ms)["p99"]},
        reach_by_size={str(size): round(small.delivered / expected, 6) if expected else 0.0,
                       str(c): round(len(vote.published) / c, 6)},
        cpu_s_per_node=[round(s.cpu_s, 2) for s in per_node],
        rss_peak_mb_per_node=[round(s.rss_peak / 2**20, 1) for s in per_node],
        cluster_cpu_s=round(cluster.cpu_s, 2),
        connect_failures=small.connect_failures,
    )
    return result
