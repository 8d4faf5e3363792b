"""The meeting floor live: the vote counts of the questions on screen, sent to everyone as
one coalesced value instead of an event per vote."""

from __future__ import annotations

from rooms import questions
from rooms.model import ALL_ROLES
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


def setup(rt: Runtime) -> None:
    rt.hubs.live_hooks.append(_vote_counts)
    rt.hubs.load_hooks.append(_on_load)

