"""The phonghop wire protocol: envelopes, codecs, limits and error codes. Pure: no I/O."""

from protocol.errors import CloseCode, ErrorCode, ProtocolError
from protocol.version import PROTOCOL_VERSION, SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK, SUBPROTOCOLS

__all__ = [
    "PROTOCOL_VERSION",
    "SUBPROTOCOLS",
    "SUBPROTOCOL_JSON",
    "SUBPROTOCOL_MSGPACK",
    "CloseCode",
    "ErrorCode",
    "ProtocolError",
]
