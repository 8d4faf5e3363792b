"""The wire codec: round trips, golden bytes, and every malformed input a client might send."""

from __future__ import annotations

import json

import msgpack
import pytest

from protocol import limits
from protocol.codec import Codec, decode_client, encode, encode_ack, encode_map
from protocol.errors import CloseCode, ErrorCode, ProtocolError
from protocol.messages import Ack, Cmd, Error, Event, Hello, Ping, Position

EVENT = Event(
    meeting="m1", epoch="e1", seq=7, prev=5, kind="meeting.opened", at=1700000000000, body={}
)


def test_event_golden_json() -> None:
    assert encode(EVENT, "json") == (
        '{"v":1,"type":"event","meeting":"m1","epoch":"e1","seq":7,"prev":5,'
        '"kind":"meeting.opened","at":1700000000000,"body":{}}'
    )


def test_event_golden_msgpack() -> None:
    data = encode(EVENT, "msgpack")
    assert isinstance(data, bytes)
    assert data.hex() == (
        "89a17601a474797065a56576656e74a76d656574696e67a26d31a565706f6368a26531a3736571"
        "07a470726576 05a46b696e64ae6d656574696e672e6f70656e6564a26174cf0000018bcfe56800"
        "a4626f647980".replace(" ", "")
    )
    assert msgpack.unpackb(data) == json.loads(encode(EVENT, "json"))


def test_ack_and_error_omit_empty_details() -> None:
    assert json.loads(encode(Ack(id="c1", seq=3), "json")) == {
        "v": 1,
        "type": "ack",
        "id": "c1",
        "seq": 3,
        "result": {},
    }
    assert json.loads(encode(Error(code="forbidden", message="no"), "json")) == {
        "v": 1,
        "type": "error",
        "code": "forbidden",
        "message": "no",
    }


@pytest.mark.parametrize("codec", ["json", "msgpack"])
@pytest.mark.parametrize("result", [{}, {"poll": "p1", "receipt": "ábc", "replayed": True}])
def test_an_ack_made_without_its_message_object_is_the_same_bytes(
    codec: Codec, result: dict[str, object]
) -> None:
    assert encode_ack("c1", 42, result, codec) == encode(Ack(id="c1", seq=42, result=result), codec)


def test_a_frame_that_cannot_be_packed_leaves_the_next_one_whole() -> None:
    # Every msgpack frame goes through one shared packer: a refusal must not leave half a
    # message in it for the next frame to carry.
    with pytest.raises(TypeError):
        encode_map({"v": 1, "type": "ack", "result": {"bad": {1, 2}}}, "msgpack")
    frame = {"v": 1, "type": "ack", "id": "c1", "seq": 3, "result": {"ok": True}}
    assert encode_map(frame, "msgpack") == msgpack.packb(frame, use_bin_type=True)


@pytest.mark.parametrize("codec", ["json", "msgpack"])
def test_client_messages_round_trip(codec: str) -> None:
    def frame(data: dict[str, object]) -> bytes | str:
        return json.dumps(data) if codec == "json" else msgpack.packb(data)

    hello = decode_client(
        frame({"v": 1, "type": "hello", "token": "t", "resume": {"epoch": "e", "seq": 4}}),
        codec,  # type: ignore[arg-type]
    )
    assert hello == Hello(token="t", resume=Position("e", 4), lang="vi")
    cmd = decode_client(
        frame({"v": 1, "type": "cmd", "id": "c1", "kind": "meeting.open", "body": {"a": 1}}),
        codec,  # type: ignore[arg-type]
    )
    assert cmd == Cmd(id="c1", kind="meeting.open", body={"a": 1})
    assert decode_client(frame({"v": 1, "type": "ping", "id": "p"}), codec) == Ping(id="p")  # type: ignore[arg-type]


def test_strings_are_normalised_to_nfc() -> None:
    nfd = "Nguye\u0302\u0303n"  # "Nguyễn" decomposed
    cmd = decode_client(
        json.dumps({"v": 1, "type": "cmd", "id": "c", "kind": "k", "body": {"name": nfd}}),
        "json",
    )
    assert isinstance(cmd, Cmd)
    assert cmd.body["name"] == "Nguyễn"
    assert len(cmd.body["name"]) == 6


BAD_JSON: list[tuple[str, ErrorCode]] = [
    ("{not json", ErrorCode.MALFORMED),
    ("[1, 2]", ErrorCode.MALFORMED),
    ('{"type": "cmd", "id": "c", "kind": "k"}', ErrorCode.UNSUPPORTED_VERSION),
    ('{"v": 2, "type": "cmd", "id": "c", "kind": "k"}', ErrorCode.UNSUPPORTED_VERSION),
    ('{"v": 1, "type": "launch"}', ErrorCode.UNKNOWN_TYPE),
    ('{"v": 1, "type": "cmd", "id": 5, "kind": "k"}', ErrorCode.BAD_FIELD),
    ('{"v": 1, "type": "cmd", "id": "", "kind": "k"}', ErrorCode.BAD_FIELD),
    ('{"v": 1, "type": "cmd", "id": "c", "kind": "k", "body": [1]}', ErrorCode.BAD_FIELD),
    ('{"v": 1, "type": "hello"}', ErrorCode.BAD_FIELD),
    (
        '{"v": 1, "type": "hello", "token": "t", "resume": {"epoch": "e", "seq": -1}}',
        ErrorCode.BAD_FIELD,
    ),
    (
        '{"v": 1, "type": "hello", "token": "t", "resume": {"epoch": "e", "seq": true}}',
        ErrorCode.BAD_FIELD,
    ),
    ('{"v": 1, "type": "hello", "token": "t", "lang": "fr"}', ErrorCode.BAD_FIELD),
    ('{"v": 1, "type": "cmd", "id": "c", "kind": "k", "body": {"x": 1e999}}', ErrorCode.BAD_FIELD),
    (
        '{"v": 1, "type": "cmd", "id": "c", "kind": "k", "body": {"x": 9007199254740993}}',
        ErrorCode.BAD_FIELD,
    ),
]


@pytest.mark.parametrize(("frame", "code"), BAD_JSON)
def test_malformed_json_is_a_protocol_error(frame: str, code: ErrorCode) -> None:
    with pytest.raises(ProtocolError) as info:
        decode_client(frame, "json")
    assert info.value.code == code


def test_undecodable_msgpack() -> None:
    with pytest.raises(ProtocolError) as info:
        decode_client(b"\xc1\xff\x00", "msgpack")
    assert info.value.code == ErrorCode.MALFORMED


def test_frame_type_must_match_codec() -> None:
    with pytest.raises(ProtocolError) as info:
        decode_client('{"v":1}', "msgpack")
    assert info.value.close_code == CloseCode.UNSUPPORTED_DATA
    with pytest.raises(ProtocolError):
        decode_client(b"\x80", "json")


def test_oversized_frame() -> None:
    big = json.dumps({"v": 1, "type": "ping", "id": "x" * limits.MAX_FRAME_BYTES})
    with pytest.raises(ProtocolError) as info:
        decode_client(big, "json")
    assert info.value.code == ErrorCode.TOO_LARGE
    assert info.value.close_code == CloseCode.MESSAGE_TOO_BIG


@pytest.mark.parametrize(
    "body",
    [
        {"s": "x" * (limits.MAX_STRING_CHARS + 1)},
        {"l": list(range(limits.MAX_LIST_ITEMS + 1))},
        {f"k{i}": i for i in range(limits.MAX_MAP_ITEMS + 1)},
        {"a": {"b": {"c": {"d": {"e": {"f": {"g": 1}}}}}}},
    ],
)
def test_limits_on_strings_lists_maps_depth(body: dict[str, object]) -> None:
    for codec, frame in (
        ("json", json.dumps({"v": 1, "type": "cmd", "id": "c", "kind": "k", "body": body})),
        ("msgpack", msgpack.packb({"v": 1, "type": "cmd", "id": "c", "kind": "k", "body": body})),
    ):
        with pytest.raises(ProtocolError) as info:
            decode_client(frame, codec)  # type: ignore[arg-type]
        assert info.value.code in (ErrorCode.TOO_LARGE, ErrorCode.MALFORMED)


def test_msgpack_binary_values_refused() -> None:
    frame = msgpack.packb({"v": 1, "type": "cmd", "id": "c", "kind": "k", "body": {"b": b"x"}})
    with pytest.raises(ProtocolError):
        decode_client(frame, "msgpack")
