"""The commands of the meeting floor: the planners of feedback, questions and question
votes, with their per-participant rate limit. The coalesced vote counts are in
server/floor_live.py; agenda import and the feedback summary (HTTP) in server/floor_http.py.

Keys (besides the log, see server/store.py):

``ph:{m}:rate:feedback:PID`` / ``ph:{m}:rate:question:PID``  string counter
    submissions by one participant in the current window; created by ``INCR`` with a
    ``PEXPIRE`` in the same script, so the window and the count can never come apart.
``ph:{m}:qv:QID``  hash, participant id → "1" for each delegate whose upvote on question QID
    counts. The append script's ``setnx`` guard adds a vote and ``eq`` + ``del`` take it back,
    atomically with the ``question.voted`` event: a vote is counted once however many
    processes and retries race, and votes never contend on the meeting's seq.
"""

from __future__ import annotations

import secrets
from dataclasses import replace

from protocol.errors import ErrorCode
from rooms import feedback, questions
from rooms.model import Command, Rejected
from rooms.state import MeetingState
from server.commands import Plan, Services, planner
from server.runtime import Runtime
from server.store import Guard, k

# Per participant: at most RATE_LIMIT feedback items (and, separately, questions) per window.
RATE_LIMIT = 10
RATE_WINDOW_MS = 60_000

_RATE_SCRIPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""


def _limits(s: Services) -> tuple[int, int]:
    rt = s.extra.get("runtime")
    extra = rt.settings.extra if isinstance(rt, Runtime) else {}
    return (int(extra.get("floor_rate_limit", RATE_LIMIT)),
            int(extra.get("floor_rate_window_ms", RATE_WINDOW_MS)))


async def _rate_limit(s: Services, meeting_id: str, what: str, participant_id: str) -> None:
    limit, window = _limits(s)
    script = s.store.redis.register_script(_RATE_SCRIPT)
    count = int(await script(keys=[k(meeting_id, f"rate:{what}:{participant_id}")], args=[window]))
    if count > limit:
        raise Rejected(ErrorCode.RATE_LIMITED,
                       f"at most {limit} per {window // 1000} seconds; wait a moment",
                       limit=limit, window_ms=window)


def _with_id(cmd: Command, prefix: str) -> Command:
    return replace(cmd, body={**cmd.body, "id": prefix + secrets.token_hex(5)})


@planner("feedback.submit")
async def plan_feedback(state: MeetingState, cmd: Command, now: int, s: Services) -> Plan:
    # Check the command first: a malformed submission should not use up the delegate's quota.
    cmd = _with_id(cmd, "f")
    events = feedback.decide_submit(state, cmd, now)
    await _rate_limit(s, state.id, "feedback", cmd.actor.participant_id)
    return Plan(events, result={"id": cmd.body["id"]})


@planner("question.ask")
async def plan_question(state: MeetingState, cmd: Command, now: int, s: Services) -> Plan:
    cmd = _with_id(cmd, "q")
    events = questions.decide_ask(state, cmd, now)
    await _rate_limit(s, state.id, "question", cmd.actor.participant_id)
    return Plan(events, result={"id": cmd.body["id"]})


@planner("question.vote")
async def plan_vote(state: MeetingState, cmd: Command, now: int, s: Services) -> Plan:
    events = questions.decide_vote(state, cmd, now)
    qid, up, me = cmd.body["id"], bool(cmd.body["up"]), cmd.actor.participant_id
    key = k(state.id, f"qv:{qid}")
    if up:
        guards = [Guard("setnx", key, me, "1")]
    else:
        guards = [Guard("eq", key, me, "1"), Guard("del", key, me)]

    def on_guard(_index: int, _found: bytes) -> Rejected:
        if up:
            return Rejected(ErrorCode.DUPLICATE, "you have already upvoted this question", id=qid)
        return Rejected(ErrorCode.INVALID_STATE, "you have not upvoted this question", id=qid)

    return Plan(events, guards=guards, optimistic=False, on_guard=on_guard,
                result={"id": qid, "up": up})
