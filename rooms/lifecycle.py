"""The meeting's lifecycle as a transition table: scheduled → open ⇄ adjourned → closed."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from protocol.errors import ErrorCode
from rooms.model import Rejected


class Status(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    ADJOURNED = "adjourned"
    CLOSED = "closed"


# (status, command kind) -> (event kind, next status). A pair that is missing is not allowed.
TRANSITIONS: Final[dict[tuple[Status, str], tuple[str, Status]]] = {
    (Status.SCHEDULED, "meeting.open"): ("meeting.opened", Status.OPEN),
    (Status.OPEN, "meeting.adjourn"): ("meeting.adjourned", Status.ADJOURNED),
    (Status.ADJOURNED, "meeting.resume"): ("meeting.resumed", Status.OPEN),
    (Status.OPEN, "meeting.close"): ("meeting.closed", Status.CLOSED),
    (Status.ADJOURNED, "meeting.close"): ("meeting.closed", Status.CLOSED),
    (Status.SCHEDULED, "meeting.close"): ("meeting.closed", Status.CLOSED),
}

EVENT_STATUS: Final[dict[str, Status]] = {event: nxt for (event, nxt) in TRANSITIONS.values()}


def transition(status: Status, command_kind: str) -> tuple[str, Status]:
    try:
        return TRANSITIONS[(status, command_kind)]
    except KeyError:
        raise Rejected(
            ErrorCode.INVALID_STATE,
            f"'{command_kind}' is not allowed while the meeting is {status.value}",
            status=status.value,
        ) from None
