"""A deterministic ``rooms.decision.Context`` for domain tests: ids count up, receipts are
plain text, and badges are read as ``badge:PARTICIPANT``."""

from __future__ import annotations

import itertools

from protocol.errors import ErrorCode
from rooms import aggregate
from rooms.decision import Context
from rooms.model import Command, Event, Rejected
from rooms.state import MeetingState

_ids = itertools.count(1)


def _badge(token: str) -> str:
    if not token.startswith("badge:"):
        raise Rejected(ErrorCode.BAD_TOKEN, "not a test badge")
    return token.removeprefix("badge:")


def at(now: int) -> Context:
    return Context(
        now=now,
        new_id=lambda prefix: f"{prefix}{next(_ids)}",
        receipt=lambda poll, voter, ballot: f"r-{poll}-{voter}-{ballot}",
        badge=_badge,
    )


def decide(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    """The events of ``aggregate.decide`` at ``now``: for tests of the rules, which look at
    what a command causes rather than at the guards the shell checks with it."""
    if cmd.kind not in aggregate.DECIDERS:
        return list(aggregate.decide(state, cmd, at(now)).events)
    # The rules themselves, as the feature states them: ids given in the body are kept here
    # (the command modules replace them with fresh ones from the context).
    aggregate.authorize(state, cmd)
    return aggregate.DECIDERS[cmd.kind](state, cmd, now)


def decide_create(meeting_id: str, cmd: Command, now: int) -> list[Event]:
    return list(aggregate.decide_create(meeting_id, cmd, at(now)).events)
