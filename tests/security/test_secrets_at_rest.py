"""run.py with its embedded Redis, as an operator runs it: no key in Redis, Redis locked, the
data directory readable by its owner only, and ph:secret of an older version moved out."""

from __future__ import annotations

import json
import socket
import stat
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import redis

from rooms.model import Role
from server.auth import Signer
from server.embedded_redis import EmbeddedRedis, configured_url
from tests.conftest import StartServer
from tests.support import make_meeting

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]

# The server's own key file, in its data directory (not the test session's shared one).
OWN_KEY_FILE: dict[str, str | None] = {"PHONGHOP_KEY_FILE": None}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def chair_of(people: dict[str, dict[str, Any]]) -> str:
    return next(pid for pid, p in people.items() if p["role"] == "chair")


def status_with(base_url: str, meeting: str, token: str) -> int:
    resp = httpx.get(f"{base_url}/api/meetings/{meeting}",
                     headers={"Authorization": f"Bearer {token}"}, timeout=10)
    return resp.status_code


def every_stored_value(r: redis.Redis) -> list[bytes]:
    """Each string and hash value in Redis: what a reader of its data could try as a key."""
    values: list[bytes | str] = []
    for key in r.scan_iter(count=1000):
        kind = r.type(key)
        if kind == b"string":
            values.append(r.get(key))  # type: ignore[arg-type]
        elif kind == b"hash":
            values += r.hgetall(key).values()
    return [v.encode() if isinstance(v, str) else v for v in values]


def test_no_token_can_be_forged_from_what_redis_holds_and_redis_is_locked(
    start_server: StartServer, tmp_path: Path, admin_headers: dict[str, str]
) -> None:
    server = start_server(data_dir=tmp_path, embedded_redis=True, env=OWN_KEY_FILE)
    meeting, people = make_meeting(server.base_url, admin_headers)
    chair = chair_of(people)

    url = configured_url(tmp_path)
    assert url is not None
    port = urlsplit(url).port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"KEYS *\r\n")
        assert sock.recv(256).startswith(b"-NOAUTH")
    password = urlsplit(url).password
    assert password and password not in server.output()  # the banner hides it

    with redis.Redis.from_url(url) as r:
        assert r.exists("ph:secret") == 0
        assert r.get("ph:key-id") is not None
        values = every_stored_value(r)
    assert len(values) > 10
    # Whatever a reader of the AOF, a backup or MONITOR finds, none of it signs a token.
    forged = [Signer(v).issue(meeting, chair, Role.CHAIR, int(time.time()) + 3600)
              for v in values]
    assert {status_with(server.base_url, meeting, t) for t in forged} == {401}
    real = json.loads((tmp_path / "keys" / "server.key").read_text())["master"]
    assert all(real.encode() not in v for v in values)


def test_the_data_directory_is_private_while_serving(
    start_server: StartServer, tmp_path: Path, admin_headers: dict[str, str]
) -> None:
    server = start_server(data_dir=tmp_path, embedded_redis=True, env=OWN_KEY_FILE)
    make_meeting(server.base_url, admin_headers)  # so that the AOF has the meeting in it
    key_file = tmp_path / "keys" / "server.key"
    assert mode(key_file) == 0o600 and mode(key_file.parent) == 0o700
    paths = [tmp_path, *tmp_path.rglob("*")]
    assert any(p.name.endswith(".aof") for p in paths)
    loose = [(str(p), oct(mode(p))) for p in paths
             if mode(p) != (0o700 if p.is_dir() else 0o600)]
    assert loose == []


def test_ph_secret_of_an_older_version_is_moved_out_and_its_badges_still_work(
    start_server: StartServer, tmp_path: Path, admin_headers: dict[str, str]
) -> None:
    old = b"an older version's ph:secret 32b"
    with EmbeddedRedis(tmp_path) as embedded, redis.Redis.from_url(embedded.url) as r:
        r.set("ph:secret", old)
    server = start_server(data_dir=tmp_path, embedded_redis=True, env=OWN_KEY_FILE)
    meeting, people = make_meeting(server.base_url, admin_headers)
    chair = chair_of(people)
    url = configured_url(tmp_path)
    assert url is not None
    with redis.Redis.from_url(url) as r:
        assert r.exists("ph:secret") == 0
    output = server.output()
    assert "deleted the token key kept in Redis (ph:secret)" in output
    assert old.decode() not in output
    assert json.loads((tmp_path / "keys" / "server.key").read_text())[
        "legacy_token_key"] not in output

    issued_before = Signer(old).issue(meeting, chair, Role.CHAIR, int(time.time()) + 3600)
    assert status_with(server.base_url, meeting, issued_before) == 200
    other = Signer(b"o" * 32).issue(meeting, chair, Role.CHAIR, int(time.time()) + 3600)
    assert status_with(server.base_url, meeting, other) == 401
