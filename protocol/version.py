"""Protocol version and the WebSocket subprotocols that choose the codec."""

from typing import Final

# The version this server speaks and writes in every frame it sends.
PROTOCOL_VERSION: Final = 1
# The versions a client may announce (``v`` in hello and in every frame): any other is refused
# with ``unsupported_version`` (details: these), then close 1002. A version that breaks clients
# is added here beside the old one for a release (docs/protocol.md, "Versioning").
SUPPORTED_VERSIONS: Final[tuple[int, ...]] = (1,)
SUBPROTOCOL_MSGPACK: Final = "phonghop.v1.msgpack"
SUBPROTOCOL_JSON: Final = "phonghop.v1.json"
# Preference order when a client offers both.
SUBPROTOCOLS: Final = (SUBPROTOCOL_MSGPACK, SUBPROTOCOL_JSON)
