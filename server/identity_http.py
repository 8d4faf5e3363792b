"""HTTP routes of identity: reissuing a participant's join link (staff) and signing in at a
seat by badge (``POST /api/badge-login``, for a device session: server/session_http.py), both
through the log (rooms/credentials.py). A badge scanned at a shared seat tablet paired from the
desk (server/devices.py) comes with that tablet's session as the Bearer token: the sign-in is
then ``via`` ``seat``, which the meeting's ``seat_tablets`` setting requires.

Redis keys: ``ph:rate:badge-login:{ip}`` (string counter of badge sign-ins from one address
in the current minute, expires with it).
"""

from __future__ import annotations

from dataclasses import replace

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms.credentials import generation
from rooms.model import STAFF
from rooms.roster import ID_PATTERN
from rooms.state import MeetingState
from server import device_sessions
from server.api import meeting_state, outcome_response, read_json, runtime
from server.auth import TokenError
from server.errors import ApiError
from server.http_auth import require_actor
from server.join_links import is_current, join_token, join_url
from server.session_http import limit_address, open_session

# Badge sign-ins from one address per minute: a hall behind one NAT signs in over minutes,
# not all at once; a script trying badges is held back. Per badge: rooms/credentials.py.
IP_LIMIT = 60
IP_WINDOW_MS = 60_000


async def reissue(request: Request) -> JSONResponse:
    """A new join link for the participant; every earlier one stops working, live
    connections made with one are closed. The link is in this response only."""
    meeting_id = request.path_params["meeting_id"]
    pid = request.path_params["participant_id"]
    actor = await require_actor(request, meeting_id, STAFF)
    rt = runtime(request)
    outcome = await rt.commands.execute(meeting_id, actor, "participant.reissue", {"id": pid})
    if not outcome.ok:
        return outcome_response(outcome)
    hub = await meeting_state(request, meeting_id)
    participant = hub.state.participants[pid]
    token = join_token(rt, hub.state, participant, int(outcome.result["generation"]))
    return JSONResponse({"id": pid, "generation": outcome.result["generation"],
                         "seq": outcome.seq, "token": token, "join_url": join_url(rt, token)})


async def badge_login(request: Request) -> JSONResponse:
    """A tablet at a seat signs a delegate in by their badge, where the meeting's
    ``badge_sign_in`` setting allows it, and gets a device session. It ends the delegate's
    other sessions (a new credential generation), and the desk sees it in the log
    (``participant.signed_in``)."""
    body = await read_json(request)
    token = body.get("token")
    if not isinstance(token, str) or not 0 < len(token) <= 512:
        raise ApiError(422, ErrorCode.BAD_FIELD, "'token' must be the badge's text")
    rt = runtime(request)
    await limit_address(rt, request, "badge-login", IP_LIMIT)
    if ID_PATTERN.match(token.strip()):
        # The code printed on the badge (DB0004) checks in at the attended desk or kiosk; at
        # a seat it would let anyone who read a badge across the room sign in.
        raise ApiError(401, ErrorCode.BAD_TOKEN, "the code printed on a badge works at the desk or "
                       "kiosk only; scan the badge's QR code or use your join link",
                       reason="typed_code")
    try:
        claims = rt.signer.verify(token, rt.clock.now_ms() // 1000, purpose="b")
    except TokenError as exc:
        raise ApiError(401, exc.code, exc.message) from None
    hub = await rt.hubs.get(claims.meeting_id)
    state = hub.state if hub is not None else None
    participant = state.participants.get(claims.participant_id) if state else None
    if state is None or participant is None or participant.role != claims.role:
        raise ApiError(403, ErrorCode.FORBIDDEN, "this badge's participant is not on the roster")
    via = await _via(request, state, claims.meeting_id)
    # The badge becomes a device session of this tablet, never a join link (a bearer
    # credential the tablet could pass on): server/session_http.py.
    session_claims = replace(claims, purpose="j", generation=generation(state, participant.id))
    return JSONResponse(await open_session(rt, session_claims, participant, via))


async def _via(request: Request, state: MeetingState, meeting_id: str) -> str:
    """``seat`` when the request bears a current session of a seat tablet paired for this
    meeting, ``badge`` when it bears no credential. Any other credential is refused rather than
    ignored: a tablet unpaired at the desk (its participant reissued) must learn it."""
    header = request.headers.get("authorization", "")
    if not header:
        return "badge"
    scheme, _, token = header.partition(" ")
    rt = runtime(request)
    unpaired = ApiError(401, ErrorCode.BAD_TOKEN, "this seat tablet is no longer paired; pair "
                        "it again from the secretary desk", reason="seat_unpaired")
    if scheme.lower() != "bearer" or not device_sessions.is_session_credential(token):
        raise unpaired
    try:
        seat = await device_sessions.verify(rt.redis, rt.keys, token, rt.clock.now_ms() // 1000,
                                            meeting_id)
    except TokenError:
        raise unpaired from None
    device = state.participants.get(seat.participant_id)
    if seat.purpose != "s" or not is_current(state, device, seat.role, seat.generation):
        raise unpaired
    return "seat"


ROUTES = [
    Route("/api/meetings/{meeting_id}/participants/{participant_id}/reissue", reissue,
          methods=["POST"]),
    Route("/api/badge-login", badge_login, methods=["POST"]),
]
