"""The AsyncAPI 3 document of the WebSocket protocol, built from the code that enforces it.

Command bodies come from ``protocol.commands.COMMANDS`` (what ``validate_command`` checks),
event bodies from ``protocol.event_bodies.EVENT_BODIES``, the envelopes from
``protocol.messages`` and ``protocol.limits``, the codes from ``protocol.errors``. Who may send
a command and who sees an event live in ``rooms``, which ``protocol`` does not import: the
server passes them in (server/contract.py). Served at /asyncapi.json; tests/contract checks
the document against the code in both directions. Pure.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, get_args

from protocol import limits
from protocol.commands import COMMANDS
from protocol.errors import CloseCode, ErrorCode
from protocol.event_bodies import EVENT_BODIES
from protocol.event_shapes import RoleName, RuleMap
from protocol.json_schema import (
    REF_PREFIX,
    SchemaMap,
    command_body_schema,
    map_fields,
    type_schema,
)
from protocol.live_bodies import LIVE_BODIES
from protocol.majority_grammar import MAJORITY_RULE_TEXT
from protocol.messages import Ack, Error, Live, Pong, Snapshot, Welcome
from protocol.snapshot_state import SnapshotState
from protocol.version import PROTOCOL_VERSION, SUBPROTOCOLS, SUPPORTED_VERSIONS

ROLES: tuple[str, ...] = get_args(RoleName)
CHANNEL = "meeting"

# Why the server closes a connection, for clients deciding whether to reconnect.
CLOSE_CODES: dict[CloseCode, str] = {
    CloseCode.NORMAL: "Normal closure.",
    CloseCode.GOING_AWAY: "The server is shutting down: reconnect and resume.",
    CloseCode.PROTOCOL_ERROR: "A protocol error (the error frame before it says which): fix "
    "the client; do not resend the same frame. unsupported_version: the client announced a "
    "protocol version (v) the server does not speak; details.supported lists those it does: "
    "do not reconnect with that version.",
    CloseCode.UNSUPPORTED_DATA: "A frame in the other codec than the subprotocol chosen.",
    CloseCode.POLICY_VIOLATION: "Reserved; the server does not send it.",
    CloseCode.MESSAGE_TOO_BIG: f"A frame over {limits.MAX_FRAME_BYTES} bytes.",
    CloseCode.INTERNAL_ERROR: "The server failed: reconnect and resume.",
    CloseCode.TRY_AGAIN_LATER: "The server cannot reach its store (Redis): reconnect later "
    "with backoff and resume; the same token is fine.",
    CloseCode.UNAUTHENTICATED: "No valid hello: the first frame was not hello, or the token "
    "does not verify (bad_token, token_expired, wrong_meeting), or access was revoked. Do not "
    "retry with the same token. (A token that is empty or over 512 characters is a malformed "
    "hello: bad_field, 1002.)",
    CloseCode.FORBIDDEN: "The token's participant is not on the roster or has another role "
    "(also while connected: a role change closes the socket).",
    CloseCode.SLOW_CONSUMER: "The outbound queue overflowed: reconnect and resume from "
    "(epoch, seq).",
    CloseCode.HELLO_TIMEOUT: "No hello within the allowed time.",
    CloseCode.SESSION_LIMIT: "More live sessions of this participant than the server allows "
    "(PHONGHOP_MAX_SESSIONS_PER_TOKEN): the oldest was closed. Do not reconnect automatically.",
}


def build_document(
    *,
    permissions: Mapping[str, Collection[str]],
    audiences: Mapping[str, Collection[str]],
    projected: Mapping[str, Collection[str]],
    staff: Collection[str],
    live_audiences: Mapping[str, Collection[str]] | None = None,
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document.

    ``permissions``: command kind -> roles that may send it; ``audiences``: event kind -> roles
    that see it live (unlisted: everyone; ``staff`` see all); ``projected``: event kind -> roles
    that get a projection (a subset of the body's keys) instead of the whole body;
    ``live_audiences``: live kind -> roles it is sent to (unlisted: everyone).
    """
    defs: dict[str, SchemaMap] = {}
    messages: dict[str, SchemaMap] = {}
    for kind in sorted(COMMANDS):
        messages[command_message_name(kind)] = _command_message(kind, permissions, defs)
    for kind, body_type in sorted(EVENT_BODIES.items()):
        seen_by = _audience(audiences.get(kind), staff)
        messages[event_message_name(kind)] = _event_message(
            kind, body_type, seen_by, projected.get(kind, ()), defs
        )
    for kind, body_type in sorted(LIVE_BODIES.items()):
        seen_by = _audience((live_audiences or {}).get(kind), ())
        messages[live_message_name(kind)] = _live_message(kind, body_type, seen_by, defs)
    envelopes = _envelope_messages(defs)
    messages.update(envelopes)
    _add_shared_schemas(defs)
    refs = {name: {"$ref": f"#/components/messages/{name}"} for name in messages}
    sent = [n for n in messages if n.startswith("cmd.") or n in ("hello", "ping")]
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "phonghop WebSocket protocol",
            "version": str(PROTOCOL_VERSION),
            "description": _INFO,
            "x-close-codes": {str(int(c)): d for c, d in sorted(CLOSE_CODES.items())},
        },
        "defaultContentType": "application/json",
        "channels": {
            CHANNEL: {
                "address": "/ws/{meeting_id}",
                "title": "One meeting's live connection",
                "description": "Subprotocols, in the server's order of preference: "
                + ", ".join(SUBPROTOCOLS) + " (MessagePack or JSON frames, same maps).",
                "parameters": {"meeting_id": {"description": "The meeting's id."}},
                "messages": refs,
            }
        },
        "operations": {
            "send": _operation("send", "What a client sends.", sent),
            "receive": _operation(
                "receive", "What the server sends.", [n for n in messages if n not in sent]
            ),
        },
        "components": {"messages": messages, "schemas": dict(sorted(defs.items()))},
    }


def command_message_name(kind: str) -> str:
    return f"cmd.{kind}"


def event_message_name(kind: str) -> str:
    return f"event.{kind}"


def live_message_name(kind: str) -> str:
    return f"live.{kind}"


_INFO = (
    "The live protocol of a phonghop meeting (docs/protocol.md). Every frame is a map with "
    "`v` (the protocol version) and `type`. The client sends `hello` first, then `cmd` and "
    "`ping`; the server answers `welcome`, then a `snapshot` or the missed `event`s, then "
    "live `event`s, `ack`s, `error`s, `live` values and `pong`s. A command's body is checked "
    "against its kind's schema: a wrong shape is a protocol error (an `error` frame, then "
    "close 1002); a well-formed command that is not allowed now is an `error` frame with a "
    "rejection code and the connection stays open. Error codes: components.schemas.ErrorCode; "
    "close codes: info.x-close-codes. `v` in the client's frames is the version it speaks "
    "(hello.v lists those the server supports; another is refused with unsupported_version, "
    "close 1002). The version is bumped only by a change that breaks a client; adding a "
    "command, event, field or code does not break one."
)


def _operation(action: str, description: str, names: Sequence[str]) -> SchemaMap:
    return {
        "action": action,
        "description": description,
        "channel": {"$ref": f"#/channels/{CHANNEL}"},
        "messages": [{"$ref": f"#/channels/{CHANNEL}/messages/{n}"} for n in names],
    }


def _audience(listed: Collection[str] | None, staff: Collection[str]) -> list[str]:
    if listed is None:
        return list(ROLES)
    return [r for r in ROLES if r in listed or r in staff]


def _const(value: Any) -> SchemaMap:
    return {"const": value}


# ``v`` in a client's frames: the version it speaks, one the server supports (anything else is
# unsupported_version, close 1002); the server's own frames carry PROTOCOL_VERSION.
_CLIENT_VERSION: SchemaMap = {
    "type": "integer",
    "enum": list(SUPPORTED_VERSIONS),
    "description": "The protocol version the client speaks. Another is refused: an error "
    "frame unsupported_version with details.supported (the versions the server speaks), then "
    "close 1002.",
}


def _frame(
    type_: str, props: SchemaMap, required: Sequence[str], *, sent_by_client: bool = False
) -> SchemaMap:
    version = dict(_CLIENT_VERSION) if sent_by_client else _const(PROTOCOL_VERSION)
    return {
        "type": "object",
        "properties": {"v": version, "type": _const(type_), **props},
        "required": ["v", "type", *required],
        "additionalProperties": False,
    }


_ID = {"type": "string", "minLength": 1, "maxLength": limits.MAX_ID_CHARS}


def _command_message(
    kind: str, permissions: Mapping[str, Collection[str]], defs: dict[str, SchemaMap]
) -> SchemaMap:
    name = "".join(p.capitalize() for p in kind.replace("_", ".").split(".")) + "Command"
    defs[name] = command_body_schema(COMMANDS[kind])
    payload = _frame(
        "cmd", {"id": _ID, "kind": _const(kind), "body": {"$ref": REF_PREFIX + name}},
        ["id", "kind"], sent_by_client=True,
    )
    roles = sorted(permissions.get(kind, ()))
    return {
        "name": command_message_name(kind),
        "title": f"Command {kind}",
        "summary": f"Sent by: {', '.join(roles) if roles else 'no role (server-issued)'}.",
        "payload": payload,
        "x-kind": kind,
        "x-roles": roles,
    }


def _event_message(
    kind: str,
    body_type: type,
    seen_by: list[str],
    projected: Collection[str],
    defs: dict[str, SchemaMap],
) -> SchemaMap:
    full = type_schema(body_type, defs)
    body: SchemaMap = full
    if projected:
        keys = sorted(defs[full["$ref"].removeprefix(REF_PREFIX)]["properties"])
        body = {"anyOf": [full, {
            "type": "object",
            "description": "The projection " + ", ".join(sorted(projected)) + " receive: "
            "a subset of the full body's keys (nested maps may also lack keys).",
            "propertyNames": {"enum": keys},
        }]}
    payload = _frame(
        "event",
        {
            "meeting": {"type": "string"},
            "epoch": {"type": "string"},
            "seq": {"type": "integer", "minimum": 1},
            "prev": {"type": "integer", "minimum": 0},
            "kind": _const(kind),
            "at": {"type": "integer", "description": "Server time, ms since the Unix epoch."},
            "body": body,
        },
        ["meeting", "epoch", "seq", "prev", "kind", "at", "body"],
    )
    return {
        "name": event_message_name(kind),
        "title": f"Event {kind}",
        "summary": f"Seen live by: {', '.join(seen_by)}.",
        "payload": payload,
        "x-kind": kind,
        "x-audience": seen_by,
        "x-projected-for": sorted(projected),
    }


def _live_message(
    kind: str, body_type: type, seen_by: list[str], defs: dict[str, SchemaMap]
) -> SchemaMap:
    payload = _frame("live", {"kind": _const(kind), "body": type_schema(body_type, defs)},
                     ["kind", "body"])
    return {
        "name": live_message_name(kind),
        "title": f"Live {kind}",
        "summary": f"Sent to: {', '.join(seen_by)}. The latest value replaces the one before.",
        "payload": payload,
        "x-kind": kind,
        "x-audience": seen_by,
    }


def _envelope_messages(defs: dict[str, SchemaMap]) -> dict[str, SchemaMap]:
    out: dict[str, SchemaMap] = {
        "hello": _message("hello", "The first frame: who the client is and where it was.", _frame(
            "hello",
            {
                "token": {"type": "string", "minLength": 1, "maxLength": limits.MAX_TOKEN_CHARS},
                "resume": {"$ref": REF_PREFIX + "Position"},
                "lang": {"enum": ["vi", "en"], "type": "string", "default": "vi"},
            },
            ["token"], sent_by_client=True,
        )),
        "ping": _message("ping", "Keep-alive; answered with pong.", _frame(
            "ping", {"id": {"type": "string", "maxLength": limits.MAX_ID_CHARS}}, [],
            sent_by_client=True,
        )),
    }
    defs["Position"] = {
        "type": "object",
        "properties": {"epoch": {"type": "string"}, "seq": {"type": "integer", "minimum": 0}},
        "required": ["epoch", "seq"],
        "additionalProperties": False,
    }
    for cls, summary in _SERVER_FRAMES:
        name = cls.__name__.lower()
        out[name] = _message(name, summary, _server_frame(cls, defs))
    out["error"]["payload"]["properties"]["code"] = {"$ref": REF_PREFIX + "ErrorCode"}
    out["snapshot"]["payload"]["properties"]["state"] = type_schema(SnapshotState, defs)
    # Any live kind: the live.<kind> messages say which body goes with which kind.
    live = out["live"]["payload"]["properties"]
    live["kind"] = {"type": "string", "enum": sorted(LIVE_BODIES)}
    live["body"] = {"anyOf": [type_schema(t, defs) for _, t in sorted(LIVE_BODIES.items())]}
    return out


_SERVER_FRAMES: tuple[tuple[Any, str], ...] = (
    (Welcome, "The answer to hello: the participant, the log position, how resuming goes "
     "(replay: the missed events follow; snapshot: a snapshot follows)."),
    (Snapshot, "The state as the participant's role sees it, at (epoch, seq)."),
    (Ack, "A command was done; seq is the log position after its events (0: none)."),
    (Error, "A rejection (id set, connection stays) or a protocol error (then a close)."),
    (Live, "The latest value of a coalesced counter or of the participant's own state."),
    (Pong, "The answer to ping, with the server's time in ms."),
)


def _message(name: str, summary: str, payload: SchemaMap) -> SchemaMap:
    return {"name": name, "title": name, "summary": summary or name, "payload": payload}


def _server_frame(cls: Any, defs: dict[str, SchemaMap]) -> SchemaMap:
    """A server frame as ``to_wire`` writes it: None values and empty ``details`` left out."""
    types_, _ = map_fields(cls)
    type_ = types_.pop("type")
    props = {name: type_schema(hint, defs) for name, hint in types_.items()}
    required = [
        name for name, hint in types_.items()
        if name != "details" and type(None) not in get_args(hint)
    ]
    return _frame(get_args(type_)[0], props, required)


def _add_shared_schemas(defs: dict[str, SchemaMap]) -> None:
    """The codes and the two forms of a majority rule."""
    defs.update(_code_schemas())
    defs["MajorityRuleText"] = {
        "type": "string", "maxLength": 200, "description": MAJORITY_RULE_TEXT,
    }
    type_schema(RuleMap, defs)
    defs["RuleMap"]["description"] = (
        "The JSON form of a majority rule, as events carry it: `fraction` \"N/M\" in lowest "
        "terms, `strict` (true: more than; false: at least), `base` (valid | cast | present | "
        "entitled) and the rule in words in each language. See MajorityRuleText."
    )


def _code_schemas() -> dict[str, SchemaMap]:
    return {
        "ErrorCode": {
            "type": "string",
            "enum": [c.value for c in ErrorCode],
            "description": "Stable error codes (protocol/errors.py): never renamed, only added.",
        },
        "CloseCode": {
            "type": "integer",
            "enum": [int(c) for c in CloseCode],
            "description": "WebSocket close codes; info.x-close-codes says what each means.",
        },
    }
