"""crash-vote: kill -9 the server, and later the embedded Redis, in the middle of a vote
burst; restart each on the same port and data; every tablet resumes and re-sends each
ballot that was not acknowledged, with the same ``ballot_id``. Then the chair closes the
poll and the ``poll.closed`` event in the meeting log is the judge.

The meeting opens, every delegate checks in, the chair creates and opens a named
yes/no/abstain poll; delegate i casts its ballot (``ballot_id`` fixed for the run) at
``i / n × duration`` seconds after the opening, except 10% sent together just before each
kill. The server is killed with SIGKILL at 1/3 of the duration, as soon as the first ballot
of that burst is in Redis, and restarted on its port; the embedded Redis (``appendfsync
always``) likewise at 2/3, kept down 0.5 s, and restarted on its data directory. Half of
each burst also cut their connection right after sending (their acks are surely lost). A
ballot whose answer does not come (dropped
connection, timeout, ``unavailable``) is re-sent with the same ``ballot_id`` and a new
command id until it is acknowledged. Once all are acknowledged, every delegate sends its
ballot once more (same ``ballot_id``): the answer must be ``replayed: true`` with the
receipt of the first ack.

lost = acknowledged ballots missing from ``poll.closed`` (voter not in ``voted``, or the
receipt hash from the ack not in ``receipts``); duplicates = ballots counted beyond one per
voter (in ``voted``, ``ballots``, ``receipts`` and ``result.cast``) plus events delivered
twice to a client. latency_ms is send to ack of each ballot, retries and outages included.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from load_tests.crowd import Options, close_all, make_target, open_crowd, progress, say, target_name
from load_tests.report import Result, percentiles
from load_tests.session import Session, Tally
from load_tests.target import ProcStats, Target, new_run_id
from load_tests.votes import stored_key

POLL = "crash1"
ANSWER_WAIT = 5.0  # seconds to wait for an answer before re-sending the ballot
GIVE_UP = 120.0  # a ballot not acknowledged this long after its first send is left unacked
AT_KILL_SHARE = 0.1  # of the ballots, sent together just before each kill
KILL_WAIT = 2.0  # the kill comes when the burst's first ballot is in Redis, or this late
REDIS_DOWN = 0.5  # seconds the embedded Redis stays dead before it is restarted
FINAL = {"duplicate", "conflict", "forbidden", "invalid", "not_found", "invalid_state"}


class TabletSession(Session):
    """A session that tries again as soon as a resume attempt is closed before the welcome
    (as a tablet would), instead of waiting out the 15 s hello timeout of ``Session``: a
    server whose Redis is down drops the connection at ``hello``."""

    def _on_close(self, code: int | None) -> None:
        retrying = self.reconnecting
        handshaking = not self.welcomed.is_set() and retrying is not None and not retrying.done()
        super()._on_close(code)
        if handshaking and retrying is not None and not self.stopped:
            retrying.cancel()
            self.tally.connect_failures += 1
            self.reconnecting = asyncio.get_running_loop().create_task(self._resume())


@dataclass
class Voter:
    session: Session
    ballot_id: str
    choice: str
    at: float  # seconds after the poll opens
    group: int = 0  # 1, 2: sent together just before the server / the Redis kill
    cut: bool = False  # cut the connection right after the first send (its ack is lost)
    voter: str = ""
    receipt: str = ""
    receipt_hash: str = ""
    acked_replayed: bool = False  # the first ack we got was already a replay
    ack_ms: float = 0.0
    attempts: int = 0
    refused: str = ""
    verify: str = ""  # "same", "not_replayed", "mismatch", "refused:<code>", "no_answer"


async def _until_open(session: Session, deadline: float) -> bool:
    while not session.open:
        if time.monotonic() > deadline or session.stopped:
            return False
        await asyncio.sleep(0.1)
    return True


async def _send(v: Voter, errors: Counter[str], deadline: float) -> dict[str, Any] | None:
    """Send the ballot until an ack or a final refusal comes back (None: gave up)."""
    body = {"poll": POLL, "choice": v.choice, "ballot_id": v.ballot_id}
    while time.monotonic() < deadline:
        if not await _until_open(v.session, deadline):
            return None
        v.attempts += 1
        try:
            answer = v.session.send_cmd("ballot.cast", body)
            if v.cut and v.attempts == 1:
                v.session.drop()
            msg = await asyncio.wait_for(answer, ANSWER_WAIT)
        except (ConnectionError, TimeoutError):
            errors["no_answer"] += 1
            await asyncio.sleep(0.2)
            continue
        if msg.get("type") == "ack":
            return msg
        code = str(msg.get("code"))
        errors[code] += 1
        if code in FINAL:
            return msg
        await asyncio.sleep(0.3)  # unavailable / internal: the server's trouble, retry
    return None


async def _ok(session: Session, kind: str, body: dict[str, Any], done_if: str = "") -> None:
    """A chair command, re-sent across drops until acknowledged (or already done)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not await _until_open(session, deadline):
            break
        try:
            msg = await asyncio.wait_for(session.send_cmd(kind, body), ANSWER_WAIT)
        except (ConnectionError, TimeoutError):
            await asyncio.sleep(0.3)
            continue
        if msg.get("type") == "ack":
            return
        details = msg.get("details") or {}
        if done_if and details.get("poll_status") == done_if:
            return
        if msg.get("code") not in ("unavailable", "internal"):
            raise RuntimeError(f"{kind} refused: {msg}")
        await asyncio.sleep(0.3)
    raise RuntimeError(f"{kind}: no ack in 60 s")


def _voters(sessions: list[Session], run_id: str, spread: float) -> tuple[list[Voter], int]:
    """One voter per session with its send time and choice, and how many ballots go together
    just before each kill.

    Most ballots spread evenly over the duration; a share of them sent together just before
    each kill, so that the kill lands on ballots in flight (received and not yet written,
    written and not yet acknowledged, acknowledged on the wire)."""
    n = len(sessions)
    rng = random.Random(8)
    kill_at = (spread / 3, 2 * spread / 3)
    at_kill = max(1, round(n * AT_KILL_SHARE)) if n >= 10 else 0
    times = [spread * i / n for i in range(n)]
    order = list(range(n))
    rng.shuffle(order)
    groups = [0] * n
    for j, i in enumerate(order[: 2 * at_kill]):
        times[i], groups[i] = kill_at[j % 2], 1 + j % 2
    voters = [
        Voter(s, f"{run_id}-{i:05d}", rng.choice(("yes", "no", "abstain")), times[i])
        for i, s in enumerate(sessions)
    ]
    for v, g in zip(voters, groups, strict=True):
        v.group = g
    # Half of each burst also cut their own connection the moment the ballot is sent,
    # so its ack is lost for certain (the ballot may or may not have reached the
    # server): the retry after the restart must be a replay or a first count, never
    # a second one.
    for v in [v for v in voters if v.group][::2]:
        v.cut = True
    return voters, at_kill


class _Burst:
    """One run's vote burst and the two kills in its middle: what the ballots' tasks, the
    kills and the event handler share, and what they counted."""

    def __init__(
        self,
        target: Target,
        meeting_id: str,
        voters: list[Voter],
        spread: float,
        bar: Callable[[int, int], None],
        secret: bool = False,
    ) -> None:
        self.target, self.meeting_id, self.voters, self.bar = target, meeting_id, voters, bar
        self.secret = secret
        self.n = len(voters)
        self.kill_at = (spread / 3, 2 * spread / 3)
        self.group_acked = [0, 0, 0]
        self.kill_now = [asyncio.Event(), asyncio.Event(), asyncio.Event()]
        self.killed_at = [0.0, 0.0, 0.0]
        self.counts_at_kill: list[int] = []
        self.acked_at_kill: list[int] = []
        self.closed_seen: set[int] = set()
        self.all_closed = asyncio.Event()
        self.errors: Counter[str] = Counter()
        self.acks_ms: list[float] = []
        self.stats = [ProcStats(target.server_pids())]
        self.outage: dict[str, float] = {}
        self.burst_at_kill: dict[str, dict[str, int]] = {}
        self.t0 = 0.0
        self.sends = self.retried = 0
        self.burst_s = 0.0

    def on_event(self, session: Session, msg: dict[str, Any], now: float) -> None:
        if msg.get("type") == "event" and msg.get("kind") == "poll.closed":
            self.closed_seen.add(id(session))
            if len(self.closed_seen) >= self.n:
                self.all_closed.set()

    async def cast(self, v: Voter) -> None:
        delay = self.t0 + v.at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        started = time.perf_counter()
        msg = await _send(v, self.errors, time.monotonic() + GIVE_UP)
        if msg is None:
            return
        if msg.get("type") != "ack":
            v.refused = str(msg.get("code"))
            return
        v.ack_ms = (time.perf_counter() - started) * 1000
        self.acks_ms.append(v.ack_ms)
        body = msg.get("result") or {}
        v.voter = str(body.get("voter", ""))
        v.receipt = str(body.get("receipt", ""))
        v.receipt_hash = str(body.get("receipt_hash", ""))
        v.acked_replayed = bool(body.get("replayed"))
        self.group_acked[v.group] += 1
        self.bar(len(self.acks_ms), self.n)

    def kill(self, g: int) -> None:
        if self.kill_now[g].is_set():
            return
        self.kill_now[g].set()
        self.killed_at[g] = time.perf_counter()
        self.counts_at_kill.append(self.group_acked[g])
        self.acked_at_kill.append(len(self.acks_ms))
        if g == 1:
            self.stats[-1].stop()  # its CPU, read while the process still exists
            self.target.servers[0].kill()
        else:
            self.target.kill_redis()

    async def moment(self, g: int) -> dict[str, int]:
        """Kill g comes as soon as the first ballot of the burst sent at its time is in
        Redis (watched from here): the server has written part of the burst and has
        acknowledged little or none of it. Returns what was written and acked then."""
        import redis

        ids = [v.session.participant.get("id", "") for v in self.voters if v.group == g]
        key = stored_key(self.meeting_id, self.secret, POLL)
        client = redis.Redis.from_url(self.target.redis_url)
        written = 0
        try:
            await asyncio.sleep(max(0.0, self.t0 + self.kill_at[g - 1] - time.perf_counter()))
            deadline = time.perf_counter() + KILL_WAIT
            while ids and time.perf_counter() < deadline:
                await asyncio.sleep(0.0005)
                written = sum(1 for x in client.hmget(key, ids) if x is not None)
                if written:
                    break
            self.kill(g)
        finally:
            client.close()
        return {"written": written, "acked": self.counts_at_kill[-1]}

    def count_sends(self) -> None:
        """Sends and retries of the burst, counted before the replay check sends every
        acknowledged ballot again."""
        self.sends = sum(v.attempts for v in self.voters)
        for g, name in ((1, "server"), (2, "redis")):
            self.burst_at_kill[name]["retried"] = sum(
                1 for v in self.voters if v.group == g and v.attempts > 1
            )
        self.retried = sum(1 for v in self.voters if v.attempts > 1)

    async def kill_and_restart(self, server_port: int) -> None:
        """The server killed and restarted on its port, then the embedded Redis on its data."""
        target = self.target
        port = target.redis.port
        self.burst_at_kill["server"] = await self.moment(1)
        await asyncio.to_thread(target.start_server, server_port, 0)
        self.outage["server_restart_s"] = round(time.perf_counter() - self.killed_at[1], 2)
        self.stats.append(ProcStats(target.server_pids()))
        self.stats[-1].start()

        self.burst_at_kill["redis"] = await self.moment(2)
        target.redis.requested_port = port
        # Redis stays down a moment while the clients keep sending (restarting it blocks
        # this loop, so an immediate restart would hide the outage from them).
        await asyncio.sleep(max(0.0, self.killed_at[2] + REDIS_DOWN - time.perf_counter()))
        # In this thread: the embedded Redis dies with the thread that started it.
        target.start_redis()
        self.outage["redis_restart_s"] = round(time.perf_counter() - self.killed_at[2], 2)


async def _verify(v: Voter, gate: asyncio.Semaphore) -> None:
    """An acknowledged ballot once more, same ballot_id: a replay with the same receipt."""
    async with gate:
        msg = await _send(v, Counter(), time.monotonic() + 60)
    if msg is None:
        v.verify = "no_answer"
    elif msg.get("type") != "ack":
        v.verify = f"refused:{msg.get('code')}"
    else:
        body = msg.get("result") or {}
        if body.get("receipt") != v.receipt:
            v.verify = "mismatch"
        elif not body.get("replayed"):
            v.verify = "not_replayed"
        else:
            v.verify = "same"


async def crash_vote(opts: Options) -> Result:
    from load_tests.votes import open_with_poll

    if opts.target:
        raise SystemExit("crash-vote kills the processes it starts; it cannot use --target")
    with make_target(opts) as target:
        meeting = target.create_meeting(opts.delegates)
        tally = Tally(run=new_run_id())
        n = opts.delegates
        spread = max(1.0, opts.duration)
        say(
            opts,
            f"crash-vote: {n} delegates casting over {spread:g} s; kill -9 the server at "
            f"{spread / 3:.1f} s, the embedded Redis at {2 * spread / 3:.1f} s",
        )
        sessions = await open_crowd(opts, tally, target, meeting, n, resume_delay=0.3)
        for session in sessions:
            session.__class__ = TabletSession  # same state, a quicker retry
        server = target.servers[0]
        chair_tally = Tally(run="-")
        chair = TabletSession(
            chair_tally, server.host, server.port, meeting.id, meeting.chair_token,
            resume_delay=0.3,
        )  # fmt: skip
        await chair.connect()
        await open_with_poll(opts, chair, sessions, POLL, "Biểu quyết khi máy chủ sập")
        voters, at_kill = _voters(sessions, tally.run, spread)
        run = _Burst(target, meeting.id, voters, spread, progress(opts, "ballots"), opts.secret)
        tally.on_event = run.on_event
        run.stats[0].start()
        await _ok(chair, "poll.open", {"poll": POLL})
        run.t0 = time.perf_counter()
        tasks = [asyncio.get_running_loop().create_task(run.cast(v)) for v in voters]
        await run.kill_and_restart(server.port)

        await asyncio.gather(*tasks, return_exceptions=True)
        run.bar(n, n)
        run.count_sends()
        burst = time.perf_counter() - run.t0
        run.burst_s = round(burst, 2)

        gate = asyncio.Semaphore(opts.connect_concurrency)
        acked = [v for v in voters if v.receipt]
        await asyncio.gather(*(_verify(v, gate) for v in acked), return_exceptions=True)

        await _ok(chair, "poll.close", {"poll": POLL}, done_if="closed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.all_closed.wait(), 30)
        elapsed = time.perf_counter() - run.t0
        run.stats[-1].stop()

        counts = _judge(_poll_closed(target.log(meeting.id)), acked)
        stored = _stored_voters(target.redis_url, meeting.id, opts.secret)
        rss_peak = max(st.rss_peak for st in run.stats)
        cpu = sum(st.cpu_s for st in run.stats)
        result = Result(
            scenario="crash-vote",
            target=target_name(opts),
            delegates=n,
            duration_s=round(elapsed, 2),
            acked=len(acked),
            lost=counts.lost,
            duplicates=counts.counted_twice + tally.duplicates,
            gaps=tally.gaps,
            reach=round(len(run.closed_seen) / n, 6),
            latency_ms=percentiles(run.acks_ms),
            deliveries_per_s=round(len(acked) / burst, 1),
        ).with_server(cpu, rss_peak, len(acked))
        result.extra.update(_extra(run, tally, acked, counts, at_kill=at_kill, stored=stored))
        close_all(sessions)
        chair.close()
        with contextlib.suppress(Exception):
            await asyncio.sleep(0.2)
        return result


@dataclass(frozen=True)
class _Counts:
    """The ``poll.closed`` event against the acknowledged ballots."""

    lost: int  # acked, and its voter not in voted or its receipt hash not in receipts
    lost_from_voted: int
    lost_from_receipts: int
    counted_twice: int
    counted: int  # distinct voters in voted
    counted_not_acked: int
    choice_mismatches: int


def _judge(closing: dict[str, Any], acked: list[Voter]) -> _Counts:
    voted = [str(x) for x in closing.get("voted", [])]
    receipts = [str(x) for x in closing.get("receipts", [])]
    named = closing.get("ballots") or []
    counted = Counter(str(b.get("voter")) for b in named)
    choices = {str(b.get("voter")): b.get("choice") for b in named}
    cast_total = (closing.get("result") or {}).get("cast", len(voted))
    cast_count = int(cast_total["count"] if isinstance(cast_total, dict) else cast_total)
    voted_set, receipt_set = set(voted), set(receipts)
    twice = (
        (len(voted) - len(voted_set))
        + sum(c - 1 for c in counted.values() if c > 1)
        + (len(receipts) - len(receipt_set))
        + max(0, cast_count - len(voted_set))
    )
    return _Counts(
        lost=sum(
            1 for v in acked if v.voter not in voted_set or v.receipt_hash not in receipt_set
        ),
        lost_from_voted=sum(1 for v in acked if v.voter not in voted_set),
        lost_from_receipts=sum(1 for v in acked if v.receipt_hash not in receipt_set),
        counted_twice=twice,
        counted=len(voted_set),
        counted_not_acked=len(voted_set - {v.voter for v in acked}),
        choice_mismatches=sum(
            1 for v in acked if v.voter in choices and choices[v.voter] != v.choice
        ),
    )


def _extra(
    run: _Burst, tally: Tally, acked: list[Voter], counts: _Counts, *, at_kill: int, stored: int
) -> dict[str, Any]:
    """The run's figures beyond the stable fields, in the order they are reported."""
    voters, n = run.voters, run.n
    verify_counts = Counter(v.verify for v in acked)
    return dict(
        ballots=n,
        unacked_at_end=sum(1 for v in voters if not v.receipt and not v.refused),
        refused=dict(Counter(v.refused for v in voters if v.refused)),
        kills=2,
        restarts={"server": 1, "redis": 1},
        acked_before_server_kill=run.acked_at_kill[0],
        acked_before_redis_kill=run.acked_at_kill[1],
        sent_just_before_each_kill=at_kill,
        burst_at_kill=run.burst_at_kill,
        redis_down_s=REDIS_DOWN,
        sends=run.sends,
        retried_ballots=run.retried,
        retry_answers=dict(run.errors),
        cut_after_send=sum(1 for v in voters if v.cut),
        cut_and_replayed=sum(1 for v in acked if v.cut and v.acked_replayed),
        first_ack_was_replay=sum(1 for v in acked if v.acked_replayed),
        receipt_mismatches=verify_counts["mismatch"],
        replay_check=dict(verify_counts),
        lost_from_voted=counts.lost_from_voted,
        lost_from_receipts=counts.lost_from_receipts,
        counted_twice=counts.counted_twice,
        counted=counts.counted,
        counted_not_acked=counts.counted_not_acked,
        choice_mismatches=counts.choice_mismatches,
        ballots_in_redis=stored,
        delivered_twice=tally.duplicates,
        poll_closed_received=len(run.closed_seen),
        burst_s=run.burst_s,
        resumes_replay=tally.replays,
        snapshots_after_start=tally.snapshots - n,
        epoch_changes=tally.epoch_changes,
        connect_failures=tally.connect_failures,
        close_codes={
            str(code): count
            for code, count in sorted(tally.closes.items(), key=lambda kv: str(kv[0]))
        },
        appendfsync=run.target.appendfsync,
        **run.outage,
    )


def _poll_closed(log: dict[str, Any]) -> dict[str, Any]:
    for e in log["events"]:
        if e["kind"] == "poll.closed" and e["body"].get("poll") == POLL:
            return e["body"]  # type: ignore[no-any-return]
    raise RuntimeError("no poll.closed in the meeting log")


def _stored_voters(redis_url: str, meeting_id: str, secret: bool) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.hlen(stored_key(meeting_id, secret, POLL)))
    finally:
        client.close()
