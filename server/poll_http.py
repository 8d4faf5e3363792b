"""The HTTP reads of polls: the list, one poll (with its closing record once it may be
seen), and "was my receipt counted?"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms import polls
from rooms.model import STAFF, Actor, Rejected, Role
from rooms.polls import Poll, PollStatus
from rooms.state import MeetingState
from server.api import meeting_state
from server.errors import ApiError
from server.http_auth import require_actor


async def _viewer(request: Request) -> tuple[Actor, Role | None, MeetingState]:
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id)
    hub = await meeting_state(request, meeting_id)
    state: MeetingState = hub.state
    return actor, actor.role, state


async def list_polls(request: Request) -> JSONResponse:
    actor, role, state = await _viewer(request)
    return JSONResponse({"polls": [polls.poll_view(p, role, actor.participant_id)
                                   for p in polls.polls_of(state).polls.values()]})


def _poll(state: MeetingState, poll_id: str) -> Poll:
    try:
        return polls.get_poll(state, poll_id)
    except Rejected as rej:
        raise ApiError(404, rej.code, rej.message) from None


def _record_visible(poll: Poll, role: Role | None) -> Mapping[str, Any] | None:
    """The closing record (receipts, who voted, named ballots) once published; staff at once."""
    if poll.closing is None:
        return None
    if role is None or role in STAFF or poll.status == PollStatus.PUBLISHED:
        return poll.closing
    return None


async def get_poll(request: Request) -> JSONResponse:
    actor, role, state = await _viewer(request)
    poll = _poll(state, request.path_params["poll_id"])
    out = polls.poll_view(poll, role, actor.participant_id)
    if poll.snapshot is not None and (role is None or role in STAFF):
        out["snapshot"] = poll.snapshot.to_dict()
    record = _record_visible(poll, role)
    if record is not None:
        out["result"] = record["result"]
        out["outcome"] = record["outcome"]
        out["counts"] = record["counts"]
        out["voted"] = record["voted"]
        out["receipts"] = record["receipts"]
        out["receipts_digest"] = record["receipts_digest"]
        if "ballots" in record:
            out["ballots"] = record["ballots"]
    return JSONResponse(out)


async def check_receipt(request: Request) -> JSONResponse:
    """Was this receipt counted? Takes the receipt or its SHA-256; answers once published."""
    _actor, role, state = await _viewer(request)
    poll = _poll(state, request.path_params["poll_id"])
    record = _record_visible(poll, role)
    if record is None:
        raise ApiError(409, ErrorCode.INVALID_STATE, "the result of this poll is not published yet")
    given = request.path_params["receipt"].strip().lower()
    hashed = given if len(given) == 64 else polls.receipt_hash(given)
    return JSONResponse({"poll": poll.id, "receipt_hash": hashed,
                         "counted": hashed in set(record["receipts"]),
                         "receipts_digest": record["receipts_digest"]})


ROUTES = [
    Route("/api/meetings/{meeting_id}/polls", list_polls, methods=["GET"]),
    Route("/api/meetings/{meeting_id}/polls/{poll_id}", get_poll, methods=["GET"]),
    Route("/api/meetings/{meeting_id}/polls/{poll_id}/receipts/{receipt}", check_receipt,
          methods=["GET"]),
]
