"""The WebSocket endpoint ``/ws/{meeting_id}``: hello and authentication, resume, then a loop
of commands answered with ack or error. Malformed frames close the connection with a code;
rejected commands get an error and the connection stays."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from redis.exceptions import RedisError
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from protocol.codec import Codec, decode_client, encode
from protocol.commands import validate_command
from protocol.errors import CloseCode, ErrorCode, ProtocolError
from protocol.messages import Ack, Cmd, Error, Hello, Ping, Pong
from protocol.version import SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, SUBPROTOCOLS
from rooms.model import Actor
from server.auth import TokenError
from server.connection import Connection, Frame
from server.runtime import Runtime
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

    async def send_now(frame: Frame) -> None:
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_text(frame)

    async def close(code: int, reason: str) -> None:
        if ws.application_state != WebSocketState.DISCONNECTED:
            await ws.close(code, reason[:120])

    try:
        hello = await asyncio.wait_for(_receive(ws, codec), HELLO_TIMEOUT)
    except TimeoutError:
        await close(CloseCode.HELLO_TIMEOUT, "no hello")
        return
    except ProtocolError as exc:
        await _fail(ws, codec, exc.code, exc.message, exc.close_code)
        return
    except WebSocketDisconnect:
        return
    if not isinstance(hello, Hello):
        await _fail(
            ws,
            codec,
            ErrorCode.UNAUTHENTICATED,
            "the first message must be hello",
            CloseCode.UNAUTHENTICATED,
        )
        return
    try:
        claims = rt.signer.verify(hello.token, int(time.time()), meeting_id)
    except TokenError as exc:
        await _fail(ws, codec, exc.code, exc.message, CloseCode.UNAUTHENTICATED)
        return
    try:
        hub = await rt.hubs.get(meeting_id)
    except RedisError:
        await _fail(
            ws,
            codec,
            ErrorCode.UNAVAILABLE,
            "the store is unreachable; retry shortly",
            CloseCode.TRY_AGAIN_LATER,
        )
        return
    participant = hub.state.participants.get(claims.participant_id) if hub and hub.state else None
    if hub is None or participant is None or participant.role != claims.role:
        await _fail(
            ws,
            codec,
            ErrorCode.FORBIDDEN,
            "this participant is not on the roster",
            CloseCode.FORBIDDEN,
        )
        return

    conn = Connection(
        send_now,
        close,
        codec=codec,
        role=participant.role,
        participant_id=participant.id,
        max_queue=rt.settings.max_queue,
        metrics=rt.metrics,
        direct=DirectSink.of(ws.scope.get(RAW_SEND)),
    )
    conn.on_abort = hub.detach
    conn.reader = asyncio.current_task()
    conn.start()
    if conn.direct is not None:
        conn.direct.proto.shed_handshake()
    position = (hello.resume.epoch, hello.resume.seq) if hello.resume else None
    actor = Actor(participant.id, participant.role)
    try:
        try:
            await hub.attach(conn, participant.to_dict(), position)
        except RedisError:
            # The store went away mid-resume: tell the tablet to come back, do not just drop it.
            hub.detach(conn)
            conn.send(
                encode(
                    Error(
                        code=ErrorCode.UNAVAILABLE,
                        message="the store is unreachable; retry shortly",
                    ),
                    codec,
                )
            )
            conn.close_after_flush(CloseCode.TRY_AGAIN_LATER, "store unavailable")
            await conn.wait_closed()
            return
        for hook in rt.on_connect:
            await hook(hub, conn)
        while not conn.closed:
            try:
                msg = await _receive(ws, codec)
            except ProtocolError as exc:
                conn.send(encode(Error(code=exc.code, message=exc.message), codec))
                rt.metrics.inc("phonghop_protocol_errors_total")
                conn.close_after_flush(exc.close_code, exc.message)
                await conn.wait_closed()
                break
            if isinstance(msg, Cmd):
                rt.gc_defer.enter()
                try:
                    answer = await _run_command(rt, meeting_id, actor, msg, codec)
                finally:
                    rt.gc_defer.exit()
                conn.send(answer)
            elif isinstance(msg, Ping):
                conn.send(encode(Pong(id=msg.id, server_time=int(time.time() * 1000)), codec))
            else:
                conn.send(
                    encode(Error(code=ErrorCode.MALFORMED, message="hello sent twice"), codec)
                )
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
        return encode(Ack(id=msg.id, seq=outcome.seq, result=outcome.result), codec)
    return encode(
        Error(code=outcome.code, message=outcome.message, id=msg.id, details=outcome.details),
        codec,
    )


async def _receive(ws: WebSocket, codec: Codec) -> Hello | Cmd | Ping:
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    frame = message.get("bytes")
    if frame is None:
        frame = message.get("text", "")
    return decode_client(frame, codec)


async def _fail(ws: WebSocket, codec: Codec, code: str, message: str, close_code: int) -> None:
    frame = encode(Error(code=code, message=message), codec)
    with contextlib.suppress(Exception):
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_text(frame)
        await ws.close(close_code, message[:120])
