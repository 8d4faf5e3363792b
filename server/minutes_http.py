"""HTTP exports of the minutes and of the result tables, built from the log (the same
minutes from the command line: server/cli/minutes.py).

The minutes are a draft while the meeting runs and final once it has closed; both are built
afresh from the whole log on every request (never cached, never hand-kept), off the event
loop, since a congress's log and a PDF take a moment. Chair, secretary and the admin only.
No Redis keys of its own: it reads the log (server/store.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms.lifecycle import Status
from rooms.minutes_builder import MinutesError, build_minutes
from rooms.minutes_model import poll_result_rows
from rooms.model import STAFF
from rooms.polls import Poll, polls_of
from rooms.state import MeetingState
from server.api import meeting_state, runtime
from server.errors import ApiError
from server.exports import (
    MEDIA_TYPES,
    MinutesFormat,
    poll_results_csv,
    poll_results_xlsx,
    render_minutes,
)
from server.exports.tables import named_votes_csv, roll_call_sheet_name
from server.http_auth import require_actor
from server.hub import MeetingHub
from server.log_export import entries_from_a_thread
from server.store import LogEntry

FORMATS: Final[tuple[MinutesFormat, ...]] = ("docx", "pdf", "md", "json")


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang", "vi")
    if lang not in ("vi", "en"):
        raise ApiError(422, ErrorCode.BAD_FIELD, "lang must be 'vi' or 'en'")
    return lang


async def _log(request: Request) -> tuple[MeetingHub, MeetingState,
                                          Callable[[], Iterator[LogEntry]]]:
    """The meeting's hub, and its log up to now as a worker thread reads it: a page at a
    time, so that neither a congress's log nor its decoding sits on the event loop."""
    meeting_id = request.path_params["meeting_id"]
    await require_actor(request, meeting_id, STAFF)
    hub = await meeting_state(request, meeting_id)
    store, state = runtime(request).store, hub.state
    assert state is not None  # meeting_state refuses a hub without one
    return hub, state, lambda: entries_from_a_thread(store, meeting_id)


def _file(data: bytes, ext: str, name: str) -> Response:
    return Response(
        data,
        media_type=MEDIA_TYPES[ext],
        headers={
            "content-disposition": f'attachment; filename="{name}.{ext}"',
            "cache-control": "no-store",
        },
    )


async def minutes(request: Request) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in FORMATS:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"minutes come as {', '.join(FORMATS)}")
    lang = _lang(request)
    hub, state, entries = await _log(request)
    meeting_id, closed = hub.meeting_id, state.status == Status.CLOSED

    def render() -> bytes:
        built = build_minutes(entries(), final=closed, lang=lang)
        return render_minutes(built, fmt, lang)

    try:
        data = await run_in_threadpool(render)
    except MinutesError as exc:
        raise ApiError(409, ErrorCode.INVALID_STATE, str(exc)) from None
    return _file(data, fmt, f"bien-ban-{meeting_id}" + ("" if closed else "-du-thao"))


async def results(request: Request) -> Response:
    """Every closed poll's result per option, one row each (the minutes' part III); the XLSX
    adds a sheet per named poll with its roll call (the minutes' annex), and
    ``results.csv?named=POLL`` is that roll call alone. A secret poll has none: refused."""
    ext = request.path_params["ext"]
    if ext not in ("csv", "xlsx"):
        raise ApiError(404, ErrorCode.NOT_FOUND, "results come as csv or xlsx")
    lang = _lang(request)
    named = request.query_params.get("named")
    if named is not None and ext != "csv":
        raise ApiError(422, ErrorCode.BAD_FIELD,
                       "named=POLL is for results.csv; the XLSX has a sheet "
                       "for every named poll")
    hub, state, entries = await _log(request)
    meeting_id = hub.meeting_id
    if named is not None:
        poll = polls_of(state).polls.get(named)
        if poll is None:
            raise ApiError(404, ErrorCode.NOT_FOUND, f"no poll {named}")
        if poll.definition.secret:
            raise ApiError(403, ErrorCode.FORBIDDEN, f"poll {named} is secret: its ballots are not "
                           "linked to voters, so it has no roll call", reason="secret_poll")
        data = await run_in_threadpool(_roll_call, entries, poll, lang)
        return _file(data, ext, f"ket-qua-{meeting_id}-{named}")

    def render() -> bytes:
        polls = build_minutes(entries(), final=False, lang=lang).polls
        rows = poll_result_rows(polls)
        if ext == "csv":
            return poll_results_csv(rows, lang)
        sheets = [
            (roll_call_sheet_name(number, p.title), p)
            for number, p in enumerate(polls, 1)
            if not p.secret
        ]
        return poll_results_xlsx(rows, lang, sheets)

    return _file(await run_in_threadpool(render), ext, f"ket-qua-{meeting_id}")


def _roll_call(entries: Callable[[], Iterator[LogEntry]], poll: Poll, lang: str) -> bytes:
    """One named poll's roll call as CSV (the poll's sheet of the XLSX, alone)."""
    for result in build_minutes(entries(), final=False, lang=lang).polls:
        if result.poll_id == poll.id:
            return named_votes_csv(result, lang)
    raise ApiError(409, ErrorCode.INVALID_STATE, f"poll {poll.id} has not closed",
                   poll_status=poll.status.value)


# The attendance table (CSV/XLSX) is served by server/attendance_http.py.
ROUTES = [
    Route("/api/meetings/{meeting_id}/minutes.{fmt}", minutes, methods=["GET"]),
    Route("/api/meetings/{meeting_id}/results.{ext}", results, methods=["GET"]),
]

