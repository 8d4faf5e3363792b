"""Large files sent in chunks: an archived meeting's ZIP, one file of it, a meeting's ZIP made
now. The response holds one chunk in memory whatever the file's size (a congress's archive
with its scanned documents runs to hundreds of MB, and many participants download it), and
every read runs in a worker thread, so neither the disk nor inflating holds the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import IO, Protocol

import anyio.to_thread
from starlette.responses import StreamingResponse

__all__ = ["CHUNK", "Chunks", "streamed"]

CHUNK = 256 * 1024


class _Closable(Protocol):
    def close(self) -> None: ...


class Chunks:
    """An open file to be sent from where it stands, ``size`` bytes, then closed with
    everything it was read through (``also``: the ZIP a member was opened from)."""

    def __init__(self, file: IO[bytes], size: int, *also: _Closable) -> None:
        self.file, self.size, self._also = file, size, also

    async def read(self) -> AsyncIterator[bytes]:
        # Closed when the last chunk is sent, and when the client leaves before that: the
        # response drops the generator, and asyncio closes it then.
        try:
            while chunk := await anyio.to_thread.run_sync(self.file.read, CHUNK):
                yield chunk
        finally:
            self.close()

    def close(self) -> None:
        self.file.close()
        for each in self._also:
            each.close()


def streamed(chunks: Chunks, media_type: str, headers: Mapping[str, str]) -> StreamingResponse:
    """The response that sends ``chunks``, with its length, so a browser shows progress."""
    return StreamingResponse(chunks.read(), media_type=media_type,
                             headers={**headers, "content-length": str(chunks.size)})
