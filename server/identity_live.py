"""Live sockets follow the roster: when a participant is removed, changes role, has their
link reissued or signs in on another device (a badge, or a delegate's link exchanged for a
device session there), each of their open connections in this process
gets the session input at once (server/session.py: a role change closes with 4003, a
revocation with 4001). The hub of every process folds the same log entries, so every
process closes its own connections; none of them receives the events that come after."""

from __future__ import annotations

from rooms.credentials import generation, pinned_session
from rooms.state import MeetingState
from server.connection import Connection
from server.hub import MeetingHub
from server.runtime import Runtime
from server.session import Revoked, RoleChanged
from server.store import LogEntry

REMOVED = "you were removed from this meeting's roster"
REISSUED = "your link was replaced; ask the desk for the new one"
SIGNED_IN = "you signed in on another device; this one was signed out"

# The entries that can change who a connection is; the message a revocation carries.
_WHY = {
    "participant.removed": REMOVED,
    "participant.reissued": REISSUED,
    "participant.signed_in": SIGNED_IN,
    "participant.updated": REISSUED,
    "roster.imported": REISSUED,
}


def identity_input(state: MeetingState, conn: Connection,
                   why: str = REISSUED) -> RoleChanged | Revoked | None:
    """What the roster now says about ``conn``'s session: nothing, a role change or a
    revocation."""
    participant = state.participants.get(conn.participant_id)
    if participant is None:
        return Revoked(REMOVED)
    if participant.role != conn.role:
        return RoleChanged(participant.role)
    if generation(state, participant.id) != conn.generation:
        return Revoked(why)
    pinned = pinned_session(state, participant)
    if pinned and pinned != conn.session_id:
        # The delegate's voting session is on another device now.
        return Revoked(SIGNED_IN)
    return None


def follow_roster(hub: MeetingHub, entry: LogEntry) -> None:
    kind = entry.event.kind
    why = _WHY.get(kind)
    if why is None or hub.state is None:
        return
    # roster.imported may change anyone; the other entries name one participant.
    only = None if kind == "roster.imported" else entry.event.body["id"]
    for conns in hub.connections.values():
        for conn in list(conns):
            if only is not None and conn.participant_id != only:
                continue
            change = identity_input(hub.state, conn, why)
            if change is not None and conn.on_identity is not None:
                conn.on_identity(change)


def setup(rt: Runtime) -> None:
    rt.hubs.live_hooks.append(follow_roster)
