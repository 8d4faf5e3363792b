"""Polls as they travel live, per process: the closing timer of a poll with a deadline, the
voted count and partial tallies read from Redis while a poll is open, and each tablet told
whose ballots it may cast."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from protocol.codec import Codec, encode
from protocol.errors import ErrorCode
from protocol.messages import Live
from rooms import poll_commands, polls
from rooms.model import ALL_ROLES, STAFF, VOTING_ROLES, Actor, Role
from rooms.polls import Poll, PollStatus
from server.connection import Connection, Frame
from server.hub import MeetingHub
from server.runtime import Runtime
from server.store import LogEntry, k

log = logging.getLogger("phonghop.polls")

# How often an open poll's voted count is read from Redis; every process reads the same
# count, so every screen shows the same number (at most this much behind).
PROGRESS_INTERVAL = 0.5
LIVE_TO_STAFF = STAFF | {Role.SCREEN}

def poll_key(meeting_id: str, poll_id: str, name: str) -> str:
    return k(meeting_id, poll_commands.poll_key(poll_id, name))


class PollWatch:
    """Per process: the progress reader and closing timers of each meeting's open polls."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.readers: dict[str, asyncio.Task[None]] = {}
        self.timers: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.tallying: set[str] = set()  # meetings whose staff were shown a partial tally

    def on_entry(self, hub: MeetingHub, entry: LogEntry) -> None:
        kind = entry.event.kind
        if not kind.startswith("poll."):
            return
        state = hub.state
        assert state is not None
        poll = polls.polls_of(state).polls.get(str(entry.event.body.get("poll")))
        if poll is None:
            return
        key = (hub.meeting_id, poll.id)
        if poll.status == PollStatus.OPEN:
            self._watch(hub, poll)
            if kind == "poll.opened" and hub.connection_count:
                self._tell_eligibility(hub, poll)
        else:
            timer = self.timers.pop(key, None)
            if timer is not None and asyncio.current_task() is not timer:
                timer.cancel()
            # The reader notices on its next round; until then the count stays visible.
            if kind in ("poll.closed", "poll.cancelled") and poll.definition.secret:
                # Counted (or never to be): no ciphertext of this poll need open again.
                self.rt.poll_keys.destroy(poll_commands.seal_context(state, poll))

    def on_load(self, hub: MeetingHub) -> None:
        """A hub loaded from a checkpoint never showed its polls' openings to on_entry."""
        assert hub.state is not None
        for poll in polls.polls_of(hub.state).polls.values():
            if poll.status == PollStatus.OPEN:
                self._watch(hub, poll)

    def _watch(self, hub: MeetingHub, poll: Poll) -> None:
        """An open poll's closing timer and its meeting's progress reader, unless running."""
        key = (hub.meeting_id, poll.id)
        if poll.closes_at is not None and key not in self.timers:
            self.timers[key] = asyncio.get_running_loop().create_task(
                self._close_at(hub.meeting_id, poll.id, poll.closes_at))
        reader = self.readers.get(hub.meeting_id)
        # An unloaded hub's reader has stopped; the reloaded hub gets its own.
        if reader is None or reader.done():
            self.readers[hub.meeting_id] = asyncio.get_running_loop().create_task(
                self._read_progress(hub))

    async def _close_at(self, meeting_id: str, poll_id: str, closes_at: int) -> None:
        """Send poll.close at the deadline. Every process that has the meeting loaded does
        this; the first one closes it and the others are refused (already closed): a no-op."""
        try:
            # The deadline is wall-clock time: wait for it on the runtime's clock.
            clock = self.rt.clock
            await clock.sleep(max(0.0, (closes_at - clock.now_ms()) / 1000))
            for _ in range(5):
                outcome = await self.rt.commands.execute(
                    meeting_id, Actor.admin(), "poll.close", {"poll": poll_id, "reason": "timer"})
                if outcome.ok or outcome.code in (ErrorCode.INVALID_STATE, ErrorCode.NOT_FOUND):
                    return
                log.warning("timer close of %s/%s: %s", meeting_id, poll_id, outcome.message)
                await asyncio.sleep(1.0)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("timer close of %s/%s failed", meeting_id, poll_id)
        finally:
            if self.timers.get((meeting_id, poll_id)) is asyncio.current_task():
                del self.timers[(meeting_id, poll_id)]

    async def _read_progress(self, hub: MeetingHub) -> None:
        """While a poll is open, read its count from Redis and offer it as a live value;
        the hub sends it at most once per coalesce interval, and only when it changed."""
        redis = self.rt.redis
        try:
            while True:
                assert hub.state is not None
                open_polls = [p for p in polls.polls_of(hub.state).polls.values()
                              if p.status == PollStatus.OPEN]
                progress, tallies = [], []
                for poll in open_polls:
                    assert poll.snapshot is not None
                    name = "voters" if poll.definition.secret else "ballots"
                    voted = int(await redis.hlen(poll_key(hub.meeting_id, poll.id, name)))
                    progress.append({"poll": poll.id, "voted": voted,
                                     "eligible": len(poll.snapshot.voters),
                                     "closes_at": poll.closes_at})
                    if poll.definition.live_tally and not poll.definition.secret:
                        tallies.append(await self._partial(hub.meeting_id, poll))
                hub.set_live("poll.progress", ALL_ROLES, {"polls": progress})
                if tallies or hub.meeting_id in self.tallying:
                    self.tallying.add(hub.meeting_id)
                    hub.set_live("poll.tally", LIVE_TO_STAFF, {"polls": tallies})
                if not open_polls or hub.closed:  # closed: unloaded, its state frozen
                    return
                await asyncio.sleep(PROGRESS_INTERVAL)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("poll progress of %s stopped", hub.meeting_id)

    async def _partial(self, meeting_id: str, poll: Poll) -> dict[str, Any]:
        counts = dict.fromkeys(poll.definition.spec.choosable, 0)
        blank = 0
        for raw in await self.rt.redis.hvals(poll_key(meeting_id, poll.id, "ballots")):
            choice = json.loads(raw)["c"]
            chosen = [] if choice == "abstain" else [choice] if isinstance(choice, str) else choice
            blank += not chosen
            for option in chosen:
                counts[option] = counts.get(option, 0) + 1
        return {"poll": poll.id, "options": counts, "blank": blank}

    def _tell_eligibility(self, hub: MeetingHub, poll: Poll) -> None:
        """A voter's tablet assumes it casts its own ballot only (docs/protocol.md); the
        tablets for which that is not so (no ballot, or proxies held) are told, each in a
        personal live message, since the opening event does not list the voters."""
        frames: dict[tuple[tuple[str, ...], Codec], Frame] = {}
        for role in VOTING_ROLES:
            for conn in list(hub.connections[role]):
                frame = _eligibility(poll, conn, frames)
                if frame is not None:
                    conn.send(frame)

    async def on_connect(self, hub: MeetingHub, conn: Connection) -> None:
        """A tablet that resumes by replay gets the opening event again but not the live
        message that followed it."""
        if conn.role not in VOTING_ROLES or hub.state is None:
            return
        for poll in polls.polls_of(hub.state).polls.values():
            if poll.status == PollStatus.OPEN:
                frame = _eligibility(poll, conn, {})
                if frame is not None:
                    conn.send(frame)


def _eligibility(
    poll: Poll, conn: Connection, frames: dict[tuple[tuple[str, ...], Codec], Frame]
) -> Frame | None:
    assert poll.snapshot is not None
    if poll.snapshot.casts_own_only(conn.participant_id):
        return None
    mine = tuple(poll.snapshot.cast_by(conn.participant_id))
    if (mine, conn.codec) not in frames:
        body = {"poll": poll.id, "may_cast_for": list(mine)}
        frames[(mine, conn.codec)] = encode(Live("poll.eligibility", body), conn.codec)
    return frames[(mine, conn.codec)]


def setup(rt: Runtime) -> None:
    watch = PollWatch(rt)
    rt.hubs.live_hooks.append(watch.on_entry)
    rt.hubs.load_hooks.append(watch.on_load)
    rt.on_connect.append(watch.on_connect)
