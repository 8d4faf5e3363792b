"""Hard limits on what a client may send; anything larger is a protocol error.

They bound the memory and CPU one frame can cost the server, whatever the codec.
"""

from typing import Final

MAX_FRAME_BYTES: Final = 64 * 1024
MAX_STRING_CHARS: Final = 8_000
MAX_LIST_ITEMS: Final = 500
MAX_MAP_ITEMS: Final = 64
MAX_DEPTH: Final = 6
MAX_ID_CHARS: Final = 64
MAX_TOKEN_CHARS: Final = 512
