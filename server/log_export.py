"""``GET /api/meetings/{m}/log.json``: the meeting's whole log with its hash chain, streamed.

The document is written page by page as the log is read from Redis, so a 100k-event meeting
(~22 MB of JSON) never sits in memory as one object and no page holds the event loop for
long. The bytes are those ``JSONResponse`` gave for the whole document (compact separators,
UTF-8 as is); ``server/cli/verify.py`` checks an export offline.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio.from_thread
from starlette.requests import Request
from starlette.responses import StreamingResponse

from protocol.canonical import GENESIS
from protocol.errors import ErrorCode
from rooms.model import STAFF
from server.errors import ApiError
from server.http_auth import require_actor
from server.runtime import Runtime
from server.store import LogEntry, Store

# Entries read, decoded and written per step: ~2 ms of work, ~23 KB of JSON. With 500 a step
# took up to 50 ms on a busy machine, and /healthz waited for it.
PAGE = 100


def _json(value: Any) -> str:
    # The same options as starlette's JSONResponse.render.
    return json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":"))


async def log_pages(store: Store, meeting_id: str, epoch: str, until: int) -> AsyncIterator[bytes]:
    """The export of the log up to seq ``until``, in pieces."""
    head = {"meeting": meeting_id, "epoch": epoch, "genesis": GENESIS,
            "hash_algorithm": "sha256-chain-v1"}
    yield (_json(head)[:-1] + ',"events":[').encode()
    final, after = GENESIS, 0
    while after < until:
        page = await store.read_log(meeting_id, after=after, until=until, count=PAGE)
        if not page:
            break
        parts = [_json({"seq": e.seq, **e.event.to_dict(), "hash": e.hash}) for e in page]
        yield (("," if after else "") + ",".join(parts)).encode()
        after, final = page[-1].seq, page[-1].hash
    yield ('],"final_hash":' + _json(final) + "}").encode()


def entries_from_a_thread(store: Store, meeting_id: str, until: int | None = None
                          ) -> Iterator[LogEntry]:
    """The log (up to seq ``until``, or as it stands), for a worker thread that folds it (the
    minutes, a quorum at a past moment, an archive): each page is read on the event loop and
    handed over, so a congress's 100k entries are never all in memory, nor decoded in one
    step of the loop."""
    after = 0
    while until is None or after < until:
        page = anyio.from_thread.run(functools.partial(
            store.read_log, meeting_id, after=after, until=until, count=PAGE))
        if not page:
            return
        yield from page
        after = page[-1].seq


async def export_log(request: Request) -> StreamingResponse:
    meeting_id = request.path_params["meeting_id"]
    await require_actor(request, meeting_id, STAFF)
    rt: Runtime = request.app.state.runtime
    meta = await rt.store.meta(meeting_id)
    if "epoch" not in meta:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"no meeting {meeting_id}")
    # The log as it stands now: events appended while it streams belong to the next export.
    until = int(meta.get("seq", "0"))
    return StreamingResponse(log_pages(rt.store, meeting_id, meta["epoch"], until),
                             media_type="application/json")
