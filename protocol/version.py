"""Protocol version and the WebSocket subprotocols that choose the codec."""

from typing import Final

PROTOCOL_VERSION: Final = 1
SUBPROTOCOL_MSGPACK: Final = "phonghop.v1.msgpack"
SUBPROTOCOL_JSON: Final = "phonghop.v1.json"
# Preference order when a client offers both.
SUBPROTOCOLS: Final = (SUBPROTOCOL_MSGPACK, SUBPROTOCOL_JSON)
