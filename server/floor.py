"""The server side of the meeting floor: agenda import over HTTP, the feedback summary, the
planners of feedback, questions and question votes, and the coalesced vote counts.

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

import re
import secrets
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms import agenda, feedback, questions
from rooms.model import ALL_ROLES, STAFF, Command, Rejected
from rooms.state import MeetingState
from server.api import meeting_state, outcome_response, read_body, runtime
from server.commands import Plan, Services, planner
from server.errors import ApiError
from server.http_auth import require_actor
from server.hub import MeetingHub
from server.runtime import Runtime
from server.store import Guard, LogEntry, k

# Per participant: at most RATE_LIMIT feedback items (and, separately, questions) per window.
RATE_LIMIT = 10
RATE_WINDOW_MS = 60_000
MAX_AGENDA_BODY = 1024 * 1024
# A JSON plan starts with an object or a list of objects; a TOML plan with a [table].
_JSON_START = re.compile(r"\s*(\{|\[\s*[{\]])")

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


# ---- live vote counts -------------------------------------------------------------------------

_VOTE_KINDS = frozenset({"question.voted", "question.approved", "question.hidden"})


def _vote_counts(hub: MeetingHub, entry: LogEntry) -> None:
    """Every vote is an event for staff; everyone else sees the counts of the questions on
    screen at most once per coalesce interval, not 5,000 events a minute."""
    if entry.event.kind not in _VOTE_KINDS or hub.state is None:
        return
    shown = questions.questions_of(hub.state).questions.values()
    votes = {q.id: q.votes for q in shown if q.status == questions.APPROVED}
    hub.set_live("questions.votes", ALL_ROLES, {"votes": votes})


def setup(rt: Runtime) -> None:
    rt.hubs.live_hooks.append(_vote_counts)


# ---- HTTP -------------------------------------------------------------------------------------


async def import_agenda(request: Request) -> JSONResponse:
    """POST a plan as TOML (congress.toml's shape) or JSON; replaces the agenda."""
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id, STAFF)
    await meeting_state(request, meeting_id)
    raw = await read_body(request, MAX_AGENDA_BODY)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(422, "invalid_agenda", "the plan is not UTF-8 text") from None
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if ctype.endswith("json"):
            items = agenda.parse_json(text)
        elif "toml" in ctype or not _JSON_START.match(text):
            items = agenda.parse_toml(text)
        else:
            items = agenda.parse_json(text)
    except agenda.AgendaError as exc:
        raise ApiError(422, "invalid_agenda", f"{exc}; nothing was imported") from None
    outcome = await runtime(request).commands.execute(
        meeting_id, actor, "agenda.import", {"items": [i.to_dict() for i in items]}
    )
    if not outcome.ok:
        return outcome_response(outcome)
    return JSONResponse({"imported": len(agenda.walk(items)), "seq": outcome.seq})


async def feedback_summary(request: Request) -> JSONResponse:
    """Per agenda item: counts, statuses, tags and the distinct points (for the minutes)."""
    meeting_id = request.path_params["meeting_id"]
    await require_actor(request, meeting_id, STAFF)
    hub = await meeting_state(request, meeting_id)
    summary = feedback.summarize(feedback.feedback_of(hub.state).entries)
    titles: dict[str | None, str | None] = {
        i.id: i.title for i in agenda.walk(agenda.agenda_of(hub.state).items)
    }
    # Agenda order first; then feedback on items since removed, then feedback on no item.
    order = [key for key in titles if key in summary]
    order += sorted(key for key in summary if key is not None and key not in titles)
    order += [None] if None in summary else []
    items: list[dict[str, Any]] = []
    for key in order:
        s = summary[key]
        items.append({
            "item": key,
            "title": titles.get(key),
            "received": s.received,
            "distinct": s.distinct,
            "by_status": dict(s.by_status),
            "tags": dict(s.tags),
            "points": [{**p.feedback.to_dict(), "supporters": list(p.supporters)}
                       for p in s.points],
        })
    return JSONResponse({"items": items})


ROUTES = [
    Route("/api/meetings/{meeting_id}/agenda", import_agenda, methods=["POST"]),
    Route("/api/meetings/{meeting_id}/feedback/summary", feedback_summary, methods=["GET"]),
]
