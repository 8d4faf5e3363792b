"""Device credentials: a check-in kiosk, a hall screen or a shared seat tablet paired from the
secretary desk gets a token of its own purpose (server/auth.py: ``k`` kiosk, ``h`` hall
screen, ``s`` seat tablet) for a device participant of the roster, never a staff member's
token. What each purpose may send over the WebSocket is listed in server/device_purposes.py;
over HTTP no device token is accepted (server/http_auth.py verifies join tokens only), so a
kiosk reads no roster links and downloads nothing. The one exception is a seat tablet's
session on ``POST /api/badge-login`` (server/identity_http.py): it says the badge was scanned
at a seat tablet, which the ``seat_tablets`` setting of ``badge_sign_in`` requires.

Pairing (``device.pair``, rooms/credentials.py) adds the device participant once (an observer
``KIOSK``, a screen ``SCREEN``, an observer ``SEATS`` for all seat tablets: none votes nor
counts towards the quorum, and the attendance list leaves them out) and issues its credential
for the participant's current generation; pairing another device of the kind leaves the others
paired, and reissuing that participant (``participant.reissue``) unpairs every device paired
before. The desk shows the pairing link as a QR code (an SVG made here, ``pair_qr``) that the
device opens; the device exchanges it once for a device session (``POST /api/sessions``,
server/session_http.py), so the code pairs one device, and only within ``PAIRING_TTL``. Each
click makes a new code: it carries a random nonce (server/auth.py), so two codes asked for in
the same second (a secretary pairing a row of seat tablets) are two codes, one per device.
"""

from __future__ import annotations

import base64
import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from protocol.errors import ErrorCode
from rooms.model import STAFF, Role
from server.api import outcome_response, read_json, runtime
from server.badges import badge_svg
from server.errors import ApiError
from server.http_auth import require_actor
from server.join_links import join_url

PURPOSE = {"kiosk": "k", "screen": "h", "seat": "s"}
# How long the desk's pairing QR stays good: long enough to walk to the device, not for a
# photo of the desk's screen to pair a device at night.
PAIRING_TTL = 15 * 60


def qr_data_url(text: str) -> str:
    """``text`` as a QR code in an SVG, as a ``data:`` URL an ``<img>`` shows (the CSP allows
    ``data:`` images and no inline markup)."""
    return "data:image/svg+xml;base64," + base64.b64encode(badge_svg(text)).decode("ascii")


async def pair(request: Request) -> JSONResponse:
    """A pairing link and its QR code for a kiosk, a hall screen or a seat tablet (staff):
    open it on the device, within ``PAIRING_TTL``, once. Its device participant is added once
    (``device.pair``, in the log)."""
    meeting_id = request.path_params["meeting_id"]
    actor = await require_actor(request, meeting_id, STAFF)
    body = await read_json(request)
    kind = body.get("kind")
    if kind not in PURPOSE:
        raise ApiError(422, ErrorCode.BAD_FIELD, "'kind' must be 'kiosk', 'screen' or "
                       "'seat'")
    rt = runtime(request)
    outcome = await rt.commands.execute(meeting_id, actor, "device.pair", {"kind": kind})
    if not outcome.ok:
        return outcome_response(outcome)
    result = outcome.result
    expires = rt.clock.now_ms() // 1000 + PAIRING_TTL
    token = rt.signer.issue(meeting_id, result["id"], Role(result["role"]), expires,
                            purpose=PURPOSE[kind], generation=int(result["generation"]),
                            nonce=secrets.token_hex(8))
    url = join_url(rt, token)
    return JSONResponse({"kind": kind, "participant": result["id"], "token": token,
                         "pair_url": url, "pair_qr": qr_data_url(url), "expires": expires})


ROUTES = [Route("/api/meetings/{meeting_id}/devices", pair, methods=["POST"])]
