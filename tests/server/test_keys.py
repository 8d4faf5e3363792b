"""server/keys.py: the server key lives in a 0600 file outside Redis; ph:secret is moved out."""

from __future__ import annotations

import json
import logging
import stat
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis
import redis.asyncio as aioredis

from protocol.errors import ErrorCode
from rooms.model import Role
from server.app import open_redis
from server.auth import Signer, TokenError, load_signer, signer_for
from server.keys import (
    BALLOT_RECEIPTS,
    LEGACY_WINDOW,
    TOKEN_SIGNING,
    KeyFileError,
    ServerKeys,
    load_keys,
    read_key_file,
)
from server.private_files import create_once

pytestmark = pytest.mark.redis

NOW = 1_900_000_000


@pytest.fixture
async def aclient(redis_url: str, redis_db: redis.Redis) -> AsyncIterator[aioredis.Redis]:
    client = await open_redis(redis_url)  # a cluster client when the suite runs on one
    yield client
    await client.aclose()
    # Leave no key id of these throwaway key files for a later test's servers to trip on.
    redis_db.delete("ph:key-id")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_first_start_creates_a_private_key_file_and_no_redis_secret(
    aclient: aioredis.Redis, redis_db: redis.Redis, tmp_path: Path
) -> None:
    path = tmp_path / "data" / "keys" / "server.key"
    keys = await load_keys(aclient, path, NOW)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert read_key_file(path) == keys and len(keys.master) == 32
    assert redis_db.get("ph:secret") is None
    assert redis_db.get("ph:key-id") == keys.key_id.encode()
    # No byte of the key reached Redis: every value there is the public id.
    assert redis_db.keys("*") == [b"ph:key-id"]
    assert await load_keys(aclient, path, NOW) == keys  # read again, not made again


async def test_sub_keys_differ_by_purpose_and_none_is_the_master(
    aclient: aioredis.Redis, tmp_path: Path
) -> None:
    keys = await load_keys(aclient, tmp_path / "server.key", NOW)
    derived = [keys.derive(p) for p in (TOKEN_SIGNING, BALLOT_RECEIPTS)]
    assert len(set(derived)) == 2 and keys.master not in derived
    assert all(len(k) == 32 for k in derived)
    assert keys.derive(BALLOT_RECEIPTS) == read_key_file(tmp_path / "server.key").derive(
        BALLOT_RECEIPTS)


async def test_ph_secret_is_moved_out_and_its_tokens_work_for_a_bounded_time(
    aclient: aioredis.Redis, redis_db: redis.Redis, tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    old = bytes(range(32))
    redis_db.set("ph:secret", old)
    badge = Signer(old).issue("mabc123456", "D1", Role.DELEGATE, NOW + 10 * 86400, "b")
    path = tmp_path / "keys" / "server.key"
    with caplog.at_level(logging.WARNING, logger="phonghop.keys"):
        keys = await load_keys(aclient, path, NOW)
    assert redis_db.exists("ph:secret") == 0
    assert keys.legacy_token_key == old and keys.legacy_until == NOW + LEGACY_WINDOW
    # The master is new: whoever read the old key in the AOF derives nothing from it.
    assert keys.master != old
    log = caplog.text
    assert "ph:secret" in log and str(path) in log
    assert old.hex() not in log and old.hex().upper() not in log
    assert json.loads(path.read_text())["legacy_token_key"] not in log

    signer = signer_for(keys)
    assert signer.verify(badge, NOW, "mabc123456", purpose="b").participant_id == "D1"
    with pytest.raises(TokenError) as late:
        signer.verify(badge, NOW + LEGACY_WINDOW, "mabc123456", purpose="b")
    assert late.value.code == ErrorCode.BAD_TOKEN
    # New tokens are signed with the new key only.
    fresh = signer.issue("mabc123456", "D1", Role.DELEGATE, NOW + 3600, "b")
    with pytest.raises(TokenError):
        Signer(old).verify(fresh, NOW, purpose="b")


async def test_a_process_with_another_key_file_is_refused(
    aclient: aioredis.Redis, redis_db: redis.Redis, tmp_path: Path
) -> None:
    await load_keys(aclient, tmp_path / "a" / "server.key", NOW)
    other = tmp_path / "b" / "server.key"
    create_once(other, ServerKeys(b"x" * 32).to_bytes())
    with pytest.raises(KeyFileError, match="not the key the other"):
        await load_keys(aclient, other, NOW)
    # Without a key file it refuses rather than making a key the others do not have.
    missing = tmp_path / "c" / "server.key"
    with pytest.raises(KeyFileError, match="copy the key file"):
        await load_signer(aclient, missing)
    assert not missing.exists()


async def test_a_damaged_key_file_is_a_clear_error(
    aclient: aioredis.Redis, tmp_path: Path
) -> None:
    path = tmp_path / "server.key"
    create_once(path, b"not json")
    with pytest.raises(KeyFileError, match="not a valid key file"):
        await load_keys(aclient, path, NOW)


def test_simultaneous_first_starts_keep_one_key(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "server.key"
    barrier = threading.Barrier(8)
    results: list[tuple[bytes, bool]] = []

    def start(i: int) -> None:
        barrier.wait()
        results.append(create_once(path, f"key {i}".encode()))

    threads = [threading.Thread(target=start, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(results) == 8
    assert {content for content, _ in results} == {path.read_bytes()}
    assert sum(created for _, created in results) == 1
    assert [p.name for p in path.parent.iterdir()] == ["server.key"]  # no temporary left
    assert mode(path) == 0o600


def test_the_signer_refuses_a_legacy_key_after_its_time() -> None:
    old, new = b"o" * 32, b"n" * 32
    signer = Signer(new, legacy_key=old, legacy_until=NOW)
    token = Signer(old).issue("mabc123456", "C1", Role.CHAIR, NOW + 3600)
    assert signer.verify(token, NOW - 1, "mabc123456").role == Role.CHAIR
    with pytest.raises(TokenError):
        signer.verify(token, NOW, "mabc123456")
