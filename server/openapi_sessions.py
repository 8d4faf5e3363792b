"""The OpenAPI entries of device sessions (server/session_http.py) and of the routes that hand
out what is exchanged for one (badge sign-in, device pairing), merged into server/openapi.py's
description; the helpers are passed in, so this module imports nothing of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Op = Callable[..., dict[str, Any]]
Json = Callable[..., dict[str, Any]]

_TOKEN_BODY = {"application/json": {"schema": {
    "type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}}}
_SESSION = {"type": "object", "properties": {
    "meeting": {"type": "string"}, "purpose": {"enum": ["j", "k", "h", "s"]},
    "session": {"type": "string", "description": "the device session: the credential of the "
                "hello and of Authorization: Bearer from now on"},
    "expires": {"type": "integer"},
    "participant": {"$ref": "#/components/schemas/Participant"}}}


def paths(op: Op, json_: Json, meeting_id: dict[str, Any]) -> dict[str, Any]:
    return {
        "/api/sessions": {"post": op(
            "Exchange a join link's token or a pairing code (in the body) for a device session "
            "of this browser; a delegate's becomes their one voting session and ends the "
            "others (participant.signed_in)",
            {"200": json_(_SESSION)}, body=_TOKEN_BODY, auth=False,
            errors=(401, 403, 422, 429))},
        "/api/sessions/current": {"delete": op(
            "Sign this browser's device session out", {"204": {"description": "signed out"}},
            errors=(401, 422))},
        "/api/badge-login": {"post": {**op(
            "Exchange a badge's check-in token (scanned at a seat) for a device session of a "
            "new credential generation, where the meeting's badge_sign_in setting allows it; "
            "ends the participant's other sessions. Sent from a shared seat tablet, it bears "
            "the tablet's session (purpose s) as Authorization: Bearer: the sign-in is then "
            "via 'seat', the only one badge_sign_in 'seat_tablets' accepts (otherwise 403, "
            "details.reason not_a_seat_tablet); a Bearer that is not a current seat tablet "
            "session of the badge's meeting is 401, details.reason seat_unpaired",
            {"200": json_(_SESSION)}, body=_TOKEN_BODY,
            errors=(401, 403, 422, 429)), "security": [{}, {"bearer": []}]}},
        "/api/meetings/{meeting_id}/devices": {
            "parameters": [meeting_id],
            "post": op(
                "Pair a check-in kiosk, a hall screen or a shared seat tablet (staff): a "
                "pairing code of its own purpose for the device participant (KIOSK, SCREEN, "
                "SEATS), good for 15 minutes and one device, as a link and a QR code (kiosk: "
                "check-in only; screen: read only; seat tablet: sends no command, only signs "
                "delegates in by badge)",
                {"200": json_({"type": "object", "properties": {
                    "kind": {"enum": ["kiosk", "screen", "seat"]},
                    "participant": {"type": "string"},
                    "token": {"type": "string"}, "pair_url": {"type": "string"},
                    "pair_qr": {"type": "string", "description": "data: URL of an SVG"},
                    "expires": {"type": "integer"}}})},
                body={"application/json": {"schema": {
                    "type": "object", "required": ["kind"],
                    "properties": {"kind": {"enum": ["kiosk", "screen", "seat"]}}}}},
                errors=(401, 403, 409, 422),
            ),
        },
    }
