"""Every command kind a client may send, with the fields of its body.

Feature areas keep their schemas in their own module; this table joins them. A kind missing
here is answered with ``unknown_kind``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from protocol.commands_attendance import SCHEMAS as ATTENDANCE
from protocol.commands_floor import SCHEMAS as FLOOR
from protocol.commands_notes import SCHEMAS as NOTES
from protocol.commands_polls import SCHEMAS as POLLS
from protocol.schema import Field, Schema, validate

_OPT_TEXT = Field("str", required=False, max_len=2000)

MEETING: dict[str, Schema] = {
    "meeting.open": {},
    "meeting.adjourn": {"reason": _OPT_TEXT},
    "meeting.resume": {},
    "meeting.close": {},
    "meeting.update": {
        "title": Field("str", required=False, max_len=500),
        "title_en": Field("str", required=False, max_len=500),
        "place": Field("str", required=False, max_len=500),
        "quorum": Field("str", required=False, max_len=200),
        # {name: value}, only the settings to change; names and values are checked by
        # rooms/settings.py (a bad one is refused with ``invalid``, not a protocol error).
        "settings": Field("map", required=False),
    },
}

_PARTICIPANT_FIELDS = {
    "full_name": Field("str", required=False, max_len=200),
    "role": Field(
        "str", required=False, choices=("chair", "secretary", "delegate", "screen", "observer")
    ),
    "delegation": Field("str", required=False, max_len=200),
    "title": Field("str", required=False, max_len=200),
    "seat": Field("str", required=False, max_len=200),
    "weight": Field("str", required=False, max_len=20),
}

ROSTER: dict[str, Schema] = {
    "participant.add": {"id": Field("str", max_len=32), **_PARTICIPANT_FIELDS},
    "participant.update": {"id": Field("str", max_len=32), **_PARTICIPANT_FIELDS},
    "participant.remove": {"id": Field("str", max_len=32)},
    # A new credential generation: the participant's earlier join links stop working.
    "participant.reissue": {"id": Field("str", max_len=32)},
    # Sent by the shell for POST /api/badge-login and POST /api/sessions (only the
    # administrator may send it); ``session`` is the new device session's public id.
    "participant.sign_in": {
        "id": Field("str", max_len=32),
        # ``seat``: a badge at a paired seat tablet (server/identity_http.py).
        "via": Field("str", required=False, choices=("badge", "seat", "link")),
        "session": Field("str", required=False, max_len=32),
    },
    # A kiosk, hall screen or seat tablet paired from the desk (server/devices.py signs its
    # credential).
    "device.pair": {"kind": Field("str", choices=("kiosk", "screen", "seat"))},
}

COMMANDS: dict[str, Schema] = {**MEETING, **ROSTER, **FLOOR}
COMMANDS.update(ATTENDANCE)
COMMANDS.update(NOTES)
COMMANDS.update(POLLS)


def validate_command(kind: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The body, checked against its kind; raises ProtocolError otherwise."""
    return validate(kind, body, COMMANDS)


__all__ = ["COMMANDS", "Field", "validate_command"]
