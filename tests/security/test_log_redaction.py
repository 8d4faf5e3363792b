"""No credential in the server's output (#14 item 5): the real run.py, its real access log."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

import httpx
import pytest
import redis
import redis.asyncio as aioredis

from rooms.model import Role
from server import device_sessions
from server.auth import Signer
from server.keys import ServerKeys
from server.logging_redaction import MARKER, RedactTokens, redact
from tests.conftest import ADMIN_TOKEN, StartServer
from tests.support import make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_join_links_and_admin_tokens_never_reach_the_log(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    tokens = [token_of(p) for p in people.values()][:3]
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        for token in tokens:
            assert http.get(f"/j/{token}").status_code == 302
            assert http.get(f"/app/?t={token}").status_code == 200
            http.get(f"/api/meetings/{meeting}?token={token}")
        http.get(f"/api/meetings/{meeting}/participants?x=1&token={ADMIN_TOKEN}")
        http.get(f"/app/index.html?lang=vi&t={tokens[0]}#x")
    # The access log line is written after the response: wait for the last request's.
    assert wait_until(lambda: "/app/index.html?lang=vi" in server.output()), server.output()
    output = server.output()
    for token in tokens:
        assert token not in output
        assert token.rsplit("~", 1)[1] not in output  # not even the signature alone
    assert ADMIN_TOKEN not in output
    assert f'"GET /j/{MARKER} HTTP/1.1" 302' in output
    assert f'"GET /app/?t={MARKER} HTTP/1.1" 200' in output
    assert f"/api/meetings/{meeting}/participants?x=1&token={MARKER} " in output
    assert f"/app/index.html?lang=vi&t={MARKER}" in output


def test_a_token_in_any_log_record_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    token = "mabc123456~D0001~jd~t0abcd~AbCdEfGhIjKlMnOpQrStUv"
    logger = logging.getLogger("phonghop.test_redaction")
    logger.addFilter(RedactTokens())
    try:
        raise ValueError(f"bad badge {token}")
    except ValueError:
        with caplog.at_level(logging.WARNING, logger="phonghop.test_redaction"):
            logger.exception("scan of %s failed", token)
    assert token not in caplog.text and MARKER in caplog.text
    assert "scan of [redacted] failed" in caplog.text
    # Words that only look alike stay.
    for harmless in ("/join/abc", "?tab=1", "?lt=2", "a~b~c"):
        assert redact(harmless) == harmless
    assert redact(token.replace("~", "%7E")) == MARKER


def test_a_pairing_code_in_a_log_line_is_redacted() -> None:
    # Its kind part carries a nonce (server/auth.py): "so2-" and 16 hex digits.
    code = Signer(b"k" * 32).issue("mabc123456", "SEATS", Role.OBSERVER, 1_700_000_900,
                                   purpose="s", generation=2, nonce=secrets.token_hex(8))
    assert code.split("~")[2].startswith("so2-")
    line = f"pairing {code} exchanged; again: {code.replace('~', '%7E')}."
    assert redact(line) == f"pairing {MARKER} exchanged; again: {MARKER}."
    assert redact(f"POST /api/x?t={code}") == f"POST /api/x?t={MARKER}"


async def test_a_device_session_in_a_log_line_is_redacted_whole(redis_url: str) -> None:
    # A session's secret is 43 characters, a join link's signature 22: all of it goes.
    client = aioredis.from_url(redis_url)
    claims = Signer(b"k" * 32).verify(
        Signer(b"k" * 32).issue("mabc123456", "DB0004", Role.DELEGATE, 1_700_000_900),
        1_700_000_000)
    try:
        made = await device_sessions.create(client, ServerKeys(b"s" * 32), claims, 0,
                                            1_700_000_900, 1_700_000_000, "abc")
    finally:
        await client.aclose()
    secret = made.credential.rsplit("~", 1)[1]
    assert len(secret) == 43
    line = f"GET /api/x Authorization: Bearer {made.credential} done"
    assert redact(line) == f"GET /api/x Authorization: Bearer {MARKER} done"
    assert secret[-10:] not in redact(made.credential.replace("~", "%7E"))
