"""Exchanging a join link or a pairing code for a device session (``POST /api/sessions``),
and signing a device out (``DELETE /api/sessions/current``).

The web app does it once, as soon as a join link opens it (clients/web/js/app.js), then
drops the token from the address bar and connects with the session. A delegate's session
becomes their one voting session (``participant.sign_in`` via ``link``, in the log: the desk
sees "DB0004 signed in on another device", their other device is signed out); staff and
observers may hold several (the desk on two laptops). A pairing code (purpose ``k``, ``h``
or ``s``, server/devices.py) pairs one device only. Sessions themselves:
server/device_sessions.py.

Redis keys: ``ph:rate:sessions:{ip}`` (string counter of exchanges from one address in the
current minute, expires with it); the keys of server/device_sessions.py.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms.model import Actor, Participant, Role
from rooms.state import MeetingState
from server import device_sessions
from server.api import outcome_response, read_json, runtime
from server.auth import TokenClaims, TokenError
from server.device_purposes import purpose_of
from server.errors import ApiError
from server.http_auth import bearer
from server.join_links import is_current, token_expiry
from server.runtime import Runtime

# Exchanges from one address per minute: a hall behind one NAT opens its links over minutes.
IP_LIMIT = 120
IP_WINDOW_MS = 60_000


async def limit_address(rt: Runtime, request: Request, what: str, limit: int) -> None:
    """At most ``limit`` calls of ``what`` per minute from the caller's address."""
    address = request.client.host if request.client else "unknown"
    key = f"ph:rate:{what}:{address}"
    count = await rt.redis.incr(key)
    if count == 1:
        await rt.redis.pexpire(key, IP_WINDOW_MS)
    if count > limit:
        raise ApiError(429, ErrorCode.RATE_LIMITED, "too many sign-ins from this address; wait "
                       "a minute", limit=limit, window_ms=IP_WINDOW_MS)


async def open_session(rt: Runtime, claims: TokenClaims, participant: Participant,
                       via: str) -> dict[str, Any]:
    """A device session for ``participant`` (``claims`` say of which purpose); a delegate's,
    and any badge sign-in, goes through the log first (``participant.sign_in``)."""
    public_id = device_sessions.new_id()
    generation = claims.generation
    if via != "link" or (claims.purpose == "j" and participant.role == Role.DELEGATE):
        outcome = await rt.commands.execute(
            claims.meeting_id, Actor.admin(), "participant.sign_in",
            {"id": participant.id, "via": via, "session": public_id})
        if not outcome.ok:
            outcome_response(outcome)  # raises the refusal as an ApiError
        generation = int(outcome.result.get("generation", generation))
    now = rt.clock.now_ms() // 1000
    expires = token_expiry(rt)
    made = await device_sessions.create(rt.redis, rt.keys, claims, generation, expires, now,
                                        public_id)
    return {"meeting": claims.meeting_id, "participant": participant.to_dict(),
            "purpose": claims.purpose, "session": made.credential, "expires": made.expires}


async def _current(rt: Runtime, claims: TokenClaims) -> tuple[MeetingState, Participant]:
    hub = await rt.hubs.get(claims.meeting_id)
    state = hub.state if hub is not None else None
    participant = state.participants.get(claims.participant_id) if state else None
    if state is None or participant is None or participant.role != claims.role:
        raise ApiError(403, ErrorCode.FORBIDDEN, "this participant is not on the roster")
    if not is_current(state, participant, claims.role, claims.generation):
        raise ApiError(401, ErrorCode.BAD_TOKEN, "this link was replaced; ask the desk for a "
                       "new one", reason="replaced")
    return state, participant


async def exchange(request: Request) -> JSONResponse:
    """A join link or pairing code (``{"token": ...}`` in the body, never the URL) for a
    device session of this browser."""
    rt = runtime(request)
    await limit_address(rt, request, "sessions", IP_LIMIT)
    body = await read_json(request)
    token = body.get("token")
    if not isinstance(token, str) or not 0 < len(token) <= 512:
        raise ApiError(422, ErrorCode.BAD_FIELD, "'token' must be a join link's token")
    now = rt.clock.now_ms() // 1000
    try:
        claims = rt.signer.verify(token, now, purpose=purpose_of(token))
    except TokenError as exc:
        raise ApiError(401, exc.code, exc.message) from None
    _state, participant = await _current(rt, claims)
    if claims.purpose != "j" and not await device_sessions.spend_pairing(
            rt.redis, rt.keys, claims, token, now):
        raise ApiError(401, ErrorCode.BAD_TOKEN, "this pairing code was used already; pair "
                       "the device again from the desk", reason="pairing_used")
    return JSONResponse(await open_session(rt, claims, participant, "link"))


async def sign_out(request: Request) -> Response:
    """End the caller's own device session (``Authorization: Bearer <session>``)."""
    rt = runtime(request)
    token = bearer(request)
    # Counted with the exchanges: each call is a store round trip for anyone on the network.
    await limit_address(rt, request, "sessions", IP_LIMIT)
    if not device_sessions.is_session_credential(token):
        raise ApiError(422, ErrorCode.BAD_FIELD, "only a device session can be signed out")
    if not await device_sessions.end(rt.redis, rt.keys, token):
        raise ApiError(401, ErrorCode.BAD_TOKEN, "this device was signed out already")
    return Response(status_code=204)


ROUTES = [
    Route("/api/sessions", exchange, methods=["POST"]),
    Route("/api/sessions/current", sign_out, methods=["DELETE"]),
]
