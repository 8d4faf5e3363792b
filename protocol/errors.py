"""Stable error codes and WebSocket close codes.

Two kinds of failure, as in h11 and websockets: a *protocol error* is malformed input
(undecodable frame, wrong types, over a limit) and closes the connection with a close code;
a *rejection* is a well-formed command that is not allowed now, answered with an ``error``
message while the connection stays open. Codes are part of the public protocol: never
renumber or rename them, only add.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # protocol errors (the frame itself is wrong)
    MALFORMED = "malformed"
    UNSUPPORTED_VERSION = "unsupported_version"
    UNKNOWN_TYPE = "unknown_type"
    UNKNOWN_KIND = "unknown_kind"
    BAD_FIELD = "bad_field"
    TOO_LARGE = "too_large"
    # authentication and authorisation
    UNAUTHENTICATED = "unauthenticated"
    BAD_TOKEN = "bad_token"
    TOKEN_EXPIRED = "token_expired"
    WRONG_MEETING = "wrong_meeting"
    FORBIDDEN = "forbidden"
    # rejections by the domain (well-formed, not allowed now)
    NOT_FOUND = "not_found"
    INVALID_STATE = "invalid_state"
    CONFLICT = "conflict"
    INVALID = "invalid"
    DUPLICATE = "duplicate"
    RATE_LIMITED = "rate_limited"
    # HTTP only: an uploaded file (roster, agenda plan, document) that cannot be taken
    INVALID_ROSTER = "invalid_roster"
    INVALID_AGENDA = "invalid_agenda"
    INVALID_DEFINITION = "invalid_definition"
    UNSUPPORTED_TYPE = "unsupported_type"
    TYPE_MISMATCH = "type_mismatch"
    EMPTY = "empty"
    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    # the server's own trouble; the client may retry the same command id later
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class CloseCode(IntEnum):
    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013
    # Application codes (4000-4999), stable:
    UNAUTHENTICATED = 4001  # no valid hello/token: do not retry with the same token
    FORBIDDEN = 4003  # the token's participant was removed or has no access
    SLOW_CONSUMER = 4008  # outbound queue overflowed: reconnect and resume from (epoch, seq)
    HELLO_TIMEOUT = 4009  # no hello within the allowed time
    SESSION_LIMIT = 4029  # this participant opened more sessions than allowed: oldest closed


class ProtocolError(Exception):
    """Malformed input: the connection is closed with ``close_code``."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        close_code: CloseCode = CloseCode.PROTOCOL_ERROR,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.close_code = close_code
        # What the client needs to act on it (e.g. the supported versions), sent in the error.
        self.details: dict[str, Any] = details or {}
