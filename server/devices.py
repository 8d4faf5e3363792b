"""Device credentials: a check-in kiosk or a hall screen paired from the secretary desk gets
a token of its own purpose (server/auth.py: ``k`` kiosk, ``h`` hall screen) for a device
participant of the roster, never a staff member's token. What each purpose may send over the
WebSocket is listed here; over HTTP no device token is accepted at all (server/http_auth.py
verifies join tokens only), so a kiosk reads no roster links and downloads nothing.

Pairing (``device.pair``, rooms/credentials.py) adds the device participant once (an observer
``KIOSK``, a screen ``SCREEN``: neither votes nor counts towards the quorum, and the
attendance list leaves them out) and issues its credential for the participant's current
generation; reissuing that participant (``participant.reissue``) unpairs every device paired
before.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms.model import STAFF, Role
from server.api import outcome_response, read_json, runtime
from server.errors import ApiError
from server.http_auth import require_actor
from server.join_links import join_url, token_expiry

PURPOSE = {"kiosk": "k", "screen": "h"}


async def pair(request: Request) -> JSONResponse:
    """A pairing link for a kiosk or a hall screen (staff): open it on the device. Its
    device participant is added once (``device.pair``, in the log)."""
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id, STAFF)
    body = await read_json(request)
    kind = body.get("kind")
    if kind not in PURPOSE:
        raise ApiError(422, ErrorCode.BAD_FIELD, "'kind' must be 'kiosk' or 'screen'")
    rt = runtime(request)
    outcome = await rt.commands.execute(meeting_id, actor, "device.pair", {"kind": kind})
    if not outcome.ok:
        return outcome_response(outcome)
    result = outcome.result
    token = rt.signer.issue(meeting_id, result["id"], Role(result["role"]), token_expiry(rt),
                            purpose=PURPOSE[kind], generation=int(result["generation"]))
    return JSONResponse({"kind": kind, "participant": result["id"], "token": token,
                         "pair_url": join_url(rt, token)})


ROUTES = [Route("/api/meetings/{meeting_id}/devices", pair, methods=["POST"])]
