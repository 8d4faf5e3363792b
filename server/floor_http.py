"""The HTTP side of the meeting floor, for staff: agenda import (TOML or JSON) and the
feedback summary per agenda item."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms import agenda, feedback
from rooms.model import STAFF
from server.api import meeting_state, outcome_response, read_body, runtime
from server.errors import ApiError
from server.http_auth import require_actor

MAX_AGENDA_BODY = 1024 * 1024
# A JSON plan starts with an object or a list of objects; a TOML plan with a [table].
_JSON_START = re.compile(r"\s*(\{|\[\s*[{\]])")


async def import_agenda(request: Request) -> JSONResponse:
    """POST a plan as TOML (congress.toml's shape) or JSON; replaces the agenda."""
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id, STAFF)
    await meeting_state(request, meeting_id)
    raw = await read_body(request, MAX_AGENDA_BODY)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(422, ErrorCode.INVALID_AGENDA, "the plan is not UTF-8 text") from None
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if ctype.endswith("json"):
            items = agenda.parse_json(text)
        elif "toml" in ctype or not _JSON_START.match(text):
            items = agenda.parse_toml(text)
        else:
            items = agenda.parse_json(text)
    except agenda.AgendaError as exc:
        raise ApiError(422, ErrorCode.INVALID_AGENDA, f"{exc}; nothing was imported") from None
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
