"""The core value types of the domain: actors, commands, events, rejections, participants."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from protocol.errors import ErrorCode


class Role(StrEnum):
    CHAIR = "chair"
    SECRETARY = "secretary"
    DELEGATE = "delegate"
    SCREEN = "screen"
    OBSERVER = "observer"


STAFF = frozenset({Role.CHAIR, Role.SECRETARY})
# The members of the body: who counts towards a quorum, votes, and gives or holds a proxy.
# Observers and hall screens do not.
VOTING_ROLES = frozenset({Role.CHAIR, Role.SECRETARY, Role.DELEGATE})
ALL_ROLES = frozenset(Role)

# The HTTP admin (bearer token) acts outside the roster; it may do what staff may do.
ADMIN_ID = "@admin"


@dataclass(frozen=True)
class Actor:
    participant_id: str
    role: Role | None  # None for the admin

    @property
    def is_admin(self) -> bool:
        return self.participant_id == ADMIN_ID

    @staticmethod
    def admin() -> Actor:
        return Actor(ADMIN_ID, None)


class Command(NamedTuple):
    """A decoded command and who sent it (a named tuple: one is made for every ballot)."""

    kind: str
    body: Mapping[str, Any]
    actor: Actor


@dataclass(frozen=True)
class Event:
    """A fact that happened. ``at`` is milliseconds since the Unix epoch, passed in."""

    kind: str
    body: Mapping[str, Any]
    actor: str
    at: int

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "body": dict(self.body), "actor": self.actor, "at": self.at}

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Event:
        return Event(
            kind=str(data["kind"]),
            body=dict(data["body"]),
            actor=str(data["actor"]),
            at=int(data["at"]),
        )


class Rejected(Exception):
    """A well-formed command that is not allowed now; nothing changes."""

    def __init__(
        self, code: ErrorCode, message: str, *, stale: bool = False, **details: Any
    ) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
        self.details = details
        # Decided on a state that may be behind the store (another process's event not yet
        # folded here): the shell catches up and decides again before answering this.
        self.stale = stale


@dataclass(frozen=True)
class Participant:
    id: str
    full_name: str
    role: Role
    delegation: str = ""
    title: str = ""
    seat: str = ""
    # A decimal string ("1", "1.5"): weights are exact, never floats.
    weight: str = "1"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "full_name": self.full_name,
            "role": self.role.value,
            "delegation": self.delegation,
            "title": self.title,
            "seat": self.seat,
            "weight": self.weight,
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Participant:
        return Participant(
            id=str(data["id"]),
            full_name=nfc(str(data["full_name"])),
            role=Role(data["role"]),
            delegation=nfc(str(data.get("delegation", ""))),
            title=nfc(str(data.get("title", ""))),
            seat=str(data.get("seat", "")),
            weight=str(data.get("weight", "1")),
        )


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class MeetingInfo:
    title: str
    title_en: str = ""
    place: str = ""
    organisation: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    starts: str = ""
    ends: str = ""
    quorum: str = "more than 1/2 of delegates present"
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "title_en": self.title_en,
            "place": self.place,
            "organisation": self.organisation,
            "timezone": self.timezone,
            "starts": self.starts,
            "ends": self.ends,
            "quorum": self.quorum,
            "settings": dict(self.settings),
        }
