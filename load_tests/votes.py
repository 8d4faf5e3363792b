"""vote-burst: the meeting opens, every delegate checks in, the chair opens a named
yes/no/abstain poll and every delegate casts a ballot as soon as the ``poll.opened`` event
reaches it; the chair closes and publishes, and every delegate must get the result.

``reconnect-storm --during vote-burst`` is the same burst with ``drop_share`` of the
delegates cutting their TCP connection (no close frame) once, at a random moment of their
vote: before sending the ballot, right after sending it (the ack is lost), or after the ack.
They resume (hello + ``resume: {epoch, seq}``; one in ``RELOAD_EVERY`` comes back without
its position, as a reloaded tablet, and gets a snapshot) and send the same ``ballot_id``
until acknowledged; those dropped after their ack send it once more. A retry of a counted
ballot must be answered ``replayed: true`` with the receipt of the first count.

latency_ms is the ballot's ack time (send to ack, resumes included). lost = acknowledged
ballots missing from the poll's ballot hash in Redis (``ph:{m}:poll:P:ballots``) or from the
``poll.closed`` event (voter or receipt hash); duplicates = ballots counted beyond one per
voter (hash records replaced, ``voted``/``receipts`` entries twice) plus events delivered
twice to a client. reach = delegates that got ``poll.published``, as an event or, after a
resume by snapshot, as the poll's status in the snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from load_tests.connect import check_in, has_command
from load_tests.crowd import (
    Options,
    close_all,
    keepalive_gap,
    make_target,
    open_crowd,
    say,
    target_name,
)
from load_tests.report import Result, percentiles
from load_tests.session import Session, Tally
from load_tests.target import ProcStats, new_run_id, server_counters

POLL = "burst1"
# Where a dropped delegate's cut falls in its vote (assigned in turn, so each one occurs).
STAGES = ("before_send", "after_send", "after_ack")
DROP_WINDOW = 0.3  # seconds: the cut comes at a random moment this long into its stage
RELOAD_EVERY = 4  # one dropped delegate in 4 resumes without its position (a snapshot)
# Seconds without an answer before the ballot is sent again: long, as a lost answer comes
# with a dropped connection, and a slow ack in a big burst is not to be sent twice.
ANSWER_WAIT = 60.0
# In a hall the check-in is over long before a vote. The check-ins of the setup leave
# coalesced presence counts due to every tablet (at most every 2 s, docs/protocol.md); they
# go out before the poll opens, so the burst measures the vote, not the end of the setup.
SETTLE = 3.0
GIVE_UP = 180.0  # a ballot not acknowledged this long after its first send stays unacked
FINAL = {"duplicate", "conflict", "forbidden", "invalid", "not_found", "invalid_state"}


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
    """Open the meeting, check every delegate in, and create a yes/no/abstain poll: named, or
    secret with ``--secret`` (each ballot sealed with the poll's key before Redis)."""
    await _ok(chair, "meeting.open", {})
    checked, _ = await check_in(opts, sessions)
    if checked != len(sessions):
        raise RuntimeError(f"only {checked} of {len(sessions)} check-ins acknowledged")
    await _ok(chair, "poll.create", {
        "id": poll, "title": title, "method": "yes_no_abstain",
        "rule": "more than 1/2 of valid ballots", "secret": opts.secret,
    })  # fmt: skip


@dataclass
class Voter:
    session: Session
    ballot_id: str
    choice: str
    stage: str = ""  # one of STAGES when this delegate drops, else ""
    reload: bool = False  # resumes without its position (the server sends a snapshot)
    delay: float = 0.0  # seconds into its stage that the cut comes
    sends: int = 0
    voter: str = ""
    receipt: str = ""
    receipt_hash: str = ""
    receipts: set[str] = field(default_factory=set)  # every receipt answered to this ballot
    replayed: int = 0  # answers to a re-send that said replayed: true
    refused: str = ""


async def _until_open(session: Session, deadline: float) -> bool:
    while not session.open:
        if time.monotonic() > deadline or session.stopped:
            return False
        await asyncio.sleep(0.05)
    return True


async def _drop(v: Voter) -> None:
    v.session.drop()
    if v.reload:
        # As a tablet whose app was restarted: it says hello without a position.
        v.session.epoch = None
        v.session.pos = 0
    await asyncio.sleep(0)  # let the close run, so the session is not seen as open


async def _send(v: Voter, refused: Counter[str], *, cut: bool = False) -> dict[str, Any] | None:
    """Send the ballot (same ballot_id, a new command id each time) until an ack or a final
    refusal; ``cut``: drop the connection right after the first send, losing its answer."""
    body = {"poll": POLL, "choice": v.choice, "ballot_id": v.ballot_id}
    deadline = time.monotonic() + GIVE_UP
    while time.monotonic() < deadline:
        if not await _until_open(v.session, deadline):
            return None
        v.sends += 1
        try:
            answer = v.session.send_cmd("ballot.cast", body)
            if cut:
                cut = False
                await _drop(v)
            msg = await asyncio.wait_for(answer, ANSWER_WAIT)
        except (ConnectionError, TimeoutError):
            await asyncio.sleep(0.05)
            continue
        if msg.get("type") == "ack":
            result = msg.get("result") or {}
            if v.sends > 1 and result.get("replayed"):
                v.replayed += 1
            v.receipts.add(str(result.get("receipt", "")))
            return msg
        code = str(msg.get("code"))
        refused[code] += 1
        if code in FINAL:
            return msg
        await asyncio.sleep(0.3)  # unavailable / internal: the server's trouble, retry
    return None


def _published(msg: dict[str, Any]) -> bool:
    """A snapshot whose state shows the poll published."""
    state = msg.get("state") or {}
    return any(
        p.get("poll") == POLL and p.get("status") == "published" for p in state.get("polls", ())
    )


class _Burst:
    """One run's vote burst: what the ballots' tasks and the event handlers share, and what
    they counted."""

    def __init__(self, voters: dict[int, Voter], n: int) -> None:
        self.voters, self.n = voters, n
        self.acks: list[float] = []
        self.refused: Counter[str] = Counter()
        self.results: set[int] = set()
        self.pending: list[asyncio.Task[None]] = []
        self.casting: set[int] = set()
        self.all_casting = asyncio.Event()
        self.all_results = asyncio.Event()
        self.closing: dict[str, Any] = {}
        self.closed = asyncio.Event()

    async def cast(self, v: Voter) -> None:
        if v.stage in ("before_send", "after_send"):
            await asyncio.sleep(v.delay)
        if v.stage == "before_send":
            await _drop(v)
        started = time.perf_counter()
        msg = await _send(v, self.refused, cut=v.stage == "after_send")
        if msg is None:
            return  # left unacked
        if msg.get("type") != "ack":
            v.refused = str(msg.get("code"))
            return
        self.acks.append((time.perf_counter() - started) * 1000)
        result = msg.get("result") or {}
        v.voter = str(result.get("voter", ""))
        v.receipt = str(result.get("receipt", ""))
        v.receipt_hash = str(result.get("receipt_hash", ""))
        if v.stage == "after_ack":
            # Its ack came; once back it sends the ballot again, which must be a replay.
            await asyncio.sleep(v.delay)
            await _drop(v)
            await _send(v, self.refused)

    def reached(self, session: Session) -> None:
        self.results.add(id(session))
        if len(self.results) >= self.n:
            self.all_results.set()

    def on_event(self, session: Session, msg: dict[str, Any], now: float) -> None:
        if msg.get("type") == "snapshot":
            if _published(msg):
                self.reached(session)
            return
        if msg.get("type") != "event":
            return
        kind = msg.get("kind")
        if kind == "poll.opened" and id(session) not in self.casting:
            self.casting.add(id(session))
            task = asyncio.get_running_loop().create_task(self.cast(self.voters[id(session)]))
            self.pending.append(task)
            if len(self.pending) >= self.n:
                self.all_casting.set()
        elif kind == "poll.published":
            self.reached(session)

    def on_chair_event(self, session: Session, msg: dict[str, Any], now: float) -> None:
        if msg.get("type") == "event" and msg.get("kind") == "poll.closed":
            self.closing.update(msg.get("body") or {})
            self.closed.set()


def _voters(
    sessions: list[Session], run_id: str, rng: random.Random, dropping: int
) -> dict[int, Voter]:
    """A voter per session (by the session's id), `dropping` of them cutting their
    connection once, at a stage of their vote taken in turn."""
    voters = {
        id(s): Voter(s, f"b-{run_id}-{i:05d}", rng.choice(("yes", "no", "abstain")))
        for i, s in enumerate(sessions)
    }
    for j, v in enumerate(rng.sample(list(voters.values()), dropping)):
        v.stage = STAGES[j % len(STAGES)]
        v.reload = j % RELOAD_EVERY == RELOAD_EVERY - 1
        v.delay = rng.uniform(0, DROP_WINDOW)
    return voters


def stored_key(meeting_id: str, secret: bool, poll: str = POLL) -> str:
    """Where a poll's ballots are claimed per voter: the named records, or (secret) who voted."""
    return f"ph:{{{meeting_id}}}:poll:{poll}:{'voters' if secret else 'ballots'}"


def _stored_ballots(redis_url: str, meeting_id: str, secret: bool) -> dict[str, Any]:
    """The poll's ballot records in Redis, by voter; for a secret poll only who voted (its
    sealed ballots are dropped when counted, and never readable here)."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        stored = client.hgetall(stored_key(meeting_id, secret))
    finally:
        client.close()
    if secret:
        return {str(voter): {"secret": True} for voter in stored}
    return {str(voter): json.loads(raw) for voter, raw in stored.items()}


def _counter_deltas(
    before: list[dict[str, float]], after: list[dict[str, float]]
) -> dict[str, float]:
    """Each server counter's growth, summed over the servers."""
    return {
        key: round(sum(a.get(key, 0.0) - b.get(key, 0.0)
                       for a, b in zip(after, before, strict=True)), 4)
        for key in sorted({k for a in after for k in a})
    }  # fmt: skip


async def vote_burst(
    opts: Options, scenario: str = "vote-burst", *, drop_share: float = 0.0
) -> Result:
    with make_target(opts) as target:
        meeting = target.create_meeting(opts.delegates)
        tally = Tally(run=new_run_id())
        n = opts.delegates
        rng = random.Random(3)
        dropping = round(n * drop_share)
        say(opts, f"{scenario}: {n} delegates voting, {dropping} of them dropping once")
        sessions = await open_crowd(opts, tally, target, meeting, n)
        server = target.servers[0]
        chair_tally = Tally(run="-")
        chair = Session(chair_tally, server.host, server.port, meeting.id, meeting.chair_token)
        await chair.connect()
        await open_with_poll(opts, chair, sessions, POLL, "Biểu quyết thử tải")
        await asyncio.sleep(SETTLE)
        keepalive = await keepalive_gap(opts, tally)
        voters = _voters(sessions, tally.run, rng, dropping)
        run = _Burst(voters, n)
        tally.on_event = run.on_event
        chair_tally.on_event = run.on_chair_event
        replays, snapshots = tally.replays, tally.snapshots
        stats = ProcStats(target.server_pids())
        burst_stats = ProcStats(target.server_pids())
        redis_stats = ProcStats([p for p in [target.redis_pid()] if p])
        counters_before = [server_counters(s.base_url) for s in target.servers]
        stats.start()
        burst_stats.start()
        redis_stats.start()
        # One process plays 5,000 tablets: a collection of its own in the burst would stall
        # them all and be measured as the server's latency. It waits until the burst is over.
        gc.collect()
        gc.disable()
        started = time.perf_counter()
        try:
            await _ok(chair, "poll.open", {"poll": POLL})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(run.all_casting.wait(), 120)
            await asyncio.gather(*run.pending, return_exceptions=True)
        finally:
            gc.enable()
        burst = time.perf_counter() - started
        burst_stats.stop()
        redis_stats.stop()
        counters_after = [server_counters(s.base_url) for s in target.servers]
        await _ok(chair, "poll.close", {"poll": POLL})
        await _ok(chair, "poll.publish", {"poll": POLL})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.all_results.wait(), 60)
        elapsed = time.perf_counter() - started
        stats.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.closed.wait(), 30)  # the chair's poll.closed: the count
        records = _stored_ballots(target.redis_url, meeting.id, opts.secret)
        acked = [v for v in voters.values() if v.receipt]
        voted = [str(x) for x in run.closing.get("voted", [])]
        receipts = [str(x) for x in run.closing.get("receipts", [])]
        lost = sum(
            1
            for v in acked
            if v.voter not in records or v.voter not in voted or v.receipt_hash not in receipts
        )
        counted_twice = (
            sum(1 for r in records.values() if r.get("old"))
            + len(voted) - len(set(voted))
            + len(receipts) - len(set(receipts))
        )  # fmt: skip
        mismatches = sum(1 for v in acked
                         if _receipt_mismatch(v, records.get(v.voter), receipts))
        result = Result(
            scenario=scenario,
            target=target_name(opts),
            delegates=n,
            duration_s=round(elapsed, 2),
            acked=len(acked),
            lost=lost,
            duplicates=counted_twice + tally.duplicates,
            gaps=tally.gaps,
            reach=round(len(run.results) / n, 6),
            latency_ms=percentiles(run.acks),
            deliveries_per_s=round(len(acked) / burst, 1),
        ).with_server(stats.cpu_s, stats.rss_peak, len(acked))
        result.extra.update(
            burst_s=round(burst, 2),
            burst_server_cpu_s=round(burst_stats.cpu_s, 3),
            burst_redis_cpu_s=round(redis_stats.cpu_s, 3),
            burst_server=_counter_deltas(counters_before, counters_after),
            ballots_stored=len(records),
            counted=len(set(voted)),
            refused=dict(run.refused),
            unacked_at_end=sum(1 for v in voters.values() if not v.receipt and not v.refused),
            result_received=len(run.results),
            keepalive=keepalive,
        )
        if drop_share:
            result.extra.update(
                _drop_extra(voters, tally, replays=replays, snapshots=snapshots),
                receipt_mismatches=mismatches,
                connect_failures=tally.connect_failures,
                delivered_twice=tally.duplicates,
            )
        elif mismatches:
            result.extra["receipt_mismatches"] = mismatches
        close_all(sessions)
        chair.close()
        await asyncio.sleep(0.2)
        return result


def _drop_extra(
    voters: dict[int, Voter], tally: Tally, *, replays: int, snapshots: int
) -> dict[str, Any]:
    """How the delegates that dropped came back (``replays``, ``snapshots``: the tally's
    counts before the burst)."""
    dropped = [v for v in voters.values() if v.stage]
    return dict(
        during="vote-burst",
        dropped=tally.drops,
        drop_stages=dict(Counter(v.stage for v in dropped)),
        reloaded=sum(1 for v in dropped if v.reload),
        resumes_replay=tally.replays - replays,
        resumes_snapshot=tally.snapshots - snapshots,
        sends=sum(v.sends for v in voters.values()),
        acks_replayed=sum(v.replayed for v in voters.values()),
    )


def _receipt_mismatch(v: Voter, record: dict[str, Any] | None, published: list[str]) -> bool:
    """The ballot was answered with more than one receipt, or its receipt does not hash to
    the receipt hash answered and stored with the counted ballot (``r``), or the counted
    ballot is not this one. A secret poll stores nothing readable: its receipt hash must be
    among the published ones."""
    hashed = hashlib.sha256(v.receipt.encode("utf-8")).hexdigest()
    if record is not None and record.get("secret"):
        return len(v.receipts) != 1 or hashed != v.receipt_hash or hashed not in published
    return (
        len(v.receipts) != 1
        or hashed != v.receipt_hash
        or record is None
        or record.get("r") != hashed
        or record.get("b") != v.ballot_id
        or record.get("c") != v.choice
    )
