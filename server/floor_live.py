"""The meeting floor live: the vote counts of the questions on screen, sent to everyone as
one coalesced value instead of an event per vote; and each delegate's own questions and
feedback with their state and answers, as the personal message ``mine`` (rooms/my_items.py)."""

from __future__ import annotations

import weakref

from protocol.codec import encode
from protocol.messages import Live
from rooms import questions
from rooms.model import ALL_ROLES, Role
from rooms.my_items import changed_items, my_items
from server.connection import Connection
from server.hub import MeetingHub
from server.runtime import Runtime
from server.store import LogEntry

_VOTE_KINDS = frozenset({"question.voted", "question.approved", "question.hidden"})


def _vote_counts(hub: MeetingHub, entry: LogEntry) -> None:
    """Every vote is an event for staff; everyone else sees the counts of the questions on
    screen at most once per coalesce interval, not 5,000 events a minute."""
    if entry.event.kind in _VOTE_KINDS:
        _publish(hub)


def _on_load(hub: MeetingHub) -> None:
    """A hub loaded from a checkpoint never saw the votes folded into it. A question only
    leaves "pending" by an event of _VOTE_KINDS, so this publishes exactly when a full fold
    would have."""
    if hub.state is not None and any(
        q.status != questions.PENDING for q in questions.questions_of(hub.state).questions.values()
    ):
        _publish(hub)


def _publish(hub: MeetingHub) -> None:
    if hub.state is None:
        return
    shown = questions.questions_of(hub.state).questions.values()
    votes = {q.id: q.votes for q in shown if q.status == questions.APPROVED}
    hub.set_live("questions.votes", ALL_ROLES, {"votes": votes})


class MyItems:
    """Per process: each meeting's delegate connections by participant, so an answer goes to
    its author's tablets without a pass over every connection of the hall."""

    def __init__(self) -> None:
        self.by_participant: weakref.WeakKeyDictionary[
            MeetingHub, dict[str, set[Connection]]
        ] = weakref.WeakKeyDictionary()

    def on_entry(self, hub: MeetingHub, entry: LogEntry) -> None:
        here = self.by_participant.get(hub)
        if not here or hub.state is None:
            return
        for author, items in changed_items(hub.state, entry.event).items():
            self._send(here.get(author), items)

    async def on_connect(self, hub: MeetingHub, conn: Connection) -> None:
        """The whole list: a tablet that resumed by replay missed what came meanwhile."""
        if conn.role != Role.DELEGATE or hub.state is None:
            return
        self.by_participant.setdefault(hub, {}).setdefault(conn.participant_id, set()).add(conn)
        self._send({conn}, {**my_items(hub.state, conn.participant_id), "all": True})

    async def on_disconnect(self, hub: MeetingHub, conn: Connection) -> None:
        conns = self.by_participant.get(hub, {}).get(conn.participant_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self.by_participant[hub][conn.participant_id]

    @staticmethod
    def _send(conns: set[Connection] | None, body: dict[str, object]) -> None:
        frames: dict[str, bytes | str] = {}
        for conn in list(conns or ()):
            if conn.codec not in frames:
                frames[conn.codec] = encode(Live("mine", body), conn.codec)
            conn.send(frames[conn.codec])


def setup(rt: Runtime) -> None:
    rt.hubs.live_hooks.append(_vote_counts)
    rt.hubs.load_hooks.append(_on_load)
    mine = MyItems()
    rt.hubs.live_hooks.append(mine.on_entry)
    rt.on_connect.append(mine.on_connect)
    rt.on_disconnect.append(mine.on_disconnect)

