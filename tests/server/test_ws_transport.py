"""The fan-out's direct write frames a message once and writes the same bytes the WebSocket
protocol object would have written for each connection."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.client import ClientProtocol
from websockets.exceptions import InvalidState
from websockets.frames import Frame, Opcode
from websockets.protocol import CLOSING, OPEN
from websockets.server import ServerProtocol
from websockets.uri import parse_uri

from server.ws_transport import DirectSink, FastWebSocketProtocol, MessageQueue, unmasked


class Written:
    """Where a transport's bytes go."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data


class Proto:
    """The two attributes of uvicorn's protocol that the sink uses."""

    def __init__(self) -> None:
        self.conn = ServerProtocol(state=OPEN)
        self.transport = Written()


def sink_of(proto: Proto) -> DirectSink:
    return DirectSink(cast(FastWebSocketProtocol, proto))


def protocol_bytes(message: bytes | str) -> bytes:
    conn = ServerProtocol(state=OPEN)
    if isinstance(message, bytes):
        conn.send_binary(message)
    else:
        conn.send_text(message.encode())
    return b"".join(conn.data_to_send())


def frames_in(data: bytes) -> list[Frame]:
    """Decoded as a tablet's WebSocket client decodes what it receives."""
    client = ClientProtocol(parse_uri("ws://hall.local/ws"), state=OPEN, max_size=None)
    client.receive_data(data)
    return [event for event in client.events_received() if isinstance(event, Frame)]


MESSAGES: list[bytes | str] = [
    b"\x81\xa1k",  # under 126 bytes: one length byte
    bytes(range(256)) * 2,  # 126 to 65,535: two length bytes
    b"x" * 70_000,  # longer: eight length bytes
    "Hội nghị đại biểu",
]


@pytest.mark.parametrize("message", MESSAGES)
def test_each_message_is_written_as_the_protocol_writes_it(message: bytes | str) -> None:
    tablets = [Proto() for _ in range(3)]
    for tablet in tablets:
        sink_of(tablet).write(message)
    expected = protocol_bytes(message)
    assert [bytes(t.transport.data) for t in tablets] == [expected] * 3


def test_messages_in_turn_are_each_framed_anew_and_decode_in_order() -> None:
    tablet = Proto()
    sink = sink_of(tablet)
    for message in MESSAGES + MESSAGES[:2]:
        sink.write(message)
    decoded = [f.data for f in frames_in(bytes(tablet.transport.data))]
    assert decoded == [m if isinstance(m, bytes) else m.encode() for m in MESSAGES + MESSAGES[:2]]


def test_a_closing_connection_still_refuses_a_message() -> None:
    tablet = Proto()
    tablet.conn.state = CLOSING
    with pytest.raises(InvalidState):
        sink_of(tablet).write(b"late")
    assert tablet.transport.data == b""


def as_websockets_frames_it(frame: bytes | str) -> bytes:
    if isinstance(frame, bytes):
        return Frame(Opcode.BINARY, frame).serialize(mask=False, extensions=[])
    return Frame(Opcode.TEXT, frame.encode()).serialize(mask=False, extensions=[])


@given(st.binary(max_size=70_000) | st.text(max_size=20_000))
@settings(max_examples=200)
def test_a_frame_is_written_as_websockets_frames_it(frame: bytes | str) -> None:
    assert unmasked(frame) == as_websockets_frames_it(frame)


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65_535, 65_536, 70_000])
def test_every_length_encoding_is_the_protocols(size: int) -> None:
    # Each side of the 7-bit, 16-bit and 64-bit lengths; the text in 2-byte characters.
    for frame in (b"\xff" * size, "ư" * (size // 2)):
        assert unmasked(frame) == as_websockets_frames_it(frame)


async def test_the_message_queue_hands_messages_over_in_order_and_wakes_its_reader() -> None:
    queue = MessageQueue(asyncio.get_running_loop())
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()
    reader = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    assert not reader.done()  # waits for a message
    queue.put_nowait("a")
    queue.put_nowait("b")
    assert await reader == "a"
    assert (queue.qsize(), queue.empty()) == (1, False)
    assert queue.get_nowait() == "b"
    assert queue.empty()


async def test_a_cancelled_read_takes_nothing_and_the_next_reader_gets_the_message() -> None:
    queue = MessageQueue(asyncio.get_running_loop())
    first = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    queue.put_nowait("m")  # the cancelled reader's wait is not woken and takes nothing
    assert await asyncio.wait_for(queue.get(), 1) == "m"


async def test_the_message_queue_refuses_a_second_reader_rather_than_starve_one() -> None:
    queue = MessageQueue(asyncio.get_running_loop())
    first = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="one reader"):
        await queue.get()
    queue.put_nowait("m")
    assert await first == "m"


class _Transport:
    """What uvicorn's protocol asks of a socket's transport; records pauses of reading."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.paused = False
        self.pauses = 0

    def get_extra_info(self, name: str, default: object = None) -> object:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(
            name, default)

    def write(self, data: bytes) -> None:
        self.out += data

    def pause_reading(self) -> None:
        self.paused, self.pauses = True, self.pauses + 1

    def resume_reading(self) -> None:
        self.paused = False

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass


async def test_a_flooding_client_is_read_no_further_than_the_read_ahead() -> None:
    """A tablet that sends frames faster than its live loop takes them: the socket stops
    being read once READ_AHEAD messages wait, and is read again once they are taken."""
    from uvicorn.config import Config
    from uvicorn.server import ServerState
    from websockets.client import ClientProtocol as Client
    from websockets.protocol import CONNECTING

    from server.ws_transport import READ_AHEAD

    parked = asyncio.get_running_loop().create_future()

    async def app(scope: object, receive: Any, send: Any) -> None:
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await parked

    config = Config(app=app, lifespan="off", ws_per_message_deflate=False)
    config.load()
    proto = FastWebSocketProtocol(config, ServerState(), {}, _loop=asyncio.get_running_loop())
    transport = _Transport()
    proto.connection_made(transport)  # type: ignore[arg-type]
    hello = Client(parse_uri("ws://127.0.0.1:8000/ws/m1"), state=CONNECTING)
    hello.send_request(hello.connect())
    proto.data_received(b"".join(hello.data_to_send()))
    for _ in range(10):
        await asyncio.sleep(0)
    assert proto.handshake_complete and proto.queue.empty()  # the app took the connect

    client = Client(parse_uri("ws://127.0.0.1:8000/ws/m1"), state=OPEN)
    for n in range(3 * READ_AHEAD):
        client.send_binary(b"frame %d" % n)
    proto.data_received(b"".join(client.data_to_send()))  # one read: all frames at once
    assert transport.paused and transport.pauses == 1
    assert proto.queue.qsize() == 3 * READ_AHEAD  # already read, kept in order, not dropped

    taken = [(await proto.next_message())["bytes"] for _ in range(3 * READ_AHEAD)]
    assert taken == [b"frame %d" % n for n in range(3 * READ_AHEAD)]
    assert not transport.paused  # drained: read again

    for n in range(READ_AHEAD - 1):  # fewer than the read-ahead: reading goes on
        client.send_binary(b"more %d" % n)
        proto.data_received(b"".join(client.data_to_send()))
    assert not transport.paused and transport.pauses == 1
    client.send_binary(b"one too many")
    proto.data_received(b"".join(client.data_to_send()))
    assert transport.paused and transport.pauses == 2
    parked.set_result(None)  # the app ends
    proto.connection_lost(None)
    for _ in range(10):
        await asyncio.sleep(0)
