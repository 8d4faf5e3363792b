"""Who is calling an HTTP endpoint: the admin (bearer admin token) or a participant (bearer
join token of that meeting, or the participant's device session: server/device_sessions.py).
A kiosk's or hall screen's credential, signed or a session, opens no HTTP route.

A credential is read from the ``Authorization`` header only, never from the URL: a URL ends up
in proxies' logs, the browser's history and a ``Referer``. Join tokens travel in a URL on one
path only, ``/j/TOKEN``, which the access log redacts (server/logging_redaction.py)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request

from protocol.errors import ErrorCode
from rooms.credentials import pinned_session
from rooms.model import Actor, Role
from server import device_sessions
from server.auth import TokenClaims, TokenError, check_admin
from server.errors import ApiError
from server.join_links import is_current
from server.runtime import Runtime


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, ErrorCode.UNAUTHENTICATED,
                       "Authorization: Bearer <token> is required")
    return token.strip()


async def require_admin(request: Request) -> Actor:
    rt: Runtime = request.app.state.runtime
    if not await check_admin(rt.redis, bearer(request)):
        raise ApiError(403, ErrorCode.FORBIDDEN, "the admin token is required")
    return Actor.admin()


async def _claims(rt: Runtime, token: str, meeting_id: str) -> TokenClaims:
    now = rt.clock.now_ms() // 1000
    try:
        if device_sessions.is_session_credential(token):
            claims = await device_sessions.verify(rt.redis, rt.keys, token, now, meeting_id)
            if claims.purpose != "j":
                raise TokenError(ErrorCode.BAD_TOKEN, "token is not valid for this use")
            return claims
        return rt.signer.verify(token, now, meeting_id)
    except TokenError as exc:
        status = 403 if exc.code == ErrorCode.WRONG_MEETING else 401
        raise ApiError(status, exc.code, exc.message) from None


async def require_actor(
    request: Request, meeting_id: str, roles: Iterable[Role] | None = None
) -> Actor:
    """The admin, or a participant of ``meeting_id`` whose role is in ``roles`` (any if None)."""
    rt: Runtime = request.app.state.runtime
    token = bearer(request)
    if await check_admin(rt.redis, token):
        return Actor.admin()
    claims = await _claims(rt, token, meeting_id)
    hub = await rt.hubs.get(meeting_id)
    participant = hub.state.participants.get(claims.participant_id) if hub and hub.state else None
    if participant is None or participant.role != claims.role:
        raise ApiError(403, ErrorCode.FORBIDDEN, "this participant is not on the roster")
    assert hub is not None and hub.state is not None
    if not is_current(hub.state, participant, claims.role, claims.generation):
        # A reissued link, or one from before a sign-in on another device.
        raise ApiError(401, ErrorCode.BAD_TOKEN,
                       "this link was replaced; ask the desk for a new one")
    pinned = pinned_session(hub.state, participant)
    if claims.session and pinned and pinned != claims.session:
        # Made a moment ago on another process: fold its sign-in before refusing it.
        await hub.catch_up()
        pinned = pinned_session(hub.state, participant)
    if pinned and pinned != claims.session:
        raise ApiError(401, ErrorCode.BAD_TOKEN, "you signed in on another device")
    if roles is not None and participant.role not in set(roles):
        raise ApiError(403, ErrorCode.FORBIDDEN, f"a {participant.role.value} may not do this")
    return Actor(participant.id, participant.role)
