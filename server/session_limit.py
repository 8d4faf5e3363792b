"""At most ``PHONGHOP_MAX_SESSIONS_PER_TOKEN`` live WebSocket sessions per participant and
process (default 5): one token once held 300, each with its queues and its share of every
fan-out.

When one more attaches, the **oldest** is closed with 4029 (``CloseCode.SESSION_LIMIT``)
rather than the new one refused: a tablet that comes back after a Wi-Fi drop, while the
server still holds its half-dead old sockets, must get in; whoever is bumped was connected
longest. The web client does not reconnect on 4029 (it would bump the next one in turn).

Only delegates are capped: a delegate's link is a voting credential held by one person on
one tablet. Staff open the desk and the console on several machines, and a paired kiosk or
hall-screen credential legitimately runs at several doors or projectors at once.
"""

from __future__ import annotations

from collections import OrderedDict

from protocol.errors import CloseCode
from rooms.model import Role
from server.connection import Connection
from server.hub import MeetingHub
from server.runtime import Runtime


class SessionLimit:
    """The live connections of each (meeting, participant) in this process, oldest first."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._sessions: dict[tuple[str, str], OrderedDict[Connection, None]] = {}

    async def on_connect(self, hub: MeetingHub, conn: Connection) -> None:
        if conn.role != Role.DELEGATE:
            return
        key = (hub.meeting_id, conn.participant_id)
        sessions = self._sessions.setdefault(key, OrderedDict())
        sessions[conn] = None
        while self.limit > 0 and len(sessions) > self.limit:
            oldest, _ = sessions.popitem(last=False)
            oldest.abort(
                CloseCode.SESSION_LIMIT,
                f"more than {self.limit} sessions of this participant; the oldest is closed",
            )

    async def on_disconnect(self, hub: MeetingHub, conn: Connection) -> None:
        key = (hub.meeting_id, conn.participant_id)
        sessions = self._sessions.get(key)
        if sessions is None:
            return
        sessions.pop(conn, None)
        if not sessions:
            del self._sessions[key]

    def count(self, meeting_id: str, participant_id: str) -> int:
        return len(self._sessions.get((meeting_id, participant_id), ()))


def setup(rt: Runtime) -> None:
    limit = SessionLimit(rt.settings.max_sessions_per_token)
    rt.on_connect.append(limit.on_connect)
    rt.on_disconnect.append(limit.on_disconnect)
