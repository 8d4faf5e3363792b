"""What every scenario shares: its options, a crowd of sessions connected to the target,
the chair's stream of hall-state changes, and waiting for the deliveries to arrive."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from load_tests.keepalive import Span, quiet_start
from load_tests.session import MARK, Session, Tally
from load_tests.target import Meeting, ProcStats, Target
from server.progress import ProgressBar


@dataclass
class Options:
    delegates: int = 1000
    rate: float = 10.0  # hall-state changes per second
    duration: float = 20.0  # seconds of fan-out
    target: str | None = None  # URL of a running server; else the harness starts one
    nodes: int = 1
    source_ips: int = 1  # spread client sockets over 127.0.0.2 … 127.0.0.(1+N)
    connect_concurrency: int = 200
    drop_share: float = 0.2  # reconnect-storm: share of clients that drop during the run
    during: str = "fanout"  # reconnect-storm: the load it runs in, "fanout" or "vote-burst"
    slow_share: float = 0.01  # slow-consumer: share of clients that stop reading
    pad: int = 0  # extra characters in each fan-out title (bigger frames)
    secret: bool = False  # vote scenarios: a secret poll (ballots sealed) instead of a named one
    server_cpus: set[int] | None = None
    load_cpus: set[int] | None = None
    server_env: dict[str, str] = field(default_factory=dict)
    quiet: bool = False
    drain_timeout: float = 15.0
    # season: small meetings, their delegates each, and the congress's delegates
    meetings: int = 500
    meeting_size: int = 20
    congress: int = 2000

    @property
    def steps(self) -> int:
        return max(1, round(self.rate * self.duration))


def say(opts: Options, text: str) -> None:
    if not opts.quiet:
        print(text, file=sys.stderr, flush=True)


def progress(opts: Options, label: str) -> Callable[[int, int], None]:
    if opts.quiet:
        return lambda done, total: None
    return ProgressBar(label)


def target_name(opts: Options) -> str:
    return opts.target or "phonghop"


def make_target(opts: Options, nodes: int | None = None) -> Target:
    return Target(
        nodes=nodes or opts.nodes,
        external_url=opts.target,
        server_cpus=opts.server_cpus,
        env=dict(opts.server_env),
    )


def local_host(opts: Options, index: int) -> str | None:
    if opts.source_ips <= 1:
        return None
    return f"127.0.0.{2 + index % opts.source_ips}"


async def open_crowd(
    opts: Options,
    tally: Tally,
    target: Target,
    meeting: Meeting,
    count: int,
    *,
    label: str = "connect",
    first: int = 0,
    **session_args: Any,
) -> list[Session]:
    """Connect ``count`` delegates (``first`` onwards), spread over the target's nodes."""
    servers = target.servers
    bar = progress(opts, label)
    sessions: list[Session] = []
    for i in range(first, first + count):
        server = servers[i % len(servers)]
        sessions.append(
            Session(
                tally,
                server.host,
                server.port,
                meeting.id,
                meeting.delegate_tokens[i],
                local_host=local_host(opts, i),
                **session_args,
            )
        )
    await connect_all(opts, tally, sessions, bar)
    return sessions


class Connectable(Protocol):
    async def connect(self) -> Any: ...


async def connect_all(
    opts: Options, tally: Tally, sessions: Sequence[Connectable], bar: Callable[[int, int], None]
) -> None:
    """Connect every session, ``--connect-concurrency`` at a time; a failed attempt (ports
    or the listen queue short for a moment) is retried up to five times. When they connected
    is kept in ``tally.span`` (load_tests/keepalive.py)."""
    first = time.monotonic()
    gate = asyncio.Semaphore(opts.connect_concurrency)
    done = 0

    async def one(session: Connectable) -> None:
        nonlocal done
        async with gate:
            for attempt in range(5):
                try:
                    await session.connect()
                    break
                except (OSError, TimeoutError, ConnectionError):
                    tally.connect_failures += 1
                    if attempt == 4:
                        raise
                    await asyncio.sleep(0.5 * (attempt + 1))
        done += 1
        bar(done, len(sessions))

    await asyncio.gather(*(one(s) for s in sessions))
    tally.span = Span(first, time.monotonic())


# Seconds a vote burst needs clear of the server's keepalive waves: the poll's opening and
# every ballot, with room for a slower machine than this one.
BURST_ROOM = 5.0


async def keepalive_gap(opts: Options, tally: Tally, room: float = BURST_ROOM) -> dict[str, Any]:
    """Wait until the next ``room`` seconds are clear of the keepalive waves of the crowd's
    connections (load_tests/keepalive.py); what was done, for the run's JSON."""
    span = tally.span
    if span is None:
        return {}
    spread = span.last - span.first
    now = time.monotonic()
    start = quiet_start(span, now, room)
    if start is None:
        say(opts, f"connected over {spread:.1f} s: no gap between keepalive waves to start in")
        return {"connect_spread_s": round(spread, 2), "gap": False, "waited_s": 0.0}
    waited = start - now
    if waited:
        say(opts, f"waiting {waited:.1f} s for a gap between keepalive waves")
        await asyncio.sleep(waited)
    return {"connect_spread_s": round(spread, 2), "gap": True, "waited_s": round(waited, 2)}


async def open_chair(tally: Tally, target: Target, meeting: Meeting) -> Session:
    server = target.servers[0]
    chair = Session(tally, server.host, server.port, meeting.id, meeting.chair_token)
    await chair.connect()
    return chair


def update_body(run: str, index: int, pad: int) -> dict[str, str]:
    """A meeting.update body: the marked title, and past 500 characters of padding also a
    changing place and English title (each field takes at most 500)."""
    body = {"title": marked_title(run, index, pad)}
    rest = pad - 450
    for name in ("place", "title_en"):
        if rest > 0:
            body[name] = (f"{index}:" + "y" * rest)[:500]
            rest -= 500
    return body


def marked_title(run: str, index: int, pad: int) -> str:
    head = f"{MARK}{run}|{index}|{time.time():.6f}|"
    # meeting.update takes titles of at most 500 characters.
    return head + "x" * max(0, min(pad, 500 - len(head)))


@dataclass
class Stream:
    sent: int = 0
    acked: int = 0
    errors: int = 0
    ack_latencies_ms: list[float] = field(default_factory=list)
    acked_seqs: list[int] = field(default_factory=list)


async def chair_stream(
    opts: Options,
    chair: Session,
    tally: Tally,
    *,
    on_step: Callable[[int], None] | None = None,
    label: str = "fanout",
) -> Stream:
    """The chair changes the hall state (meeting.update with a timestamped title) at
    ``opts.rate`` Hz for ``opts.duration`` s, without waiting for each ack."""
    stream = Stream()
    bar = progress(opts, label)
    pending: list[asyncio.Future[dict[str, Any]]] = []
    interval = 1.0 / opts.rate
    start = time.perf_counter()
    steps = opts.steps

    def acked(sent_at: float) -> Callable[[asyncio.Future[dict[str, Any]]], None]:
        def done(future: asyncio.Future[dict[str, Any]]) -> None:
            if future.cancelled() or future.exception() is not None:
                stream.errors += 1
                return
            msg = future.result()
            if msg.get("type") == "ack":
                stream.acked += 1
                stream.acked_seqs.append(int(msg.get("seq", 0)))
                stream.ack_latencies_ms.append((time.perf_counter() - sent_at) * 1000)
            else:
                stream.errors += 1

        return done

    for i in range(steps):
        delay = start + i * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        future = chair.send_cmd("meeting.update", update_body(tally.run, i, opts.pad))
        future.add_done_callback(acked(time.perf_counter()))
        pending.append(future)
        stream.sent += 1
        if on_step is not None:
            on_step(i)
        if i % max(1, int(opts.rate)) == 0:
            bar(i, steps)
    bar(steps, steps)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 120)
    return stream


async def drain(
    opts: Options, tally: Tally, expected: int, *, sample: Callable[[], None] | None = None
) -> None:
    """Wait until ``expected`` marked deliveries arrived, or nothing moved for a while."""
    last, still_since = -1, time.monotonic()
    deadline = time.monotonic() + opts.drain_timeout * 4
    while tally.delivered < expected and time.monotonic() < deadline:
        if tally.delivered != last:
            last, still_since = tally.delivered, time.monotonic()
        elif time.monotonic() - still_since > opts.drain_timeout:
            return
        if sample is not None:
            sample()
        await asyncio.sleep(0.1)


async def sampler(stats: ProcStats, every: float = 0.5) -> None:
    while True:
        stats.sample()
        await asyncio.sleep(every)


def close_all(sessions: list[Session]) -> None:
    for session in sessions:
        session.close()
