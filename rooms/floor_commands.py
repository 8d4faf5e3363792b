"""Feedback, questions and question votes as decisions: the rate limit per participant and
the one-upvote-per-delegate rule are guards inside Redis, atomic with the event.

Keys (relative to the meeting's ``ph:{m}:``; see server/store.py for the prefix):

``rate:feedback:PID`` / ``rate:question:PID``  string counter
    submissions by one participant in the current window; incremented by a ``rate`` guard,
    which starts the window (``PEXPIRE``) with the first, so the window and the count can
    never come apart. A submission over the limit changes nothing.
``qv:QID``  hash, participant id → "1" for each delegate whose upvote on question QID
    counts. A ``setnx`` guard adds a vote and ``eq`` + ``del`` take it back, atomically with
    the ``question.voted`` event: a vote is counted once however many processes and retries
    race, and votes never contend on the meeting's seq.
"""

from __future__ import annotations

from protocol.errors import ErrorCode
from rooms import feedback, questions
from rooms.decision import Context, Decision, Guard, limited
from rooms.model import Command, Rejected
from rooms.state import MeetingState


def _rate_limited(what: str, cmd: Command, ctx: Context) -> Guard:
    return limited(f"rate:{what}:{cmd.actor.participant_id}", ctx.rate)


def _too_many(ctx: Context) -> Decision:
    limit, window = ctx.rate.limit, ctx.rate.window_ms
    raise Rejected(ErrorCode.RATE_LIMITED,
                   f"at most {limit} per {window // 1000} seconds; wait a moment",
                   limit=limit, window_ms=window)


def decide_feedback(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    cmd = cmd._replace(body={**cmd.body, "id": ctx.new_id("f")})
    events = feedback.decide_submit(state, cmd, ctx.now)
    return Decision(events, [_rate_limited("feedback", cmd, ctx)], result={"id": cmd.body["id"]},
                    on_guard=lambda _i, _found: _too_many(ctx))


def decide_question(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    cmd = cmd._replace(body={**cmd.body, "id": ctx.new_id("q")})
    events = questions.decide_ask(state, cmd, ctx.now)
    return Decision(events, [_rate_limited("question", cmd, ctx)], result={"id": cmd.body["id"]},
                    on_guard=lambda _i, _found: _too_many(ctx))


def decide_vote(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    events = questions.decide_vote(state, cmd, ctx.now)
    qid, up, me = cmd.body["id"], bool(cmd.body["up"]), cmd.actor.participant_id
    key = f"qv:{qid}"
    if up:
        guards = [Guard("setnx", key, me, "1")]
    else:
        guards = [Guard("eq", key, me, "1"), Guard("del", key, me)]

    def refused(_index: int, _found: bytes) -> Decision:
        if up:
            raise Rejected(ErrorCode.DUPLICATE, "you have already upvoted this question", id=qid)
        raise Rejected(ErrorCode.INVALID_STATE, "you have not upvoted this question", id=qid)

    return Decision(events, guards, result={"id": qid, "up": up}, optimistic=False,
                    on_guard=refused)


DECISIONS = {
    "feedback.submit": decide_feedback,
    "question.ask": decide_question,
    "question.vote": decide_vote,
}
