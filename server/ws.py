"""The WebSocket endpoint ``/ws/{meeting_id}``: the I/O side of a connection.

The lifecycle (hello, authentication, resume or snapshot, live, close) is the sans-I/O state
table in server/session.py. This module moves frames between the socket and the session and
carries out the session's actions: verify a token, look the participant up in the hub,
attach, run a command, answer a ping, send an error, close. Malformed frames close the
connection with a code; rejected commands get an error and the connection stays."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from protocol.codec import Codec, decode_client, encode, encode_ack
from protocol.commands import validate_command
from protocol.errors import ErrorCode, ProtocolError
from protocol.messages import Cmd, Error, Hello, Ping, Pong
from protocol.version import SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, SUBPROTOCOLS
from rooms.credentials import generation, pinned_session
from rooms.model import Actor
from server import device_sessions
from server.auth import TokenError
from server.connection import Connection, Frame
from server.device_purposes import may_send, purpose_of
from server.hub import MeetingHub
from server.identity_live import identity_input
from server.runtime import Runtime
from server.session import (
    ATTACH_FAILED,
    ATTACHED,
    DISCONNECTED,
    HELLO_TIMED_OUT,
    STORE_UNAVAILABLE,
    Action,
    Attach,
    Close,
    FindParticipant,
    Input,
    Refuse,
    Revoked,
    RoleChanged,
    RosterLookup,
    Session,
    State,
    TokenRefused,
    TokenVerified,
    VerifyToken,
)
from server.ws_transport import DirectSink

log = logging.getLogger("phonghop.ws")

HELLO_TIMEOUT = 10.0
# Where RawSendMiddleware leaves uvicorn's own send callable for the endpoint.
RAW_SEND = "phonghop.raw_send"


class LiveSocketMiddleware:
    """Serves ``/ws/{meeting_id}`` ahead of routing and the exception middleware.

    Two reasons, both about thousands of idle tablets: each connection's task then waits
    through a handful of coroutine frames instead of a dozen, and the endpoint receives the
    server's own send callable, through which it finds the protocol to write frames directly.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            path: str = scope["path"]
            meeting_id = path[4:]
            if path.startswith("/ws/") and meeting_id and "/" not in meeting_id:
                scope[RAW_SEND] = send
                scope["path_params"] = {"meeting_id": meeting_id}
                await websocket_endpoint(WebSocket(scope, receive, send))
                return
        await self.app(scope, receive, send)


def choose_subprotocol(offered: list[str]) -> str | None:
    for name in SUBPROTOCOLS:
        if name in offered:
            return name
    return None


async def websocket_endpoint(ws: WebSocket) -> None:
    rt: Runtime = ws.app.state.runtime
    meeting_id = ws.path_params["meeting_id"]
    subprotocol = choose_subprotocol(list(ws.scope.get("subprotocols", [])))
    await ws.accept(subprotocol=subprotocol)
    # Without a subprotocol, the readable JSON codec is the default.
    codec: Codec = "msgpack" if subprotocol == SUBPROTOCOL_MSGPACK else "json"
    assert subprotocol in (None, SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK)
    session = Session(codec)
    sock = _Socket(ws)
    opened = await _open(ws, rt, session, meeting_id, sock.close)
    if opened is None:
        session.handle(DISCONNECTED)
        return
    hub, attach = opened
    conn = _connection(ws, rt, hub, attach, sock, codec)
    _follow_identity(rt, hub, conn, session)
    actor = Actor(attach.participant.id, attach.participant.role)
    # The live loop stays in this coroutine, not a helper: an idle tablet's task then waits
    # through as few coroutine frames as before, and a frame costs no extra coroutine.
    try:
        if await _attach(rt, session, hub, conn, attach):
            while not conn.closed:
                try:
                    msg: Input = await _receive(ws, codec, conn.direct)
                except ProtocolError as exc:
                    rt.metrics.inc("phonghop_protocol_errors_total")
                    msg = exc
                if conn.closed:
                    # Closed from outside meanwhile (role changed, revoked): not run.
                    break
                action = session.handle(msg)
                if isinstance(action, Cmd) and not may_send(session.purpose, action.kind):
                    conn.send(_device_refusal(action, codec))
                elif isinstance(action, Cmd):
                    rt.gc_defer.enter()
                    try:
                        answer = await _run_command(rt, meeting_id, actor, action, codec)
                    finally:
                        rt.gc_defer.exit()
                    conn.send(answer)
                elif _answer(rt, conn, action):
                    await conn.wait_closed()
                    break
    except WebSocketDisconnect:
        pass
    except asyncio.CancelledError:
        # Cut off as a slow consumer (Connection.abort cancels this reader); anything else
        # cancelling us, such as a server shutdown, goes on up.
        task = asyncio.current_task()
        if not conn.closed or task is None or not task.cancelling():
            raise
        task.uncancel()
    finally:
        session.handle(DISCONNECTED)
        await _finish(rt, hub, conn)


class _Socket:
    """The ASGI way to one client's socket: what the connection's writer uses under servers
    other than uvicorn's sans-I/O protocol, and how the socket is closed."""

    __slots__ = ("ws",)

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws

    async def send(self, frame: Frame) -> None:
        if isinstance(frame, bytes):
            await self.ws.send_bytes(frame)
        else:
            await self.ws.send_text(frame)

    async def close(self, code: int, reason: str) -> None:
        if self.ws.application_state != WebSocketState.DISCONNECTED:
            await self.ws.close(code, reason[:120])


def _connection(
    ws: WebSocket, rt: Runtime, hub: MeetingHub, attach: Attach, sock: _Socket, codec: Codec
) -> Connection:
    conn = Connection(
        sock.send,
        sock.close,
        codec=codec,
        role=attach.participant.role,
        participant_id=attach.participant.id,
        max_queue=rt.settings.max_queue,
        metrics=rt.metrics,
        direct=DirectSink.of(ws.scope.get(RAW_SEND)),
    )
    conn.on_abort = hub.detach
    conn.reader = asyncio.current_task()
    conn.start()
    if conn.direct is not None:
        conn.direct.proto.shed_handshake()
    return conn


async def _open(
    ws: WebSocket,
    rt: Runtime,
    session: Session,
    meeting_id: str,
    close: Callable[[int, str], Awaitable[None]],
) -> tuple[MeetingHub, Attach] | None:
    """Hello, token and roster: the hub and what to attach to it, or None once the session
    was refused or the client left."""
    action = await _first_frame(ws, session)
    hub: MeetingHub | None = None
    while True:
        match action:
            case VerifyToken(token):
                action = await _verify_token(rt, session, token, meeting_id)
            case FindParticipant(participant_id):
                hub, action = await _find_participant(rt, session, meeting_id, participant_id)
            case Attach() if hub is not None:
                return hub, action
            case Refuse():
                await _fail(ws, action)
                return None
            case Close(code, reason):
                await close(code, reason)
                return None
            case None:
                return None
            case _:
                raise AssertionError(f"{action!r} before the session is live")


async def _first_frame(ws: WebSocket, session: Session) -> Action:
    try:
        hello = await asyncio.wait_for(_receive(ws, session.codec), HELLO_TIMEOUT)
    except TimeoutError:
        return session.handle(HELLO_TIMED_OUT)
    except ProtocolError as exc:
        return session.handle(exc)
    except WebSocketDisconnect:
        return None
    return session.handle(hello)


async def _verify_token(rt: Runtime, session: Session, token: str, meeting_id: str) -> Action:
    now = rt.clock.now_ms() // 1000
    try:
        if device_sessions.is_session_credential(token):
            claims = await device_sessions.verify(rt.redis, rt.keys, token, now, meeting_id)
        else:
            claims = rt.signer.verify(token, now, meeting_id, purpose=purpose_of(token))
    except TokenError as exc:
        return session.handle(TokenRefused(exc))
    except RedisError:
        return session.handle(STORE_UNAVAILABLE)
    return session.handle(TokenVerified(claims))


async def _find_participant(
    rt: Runtime, session: Session, meeting_id: str, participant_id: str
) -> tuple[MeetingHub | None, Action]:
    try:
        hub = await rt.hubs.get(meeting_id)
    except RedisError:
        return None, session.handle(STORE_UNAVAILABLE)
    if hub is None or hub.state is None:
        return hub, session.handle(RosterLookup(None))
    participant = hub.state.participants.get(participant_id)
    pinned = pinned_session(hub.state, participant) if participant is not None else ""
    if session.session_id and pinned and pinned != session.session_id:
        # A session made a moment ago on another process: this hub may not have folded its
        # sign-in yet, so catch up before refusing it.
        try:
            await hub.catch_up()
        except RedisError:
            return hub, session.handle(STORE_UNAVAILABLE)
        participant = hub.state.participants.get(participant_id)
        pinned = pinned_session(hub.state, participant) if participant is not None else ""
    return hub, session.handle(RosterLookup(participant, generation(hub.state, participant_id),
                                            pinned))


async def _attach(
    rt: Runtime, session: Session, hub: MeetingHub, conn: Connection, attach: Attach
) -> bool:
    """Welcome, replay or snapshot, then the connect hooks; False when the store failed and
    the connection is closing instead."""
    try:
        await hub.attach(conn, attach.participant.to_dict(), attach.position)
    except RedisError:
        # The store went away mid-resume: tell the tablet to come back, do not just drop it.
        hub.detach(conn)
        _answer(rt, conn, session.handle(ATTACH_FAILED))
        await conn.wait_closed()
        return False
    for hook in rt.on_connect:
        await hook(hub, conn)
    session.handle(ATTACHED)
    # The roster may have changed between the lookup and the attach: check once more.
    change = identity_input(hub.state, conn) if hub.state is not None else None
    if change is not None:
        assert conn.on_identity is not None
        conn.on_identity(change)
        await conn.wait_closed()
        return False
    return True


def _follow_identity(rt: Runtime, hub: MeetingHub, conn: Connection, session: Session) -> None:
    """Let a roster change reach this connection's session (server/identity_live.py): a
    refusal stops delivery at once, then the error goes out and the socket closes."""
    conn.generation = session.generation
    conn.session_id = session.session_id

    def on_identity(change: RoleChanged | Revoked) -> None:
        if session.state is not State.LIVE:
            # Attaching: _attach checks again once live. Closing: already on the way out.
            return
        action = session.handle(change)
        if isinstance(action, Refuse):
            hub.detach(conn)
            _answer(rt, conn, action)

    conn.on_identity = on_identity


def _answer(rt: Runtime, conn: Connection, action: Action) -> bool:
    """Carry out a live action other than a command; True when it closes the connection."""
    if isinstance(action, Ping):
        conn.send(encode(Pong(id=action.id, server_time=rt.clock.now_ms()), conn.codec))
        return False
    if isinstance(action, Refuse):
        conn.send(action.frame)
        conn.close_after_flush(action.code, action.reason)
        return True
    assert isinstance(action, bytes | str), action
    conn.send(action)
    return False


async def _finish(rt: Runtime, hub: MeetingHub, conn: Connection) -> None:
    hub.detach(conn)
    for hook in rt.on_disconnect:
        with contextlib.suppress(Exception):
            await hook(hub, conn)
    await conn.stop()


async def _run_command(rt: Runtime, meeting_id: str, actor: Actor, msg: Cmd, codec: Codec) -> Frame:
    try:
        body = validate_command(msg.kind, msg.body)
    except ProtocolError as exc:
        # A well-framed command with a bad body is answered, not a reason to drop the tablet.
        return encode(Error(code=exc.code, message=exc.message, id=msg.id), codec)
    try:
        outcome = await rt.commands.execute(meeting_id, actor, msg.kind, body, msg.id)
    except Exception:
        log.exception("command %s failed", msg.kind)
        return encode(
            Error(code=ErrorCode.UNAVAILABLE, message="server error; retry", id=msg.id), codec
        )
    if outcome.ok:
        return encode_ack(msg.id, outcome.seq, outcome.result, codec)
    return encode(
        Error(code=outcome.code, message=outcome.message, id=msg.id, details=outcome.details),
        codec,
    )


def _device_refusal(msg: Cmd, codec: Codec) -> Frame:
    # A kiosk's, hall screen's or seat tablet's credential does only its job
    # (server/device_purposes.py).
    return encode(Error(code=ErrorCode.FORBIDDEN, message=f"this device may not send "
                        f"'{msg.kind}'", id=msg.id), codec)


async def _receive(
    ws: WebSocket, codec: Codec, direct: DirectSink | None = None
) -> Hello | Cmd | Ping:
    message = await (direct.proto.next_message() if direct is not None else ws.receive())
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    frame = message.get("bytes")
    if frame is None:
        frame = message.get("text", "")
    return decode_client(frame, codec)


async def _fail(ws: WebSocket, refusal: Refuse) -> None:
    """A refusal before the connection is live: straight to the socket, then close."""
    with contextlib.suppress(Exception):
        if isinstance(refusal.frame, bytes):
            await ws.send_bytes(refusal.frame)
        else:
            await ws.send_text(refusal.frame)
        await ws.close(refusal.code, refusal.reason[:120])
