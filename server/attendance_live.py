"""Attendance as it travels live: the debounced quorum and presence counts, each
participant's personal ``me`` message, and the device check-in on connect."""

from __future__ import annotations

import asyncio
import weakref

from protocol.codec import encode
from protocol.messages import Live
from rooms.attendance import me
from rooms.attendance_commands import touched
from rooms.model import Actor, Role
from rooms.quorum import quorum
from rooms.settings import settings_of
from server.connection import Connection
from server.hub import MeetingHub
from server.runtime import Runtime
from server.store import LogEntry

QUORUM_ROLES = frozenset({Role.CHAIR, Role.SECRETARY, Role.SCREEN})
COUNT_ROLES = frozenset({Role.DELEGATE, Role.OBSERVER})
# Quorum is recomputed (a pass over the roster) at most this often per meeting, however fast
# check-ins arrive; hub.set_live then coalesces what goes out on the wire.
QUORUM_DEBOUNCE = 0.05
_QUORUM_KINDS = frozenset({"meeting.created", "meeting.updated", "roster.imported",
                           "participant.added", "participant.updated", "participant.removed"})


class AttendanceLive:
    """Per process: each meeting's connections by participant (for personal messages) and
    the debounced quorum recomputation."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.by_participant: weakref.WeakKeyDictionary[
            MeetingHub, dict[str, set[Connection]]
        ] = weakref.WeakKeyDictionary()
        self.pending: weakref.WeakSet[MeetingHub] = weakref.WeakSet()

    def on_entry(self, hub: MeetingHub, entry: LogEntry) -> None:
        kind = entry.event.kind
        mine = kind.startswith(("attendance.", "proxy."))
        if mine and hub.state is not None:
            for pid in touched([entry.event]):
                self.send_me(hub, pid)
        if (mine or kind in _QUORUM_KINDS) and hub not in self.pending:
            self.pending.add(hub)
            asyncio.get_running_loop().call_later(QUORUM_DEBOUNCE, self.publish_quorum, hub)

    def on_load(self, hub: MeetingHub) -> None:
        """Quorum and presence are live values, not events: a hub loaded from a checkpoint
        computes them once, as a full fold's entries would have."""
        if hub not in self.pending:
            self.pending.add(hub)
            asyncio.get_running_loop().call_later(QUORUM_DEBOUNCE, self.publish_quorum, hub)

    def publish_quorum(self, hub: MeetingHub) -> None:
        self.pending.discard(hub)
        if hub.state is None:
            return
        q = quorum(hub.state, self.rt.clock.now_ms())
        body = q.to_dict()
        body.pop("at")  # a changing time would defeat set_live's "same value" check
        hub.set_live("quorum", QUORUM_ROLES, body)
        hub.set_live("presence", COUNT_ROLES, q.counts())

    def send_me(self, hub: MeetingHub, participant_id: str) -> None:
        conns = self.by_participant.get(hub, {}).get(participant_id)
        if not conns or hub.state is None:
            return
        body = {"attendance": me(hub.state, participant_id)}
        frames: dict[str, bytes | str] = {}
        for conn in list(conns):
            if conn.codec not in frames:
                frames[conn.codec] = encode(Live("me", body), conn.codec)
            conn.send(frames[conn.codec])

    async def on_connect(self, hub: MeetingHub, conn: Connection) -> None:
        self.by_participant.setdefault(hub, {}).setdefault(conn.participant_id, set()).add(conn)
        state = hub.state
        if state is None:
            return
        if conn.role == Role.DELEGATE and settings_of(state).device_checkin == "connect":
            await self.rt.commands.execute(hub.meeting_id, Actor(conn.participant_id, conn.role),
                                           "checkin.self", {})
        self.send_me(hub, conn.participant_id)

    async def on_disconnect(self, hub: MeetingHub, conn: Connection) -> None:
        conns = self.by_participant.get(hub, {}).get(conn.participant_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self.by_participant[hub][conn.participant_id]


def setup(rt: Runtime) -> None:
    live = AttendanceLive(rt)
    rt.hubs.live_hooks.append(live.on_entry)
    rt.hubs.load_hooks.append(live.on_load)
    rt.on_connect.append(live.on_connect)
    rt.on_disconnect.append(live.on_disconnect)
