"""``GET …/log.json`` streams, page by page, exactly the bytes the whole-document builder gave."""

from __future__ import annotations

import pytest
import redis
from starlette.responses import JSONResponse
from starlette.testclient import TestClient

from protocol.canonical import GENESIS
from server import log_export
from server.app import create_app, open_redis
from server.config import Settings
from server.store import Store
from tests.rooms.minutes_fixtures import full_meeting
from tests.server.test_checkpoints import EPOCH, append

pytestmark = pytest.mark.redis


async def built_whole(store: Store, meeting_id: str, epoch: str, until: int) -> bytes:
    """The builder log.json had before it streamed (server/api.py, export_log)."""
    entries = await store.read_log(meeting_id, until=until)
    return bytes(JSONResponse(
        {
            "meeting": meeting_id,
            "epoch": epoch,
            "genesis": GENESIS,
            "hash_algorithm": "sha256-chain-v1",
            "events": [{"seq": e.seq, **e.event.to_dict(), "hash": e.hash} for e in entries],
            "final_hash": entries[-1].hash if entries else GENESIS,
        }
    ).body)


@pytest.mark.parametrize("page", [1, 7, 32, 500])
async def test_the_streamed_export_has_the_bytes_of_the_whole_document(
    page: int, settings: Settings, admin_headers: dict[str, str], redis_url: str,
    redis_db: redis.Redis, monkeypatch: pytest.MonkeyPatch,
) -> None:
    entries = full_meeting().entries  # every feature's events, Vietnamese text
    client = await open_redis(redis_url)
    try:
        await append(Store(client), entries)
        expected = await built_whole(Store(client), "m1", EPOCH, len(entries))
    finally:
        await client.aclose()
    monkeypatch.setattr(log_export, "PAGE", page)
    with TestClient(create_app(settings)) as http:
        resp = http.get("/api/meetings/m1/log.json", headers=admin_headers)
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "application/json"
        assert "content-length" not in resp.headers  # streamed, not built then sent
        assert resp.content == expected
        missing = http.get("/api/meetings/nope/log.json", headers=admin_headers)
        assert missing.status_code == 404


async def test_events_appended_while_it_streams_wait_for_the_next_export(
    redis_url: str, redis_db: redis.Redis
) -> None:
    entries = full_meeting().entries
    client = await open_redis(redis_url)
    try:
        store = Store(client)
        await append(store, entries[:20])
        pages = log_export.log_pages(store, "m1", EPOCH, until=20)
        parts: list[bytes] = [await anext(pages)]
        await append(store, entries[20:])
        parts += [part async for part in pages]
        assert b"".join(parts) == await built_whole(store, "m1", EPOCH, 20)
    finally:
        await client.aclose()
