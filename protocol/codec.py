"""Encoding and decoding of frames: msgpack on binary frames, JSON on text frames.

Decoding validates everything a client sends against ``limits`` before any of it is used,
so the server core only ever sees well-typed messages.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any, Literal

import msgpack

from protocol import limits
from protocol.errors import CloseCode, ErrorCode, ProtocolError
from protocol.messages import ClientMessage, Cmd, Hello, JsonMap, Ping, Position, ServerMessage
from protocol.messages import to_wire as to_wire
from protocol.version import PROTOCOL_VERSION, SUPPORTED_VERSIONS

Codec = Literal["msgpack", "json"]


def encode(msg: ServerMessage, codec: Codec) -> bytes | str:
    return encode_map(to_wire(msg), codec)


def encode_ack(command_id: str, seq: int, result: JsonMap, codec: Codec) -> bytes | str:
    """``encode(Ack(id=command_id, seq=seq, result=result), codec)`` without making the
    message object first: each of a burst's ballots is acked."""
    return encode_map({"v": PROTOCOL_VERSION, "type": "ack", "id": command_id, "seq": seq,
                       "result": result}, codec)


# One packer for every frame: ``msgpack.packb`` makes a new one each call, half the cost of
# packing an ack. Safe to share: it packs under the GIL, with no hook that could re-enter it,
# and resets after each message.
_PACKER = msgpack.Packer(use_bin_type=True)


def encode_map(data: JsonMap, codec: Codec) -> bytes | str:
    if codec == "msgpack":
        return _PACKER.pack(data)  # type: ignore[no-any-return]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode_frame(frame: bytes | str, codec: Codec) -> Any:
    """Parse one frame into plain Python values, enforcing size, depth and length limits."""
    size = len(frame)
    if isinstance(frame, str) and size * 4 > limits.MAX_FRAME_BYTES:
        # A character is at most 4 bytes of UTF-8: only a long text frame is encoded to be
        # measured, not every ballot.
        size = len(frame.encode("utf-8"))
    if size > limits.MAX_FRAME_BYTES:
        raise ProtocolError(
            ErrorCode.TOO_LARGE,
            f"frame of {size} bytes exceeds {limits.MAX_FRAME_BYTES}",
            CloseCode.MESSAGE_TOO_BIG,
        )
    if codec == "msgpack":
        if not isinstance(frame, bytes):
            raise ProtocolError(
                ErrorCode.MALFORMED,
                "text frame on a msgpack connection",
                CloseCode.UNSUPPORTED_DATA,
            )
        try:
            value = msgpack.unpackb(
                frame,
                raw=False,
                strict_map_key=True,
                max_str_len=limits.MAX_STRING_CHARS * 4,
                max_bin_len=0,
                max_array_len=limits.MAX_LIST_ITEMS,
                max_map_len=limits.MAX_MAP_ITEMS,
                max_ext_len=0,
            )
        except Exception as exc:  # msgpack raises many unrelated types for bad input
            raise ProtocolError(ErrorCode.MALFORMED, f"undecodable msgpack: {exc}") from None
    else:
        if not isinstance(frame, str):
            raise ProtocolError(
                ErrorCode.MALFORMED, "binary frame on a json connection", CloseCode.UNSUPPORTED_DATA
            )
        try:
            value = json.loads(frame)
        except (ValueError, RecursionError) as exc:
            raise ProtocolError(ErrorCode.MALFORMED, f"undecodable JSON: {exc}") from None
    return clean(value)


def clean(value: Any, depth: int = 0) -> Any:
    """Check limits and types recursively; normalise every string to NFC."""
    if depth > limits.MAX_DEPTH:
        raise ProtocolError(ErrorCode.TOO_LARGE, "message nested too deeply")
    # Exact types first: what a decoder gives is never a subclass, and a bool must not be
    # taken for an int below.
    kind = type(value)
    if kind is str:
        return _clean_str(value)
    if kind is dict:
        return _clean_map(value, depth)
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return _checked_int(value)
    if isinstance(value, float):
        return _checked_float(value)
    if isinstance(value, list | tuple):
        return _clean_list(value, depth)
    if isinstance(value, dict):
        return _clean_map(value, depth)
    raise ProtocolError(ErrorCode.BAD_FIELD, f"unsupported value of type {type(value).__name__}")


def _clean_str(value: str) -> str:
    if len(value) > limits.MAX_STRING_CHARS:
        raise ProtocolError(
            ErrorCode.TOO_LARGE, f"string longer than {limits.MAX_STRING_CHARS} characters"
        )
    # ASCII is already NFC: most ids, kinds and choices are.
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def _checked_int(value: int) -> int:
    if not -(2**53) <= value <= 2**53:
        raise ProtocolError(ErrorCode.BAD_FIELD, "integer out of range")
    return value


def _checked_float(value: float) -> float:
    if value != value or value in (float("inf"), float("-inf")):
        raise ProtocolError(ErrorCode.BAD_FIELD, "non-finite number")
    return value


def _clean_list(value: list[Any] | tuple[Any, ...], depth: int) -> list[Any]:
    if len(value) > limits.MAX_LIST_ITEMS:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"list longer than {limits.MAX_LIST_ITEMS}")
    return [clean(v, depth + 1) for v in value]


def _clean_map(value: dict[Any, Any], depth: int) -> JsonMap:
    if len(value) > limits.MAX_MAP_ITEMS:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"map with more than {limits.MAX_MAP_ITEMS} keys")
    out: JsonMap = {}
    # Short ASCII strings, nearly every key and value of a command, are taken as they are
    # here, not through clean(): a third of a ballot's decoding. Where a string would be too
    # deep, clean() says so as before.
    short = limits.MAX_STRING_CHARS if depth < limits.MAX_DEPTH else -1
    for k, v in value.items():
        if not isinstance(k, str):
            raise ProtocolError(ErrorCode.BAD_FIELD, "map keys must be strings")
        # The value before the key, as ``out[clean(k)] = clean(v)`` did: a message wrong
        # in both places keeps the error it had.
        if type(v) is not str or not (len(v) <= short and v.isascii()):
            v = clean(v, depth + 1)
        if not (len(k) <= short and k.isascii()):
            k = clean(k, depth + 1)
        out[k] = v
    return out


def decode_client(frame: bytes | str, codec: Codec) -> ClientMessage:
    data = decode_frame(frame, codec)
    if not isinstance(data, dict):
        raise ProtocolError(ErrorCode.MALFORMED, "a message must be a map")
    version = data.get("v")
    # bool is an int in Python: ``True == 1`` must not pass for version 1.
    if isinstance(version, bool) or version not in SUPPORTED_VERSIONS:
        supported = list(SUPPORTED_VERSIONS)
        raise ProtocolError(
            ErrorCode.UNSUPPORTED_VERSION,
            f"protocol version {version!r} is not supported; this server speaks {supported}",
            details={"supported": supported},
        )
    kind = data.get("type")
    if kind == "cmd":
        body = data.get("body", {})
        if not isinstance(body, dict):
            raise ProtocolError(ErrorCode.BAD_FIELD, "'body' must be a map")
        return Cmd(id=_ident(data, "id"), kind=_ident(data, "kind"), body=body)
    if kind == "hello":
        token = data.get("token")
        if not isinstance(token, str) or not 0 < len(token) <= limits.MAX_TOKEN_CHARS:
            raise ProtocolError(ErrorCode.BAD_FIELD, "'token' must be a non-empty string")
        lang = data.get("lang", "vi")
        if lang not in ("vi", "en"):
            raise ProtocolError(ErrorCode.BAD_FIELD, "'lang' must be 'vi' or 'en'")
        return Hello(token=token, resume=_position(data.get("resume")), lang=lang)
    if kind == "ping":
        ping_id = data.get("id", "")
        if not isinstance(ping_id, str) or len(ping_id) > limits.MAX_ID_CHARS:
            raise ProtocolError(ErrorCode.BAD_FIELD, "'id' must be a short string")
        return Ping(id=ping_id)
    raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type {kind!r}")


def _ident(data: JsonMap, name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= limits.MAX_ID_CHARS:
        raise ProtocolError(
            ErrorCode.BAD_FIELD, f"'{name}' must be a string of 1-{limits.MAX_ID_CHARS} characters"
        )
    return value


def _position(value: Any) -> Position | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ProtocolError(ErrorCode.BAD_FIELD, "'resume' must be a map with epoch and seq")
    epoch, seq = value.get("epoch"), value.get("seq")
    if not isinstance(epoch, str) or len(epoch) > limits.MAX_ID_CHARS:
        raise ProtocolError(ErrorCode.BAD_FIELD, "'resume.epoch' must be a string")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ProtocolError(ErrorCode.BAD_FIELD, "'resume.seq' must be a non-negative integer")
    return Position(epoch=epoch, seq=seq)
