"""Envelopes exchanged over the WebSocket, as frozen dataclasses.

Client → server: ``hello`` (first frame: token and resume position), ``cmd``, ``ping``.
Server → client: ``welcome``, ``snapshot``, ``event``, ``ack``, ``error``, ``live``, ``pong``.
docs/protocol.md is the normative description; field names here are the wire names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from protocol.version import PROTOCOL_VERSION

JsonMap = dict[str, Any]


@dataclass(frozen=True)
class Position:
    """Where a client is in a meeting's log: the epoch and the last seq it applied."""

    epoch: str
    seq: int


# ---- client → server -------------------------------------------------------------------


@dataclass(frozen=True)
class Hello:
    token: str
    resume: Position | None = None
    lang: str = "vi"
    type: Literal["hello"] = "hello"


# Read only, shared by every Cmd sent without a body.
_NO_BODY: Mapping[str, Any] = {}


class Cmd(NamedTuple):
    """A command (a named tuple, not a frozen dataclass: one is decoded for every ballot, and
    a named tuple is made at a third of the cost)."""

    id: str
    kind: str
    body: Mapping[str, Any] = _NO_BODY
    type: Literal["cmd"] = "cmd"


@dataclass(frozen=True)
class Ping:
    id: str = ""
    type: Literal["ping"] = "ping"


ClientMessage = Hello | Cmd | Ping


# ---- server → client -------------------------------------------------------------------


@dataclass(frozen=True)
class Welcome:
    meeting: str
    participant: JsonMap
    epoch: str
    seq: int
    # "replay": the events after the client's position follow; "snapshot": a snapshot follows.
    resume: Literal["replay", "snapshot"]
    server_time: int
    type: Literal["welcome"] = "welcome"


@dataclass(frozen=True)
class Snapshot:
    meeting: str
    epoch: str
    seq: int
    state: JsonMap
    type: Literal["snapshot"] = "snapshot"


@dataclass(frozen=True)
class Event:
    meeting: str
    epoch: str
    seq: int
    # seq of the previous event this client's audience could see (0 if none): a client that
    # applied up to ``pos`` has missed something exactly when ``prev > pos``.
    prev: int
    kind: str
    at: int
    body: JsonMap
    type: Literal["event"] = "event"


@dataclass(frozen=True)
class Ack:
    id: str
    # the log position after the command's events (0 when it recorded no event)
    seq: int = 0
    result: JsonMap = field(default_factory=dict)
    type: Literal["ack"] = "ack"


@dataclass(frozen=True)
class Error:
    code: str
    message: str
    id: str | None = None
    details: JsonMap = field(default_factory=dict)
    type: Literal["error"] = "error"


@dataclass(frozen=True)
class Live:
    """Latest value of a coalesced counter or of the participant's own state; not logged."""

    kind: str
    body: JsonMap
    type: Literal["live"] = "live"


@dataclass(frozen=True)
class Pong:
    id: str = ""
    server_time: int = 0
    type: Literal["pong"] = "pong"


ServerMessage = Welcome | Snapshot | Event | Ack | Error | Live | Pong


def to_wire(msg: ServerMessage) -> JsonMap:
    """The dict that goes on the wire, with ``v`` first; None fields and empty extras dropped."""
    out: JsonMap = {"v": PROTOCOL_VERSION, "type": msg.type}
    for name, value in msg.__dict__.items():
        if name == "type" or value is None:
            continue
        if name == "details" and not value:
            continue
        out[name] = value
    return out
