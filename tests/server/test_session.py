"""The WebSocket lifecycle's state table, driven directly: no socket, no event loop, no Redis.

Each test gives the inputs the shell would feed (decoded frames, the token verdict, the
roster lookup, ...) and checks the action that comes back and the state that follows."""

from __future__ import annotations

import ast
import json
import typing
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgpack
import pytest

from protocol.codec import Codec
from protocol.errors import CloseCode, ErrorCode, ProtocolError
from protocol.messages import Cmd, Hello, Ping, Position
from rooms.model import Participant, Role
from server.auth import TokenClaims, TokenError
from server.session import (
    ATTACH_FAILED,
    ATTACHED,
    DISCONNECTED,
    HELLO_TIMED_OUT,
    REVOKED,
    STORE_UNAVAILABLE,
    Attach,
    Close,
    FindParticipant,
    Input,
    Refuse,
    RoleChanged,
    RosterLookup,
    Session,
    SessionError,
    State,
    TokenRefused,
    TokenVerified,
    VerifyToken,
)

CLAIMS = TokenClaims("M1", "D0001", "j", Role.DELEGATE, 2_000_000_000)
DELEGATE = Participant("D0001", "Lê Văn Tám", Role.DELEGATE, delegation="Hạ Long")
HELLO = Hello(token="M1~D0001~jd~x~sig")


def decode(frame: bytes | str) -> dict[str, Any]:
    data = json.loads(frame) if isinstance(frame, str) else msgpack.unpackb(frame)
    assert isinstance(data, dict)
    return data


def session_in(state: State, codec: Codec = "json") -> Session:
    """A session brought to ``state`` the way the shell brings it there."""
    path: dict[State, list[Input]] = {
        State.AWAITING_HELLO: [],
        State.AUTHENTICATING: [HELLO],
        State.AUTHORIZING: [HELLO, TokenVerified(CLAIMS)],
        State.SYNCING: [HELLO, TokenVerified(CLAIMS), RosterLookup(DELEGATE)],
        State.LIVE: [HELLO, TokenVerified(CLAIMS), RosterLookup(DELEGATE), ATTACHED],
        State.CLOSING: [HELLO_TIMED_OUT],
        State.CLOSED: [DISCONNECTED],
    }
    session = Session(codec)
    for event in path[state]:
        session.handle(event)
    assert session.state is state
    return session


def assert_refused(action: object, error: str, close_code: int, reason: str | None = None) -> None:
    assert isinstance(action, Refuse), action
    body = decode(action.frame)
    assert (body["type"], body["code"], action.code) == ("error", error, close_code)
    assert body["message"] and "id" not in body
    assert action.reason == (body["message"] if reason is None else reason)


# ---- the way in ------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["json", "msgpack"])
def test_hello_token_roster_attach_then_live(codec: Codec) -> None:
    session = Session(codec)
    steps: list[tuple[Input, object, State]] = [
        (
            Hello(token="tok", resume=Position(epoch="E1", seq=41)),
            VerifyToken("tok"),
            State.AUTHENTICATING,
        ),
        (TokenVerified(CLAIMS), FindParticipant("D0001"), State.AUTHORIZING),
        (RosterLookup(DELEGATE), Attach(DELEGATE, ("E1", 41)), State.SYNCING),
        (ATTACHED, None, State.LIVE),
    ]
    assert session.state is State.AWAITING_HELLO
    for event, action, state in steps:
        assert (session.handle(event), session.state) == (action, state)


def test_a_hello_without_a_position_attaches_for_a_snapshot() -> None:
    session = session_in(State.AUTHORIZING)
    assert session.handle(RosterLookup(DELEGATE)) == Attach(DELEGATE, None)


def test_only_the_delegates_pinned_device_session_opens() -> None:
    # A delegate exchanged their link for a device session elsewhere: the plain link, or an
    # older session, no longer opens; the pinned session does.
    for claims in (CLAIMS, replace(CLAIMS, session="old")):
        session = session_in(State.AUTHENTICATING)
        session.handle(TokenVerified(claims))
        assert_refused(session.handle(RosterLookup(DELEGATE, 0, "s1")), "bad_token",
                       CloseCode.UNAUTHENTICATED)
    session = session_in(State.AUTHENTICATING)
    session.handle(TokenVerified(replace(CLAIMS, session="s1")))
    assert session.handle(RosterLookup(DELEGATE, 0, "s1")) == Attach(DELEGATE, None)
    assert session.session_id == "s1"


def test_a_session_the_store_cannot_look_up_is_told_to_come_back() -> None:
    session = session_in(State.AUTHENTICATING)
    assert_refused(session.handle(STORE_UNAVAILABLE), "unavailable", CloseCode.TRY_AGAIN_LATER)


def test_no_hello_in_time_closes_without_a_frame() -> None:
    session = Session("json")
    assert session.handle(HELLO_TIMED_OUT) == Close(CloseCode.HELLO_TIMEOUT, "no hello")
    assert session.state is State.CLOSING


@pytest.mark.parametrize("first", [Cmd(id="c1", kind="meeting.open"), Ping(id="p1")])
def test_a_first_message_other_than_hello_is_unauthenticated(first: Cmd | Ping) -> None:
    session = Session("json")
    assert_refused(session.handle(first), "unauthenticated", CloseCode.UNAUTHENTICATED)
    assert session.state is State.CLOSING


def test_an_undecodable_first_frame_closes_with_its_own_code() -> None:
    session = Session("msgpack")
    exc = ProtocolError(ErrorCode.UNSUPPORTED_VERSION, "protocol version 9 is not 1")
    action = session.handle(exc)
    assert_refused(action, "unsupported_version", CloseCode.PROTOCOL_ERROR)
    assert isinstance(action, Refuse) and isinstance(action.frame, bytes)  # the session's codec
    assert session.state is State.CLOSING


@pytest.mark.parametrize(
    "code", [ErrorCode.BAD_TOKEN, ErrorCode.TOKEN_EXPIRED, ErrorCode.WRONG_MEETING]
)
def test_a_refused_token_is_unauthenticated_with_the_tokens_reason(code: ErrorCode) -> None:
    session = session_in(State.AUTHENTICATING)
    action = session.handle(TokenRefused(TokenError(code, "token signature does not match")))
    assert_refused(action, code, CloseCode.UNAUTHENTICATED)
    assert isinstance(action, Refuse) and action.reason == "token signature does not match"
    assert session.state is State.CLOSING


@pytest.mark.parametrize(
    "found",
    [
        None,  # the meeting or the participant is not there
        Participant("D0001", "Lê Văn Tám", Role.OBSERVER),  # the token was issued for another role
    ],
)
def test_not_on_the_roster_or_another_role_is_forbidden(found: Participant | None) -> None:
    session = session_in(State.AUTHORIZING)
    action = session.handle(RosterLookup(found))
    assert_refused(action, "forbidden", CloseCode.FORBIDDEN)
    assert isinstance(action, Refuse) and action.reason == "this participant is not on the roster"
    assert session.state is State.CLOSING


def test_a_store_that_cannot_be_reached_says_retry_later() -> None:
    session = session_in(State.AUTHORIZING)
    assert_refused(session.handle(STORE_UNAVAILABLE), "unavailable", CloseCode.TRY_AGAIN_LATER)
    assert session.state is State.CLOSING


def test_a_store_failing_while_attaching_says_retry_later() -> None:
    session = session_in(State.SYNCING)
    action = session.handle(ATTACH_FAILED)
    assert_refused(action, "unavailable", CloseCode.TRY_AGAIN_LATER, reason="store unavailable")
    assert session.state is State.CLOSING


# ---- live ------------------------------------------------------------------------------


def test_live_commands_and_pings_come_back_as_themselves() -> None:
    # The hot path: the decoded message is the action, so no object is made per frame.
    session = session_in(State.LIVE)
    cmd, ping = Cmd(id="c1", kind="poll.vote", body={"choice": "yes"}), Ping(id="p1")
    for _ in range(3):
        assert session.handle(cmd) is cmd
        assert session.handle(ping) is ping
    assert session.state is State.LIVE


def test_hello_sent_twice_is_answered_and_the_connection_stays() -> None:
    session = session_in(State.LIVE, "msgpack")
    action = session.handle(HELLO)
    assert isinstance(action, bytes)
    assert decode(action) == {
        "v": 1,
        "type": "error",
        "code": "malformed",
        "message": "hello sent twice",
    }
    assert session.state is State.LIVE


@pytest.mark.parametrize(
    ("code", "close_code"),
    [
        (ErrorCode.MALFORMED, CloseCode.PROTOCOL_ERROR),
        (ErrorCode.TOO_LARGE, CloseCode.MESSAGE_TOO_BIG),
        (ErrorCode.MALFORMED, CloseCode.UNSUPPORTED_DATA),
    ],
)
def test_a_protocol_error_when_live_closes_with_its_close_code(
    code: ErrorCode, close_code: CloseCode
) -> None:
    session = session_in(State.LIVE)
    action = session.handle(ProtocolError(code, "frame of 70000 bytes exceeds 65536", close_code))
    assert_refused(action, code, close_code)
    assert session.state is State.CLOSING


def test_a_role_change_closes_the_live_connection_as_forbidden() -> None:
    session = session_in(State.LIVE)
    # The same role: nothing to do.
    assert (session.handle(RoleChanged(Role.DELEGATE)), session.state) == (None, State.LIVE)
    action = session.handle(RoleChanged(Role.OBSERVER))
    assert_refused(action, "forbidden", CloseCode.FORBIDDEN)
    assert session.state is State.CLOSING


def test_revoked_access_closes_the_live_connection_as_unauthenticated() -> None:
    session = session_in(State.LIVE)
    assert_refused(session.handle(REVOKED), "unauthenticated", CloseCode.UNAUTHENTICATED)
    assert session.state is State.CLOSING


def test_a_role_change_or_revocation_while_closing_changes_nothing() -> None:
    session = session_in(State.CLOSING)
    assert session.handle(RoleChanged(Role.OBSERVER)) is None
    assert session.handle(REVOKED) is None
    assert session.state is State.CLOSING


# ---- the way out, and what is not allowed ----------------------------------------------


@pytest.mark.parametrize("state", [s for s in State if s is not State.CLOSED])
def test_a_disconnect_from_any_open_state_ends_closed(state: State) -> None:
    session = session_in(state)
    assert session.handle(DISCONNECTED) is None
    assert session.state is State.CLOSED


SAMPLES: list[Input] = [
    HELLO,
    Cmd(id="c1", kind="meeting.open"),
    Ping(id="p1"),
    ProtocolError(ErrorCode.MALFORMED, "undecodable JSON"),
    HELLO_TIMED_OUT,
    TokenVerified(CLAIMS),
    TokenRefused(TokenError(ErrorCode.BAD_TOKEN, "malformed token")),
    RosterLookup(DELEGATE),
    STORE_UNAVAILABLE,
    ATTACHED,
    ATTACH_FAILED,
    RoleChanged(Role.OBSERVER),
    REVOKED,
    DISCONNECTED,
]
# The whole table, written out again: which inputs each state takes.
ACCEPTS: dict[State, set[type]] = {
    State.AWAITING_HELLO: {
        Hello,
        Cmd,
        Ping,
        ProtocolError,
        type(HELLO_TIMED_OUT),
        type(DISCONNECTED),
    },
    State.AUTHENTICATING: {TokenVerified, TokenRefused, type(STORE_UNAVAILABLE),
                           type(DISCONNECTED)},
    State.AUTHORIZING: {RosterLookup, type(STORE_UNAVAILABLE), type(DISCONNECTED)},
    State.SYNCING: {type(ATTACHED), type(ATTACH_FAILED), type(DISCONNECTED)},
    State.LIVE: {Hello, Cmd, Ping, ProtocolError, RoleChanged, type(REVOKED), type(DISCONNECTED)},
    State.CLOSING: {RoleChanged, type(REVOKED), type(DISCONNECTED)},
    State.CLOSED: set(),
}


def test_the_samples_cover_every_input() -> None:
    assert {type(e) for e in SAMPLES} == set(typing.get_args(Input))


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: type(e).__name__)
def test_every_state_takes_exactly_its_inputs(state: State, event: Input) -> None:
    session = session_in(state)
    if type(event) in ACCEPTS[state]:
        session.handle(event)
        return
    with pytest.raises(
        SessionError, match=f"{type(event).__name__} is not expected in state {state.name}"
    ):
        session.handle(event)
    assert session.state is state
    # The refused input left the session usable: what the state takes still works.
    if state is not State.CLOSED:
        session.handle(DISCONNECTED)
        assert session.state is State.CLOSED


def test_a_cmd_before_authentication_ends_is_a_shell_bug_not_a_transition() -> None:
    session = session_in(State.AUTHENTICATING)
    with pytest.raises(SessionError):
        session.handle(Cmd(id="c1", kind="meeting.open"))
    assert session.state is State.AUTHENTICATING
    assert session.handle(TokenVerified(CLAIMS)) == FindParticipant("D0001")


# ---- sans-I/O --------------------------------------------------------------------------

IMPURE = {"asyncio", "socket", "time", "redis", "starlette", "uvicorn", "websockets", "server"}


def test_the_session_module_imports_no_io() -> None:
    path = Path(__file__).resolve().parents[2] / "server" / "session.py"
    tree = ast.parse(path.read_text("utf-8"))
    # Imports for the type checker only (``if TYPE_CHECKING:``) are not run.
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    imported: list[str] = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            imported += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
    assert "protocol.codec" in imported  # the walk sees the module's imports
    assert not [name for name in imported if name.split(".")[0] in IMPURE]
