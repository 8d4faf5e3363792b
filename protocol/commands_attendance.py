"""Attendance commands: check-in by badge, device or hand, check-out, absence, proxies.

Bodies are checked here for shape only; who may send them and whether they are allowed now is
decided in ``rooms.attendance`` and ``rooms.proxies``. docs/protocol.md, section "Attendance",
describes each kind.
"""

from __future__ import annotations

from protocol.schema import Field, Schema

# A badge token is about 60 ASCII characters; 200 leaves room for long meeting and participant
# ids without letting a scanner's garbage through unbounded.
_TOKEN = Field("str", max_len=200)
_PARTICIPANT = Field("str", max_len=32)
_MODE = Field("str", required=False, choices=("in_person", "online"))

SCHEMAS: dict[str, Schema] = {
    # A kiosk or the secretary scans a badge; the token is what the QR holds.
    "checkin.scan": {"token": _TOKEN},
    # A delegate checks in from their own tablet; ``device`` is a stable id the tablet keeps,
    # so that a second tablet of the same delegate can be told apart (double presence).
    "checkin.self": {"device": Field("str", required=False, max_len=64), "mode": _MODE},
    "checkin.manual": {"participant": _PARTICIPANT, "mode": _MODE},
    # By participant id (the desk) or by badge token (a scanner at the exit).
    "checkin.out": {
        "participant": Field("str", required=False, max_len=32),
        "token": Field("str", required=False, max_len=200),
    },
    "checkin.absent": {
        "participant": _PARTICIPANT,
        "reason": Field("str", required=False, max_len=500),
    },
    "proxy.grant": {"from": _PARTICIPANT, "to": _PARTICIPANT},
    "proxy.revoke": {"from": _PARTICIPANT},
}
