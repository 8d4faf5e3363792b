"""A minimal WebSocket client on a bare ``asyncio.Protocol``, cheap enough for thousands of
connections in one process.

The `websockets` client costs a task, a stream reader and an assembler per connection and
tens of microseconds per message; a load generator sharing a 2-core machine with the server
cannot pay that for 50,000 messages a second. This one parses frames straight from
``data_received`` into a callback, answers pings, and masks the few frames it sends.
No compression, no fragmentation on send (the load never sends large frames).
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from collections.abc import Callable

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10
MAX_HEADER = 16 * 1024

OnMessage = Callable[[bytes], None]
OnClose = Callable[[int | None], None]


class HandshakeError(Exception):
    pass


def _mask(payload: bytes, key: bytes) -> bytes:
    n = len(payload)
    if n == 0:
        return payload
    # One big-integer XOR instead of a Python loop over the bytes.
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame: FIN set, masked, as RFC 6455 requires."""
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    key = os.urandom(4)
    return head + key + _mask(payload, key)


class WSClientProtocol(asyncio.Protocol):
    """One client connection. ``opened`` resolves after the 101 answer (or fails)."""

    def __init__(
        self,
        host: str,
        port: int,
        path: str,
        subprotocol: str | None,
        on_message: OnMessage,
        on_close: OnClose,
    ) -> None:
        self.host = host
        self.port = port
        self.path = path
        self.subprotocol = subprotocol
        self.on_message = on_message
        self.on_close = on_close
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._buf = bytearray()
        self._handshaken = False
        self._fragments: list[bytes] = []
        self._closed = False
        self.close_code: int | None = None
        self.bytes_received = 0
        self.opcode = OP_BINARY  # of the message being delivered to on_message
        self.on_open: Callable[[WSClientProtocol], None] | None = None

    # ---- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if self.subprotocol:
            lines.append(f"Sec-WebSocket-Protocol: {self.subprotocol}")
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def data_received(self, data: bytes) -> None:
        self.bytes_received += len(data)
        buf = self._buf
        buf += data
        if not self._handshaken:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEADER:
                    self._fail(HandshakeError("handshake answer too long"))
                return
            head = bytes(buf[:end]).decode("latin-1")
            del buf[: end + 4]
            status = head.split("\r\n", 1)[0]
            if " 101 " not in status + " ":
                self._fail(HandshakeError(status))
                return
            self._handshaken = True
            if self.on_open is not None:
                # Before any frame that came with the 101 answer is delivered.
                self.on_open(self)
            if not self.opened.done():
                self.opened.set_result(None)
        self._parse()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during handshake"))
        if not self._closed:
            self._closed = True
            self.on_close(self.close_code)

    # ---- frames ------------------------------------------------------------------------

    def _parse(self) -> None:
        buf = self._buf
        pos = 0
        size = len(buf)
        while size - pos >= 2:
            b0 = buf[pos]
            b1 = buf[pos + 1]
            n = b1 & 0x7F
            head = 2
            if n == 126:
                if size - pos < 4:
                    break
                n = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif n == 127:
                if size - pos < 10:
                    break
                n = struct.unpack_from("!Q", buf, pos + 2)[0]
                head = 10
            if b1 & 0x80:  # servers never mask; tolerate it anyway
                head += 4
            if size - pos < head + n:
                break
            payload = bytes(buf[pos + head : pos + head + n])
            if b1 & 0x80:
                payload = _mask(payload, bytes(buf[pos + head - 4 : pos + head]))
            pos += head + n
            self._frame(b0 & 0x80, b0 & 0x0F, payload)
            if self._closed:
                break
        if pos:
            del buf[:pos]

    def _frame(self, fin: int, opcode: int, payload: bytes) -> None:
        if opcode in (OP_TEXT, OP_BINARY):
            self.opcode = opcode
            if fin:
                self.on_message(payload)
            else:
                self._fragments = [payload]
        elif opcode == OP_CONT:
            self._fragments.append(payload)
            if fin:
                data, self._fragments = b"".join(self._fragments), []
                self.on_message(data)
        elif opcode == OP_PING:
            self._write(encode_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            # Echo the close, then let the server close TCP.
            self._write(encode_frame(OP_CLOSE, payload[:2]))
            if self.transport is not None:
                self.transport.close()

    # ---- sending and closing -----------------------------------------------------------

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def send_binary(self, data: bytes) -> None:
        self._write(encode_frame(OP_BINARY, data))

    def send_text(self, text: str) -> None:
        self._write(encode_frame(OP_TEXT, text.encode()))

    def close(self, code: int = 1000) -> None:
        self._write(encode_frame(OP_CLOSE, struct.pack("!H", code)))
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        """Drop the TCP connection without a close frame, as a tablet leaving Wi-Fi does."""
        if self.transport is not None:
            self.transport.abort()

    def pause_reading(self) -> None:
        if self.transport is not None:
            self.transport.pause_reading()

    def _fail(self, exc: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc)
        if self.transport is not None:
            self.transport.abort()


async def connect(
    url_host: str,
    port: int,
    path: str,
    subprotocol: str | None,
    on_message: OnMessage,
    on_close: OnClose,
    *,
    local_host: str | None = None,
    timeout: float = 30.0,
    rcvbuf: int | None = None,
    on_open: Callable[[WSClientProtocol], None] | None = None,
) -> WSClientProtocol:
    """Open a connection and complete the handshake; raises on failure or timeout."""
    loop = asyncio.get_running_loop()

    def factory() -> WSClientProtocol:
        proto = WSClientProtocol(url_host, port, path, subprotocol, on_message, on_close)
        proto.on_open = on_open
        return proto

    sock = None
    if rcvbuf is not None or local_host is not None:
        import socket

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if local_host is not None:
            sock.bind((local_host, 0))
        try:
            await asyncio.wait_for(loop.sock_connect(sock, (url_host, port)), timeout)
        except BaseException:
            sock.close()
            raise
        _, proto = await loop.create_connection(factory, sock=sock)
    else:
        _, proto = await asyncio.wait_for(loop.create_connection(factory, url_host, port), timeout)
    try:
        await asyncio.wait_for(asyncio.shield(proto.opened), timeout)
    except BaseException:
        proto.abort()
        raise
    return proto
