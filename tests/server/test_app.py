"""The app in-process (TestClient, real Redis): health, metrics, OpenAPI, tokens."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from protocol.errors import ErrorCode
from rooms.model import Role
from rooms.settings import SETTINGS
from server.app import create_app
from server.auth import Signer, TokenError
from server.config import Settings
from server.embedded_redis import EmbeddedRedis
from server.metrics import Metrics

pytestmark = pytest.mark.redis


def test_healthz_metrics_and_openapi(settings: Settings, admin_headers: dict[str, str]) -> None:
    with TestClient(create_app(settings)) as client:
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "ok" and health.json()["redis"] == "ok"
        assert (
            client.post("/api/meetings", json={"title": "T"}, headers=admin_headers).status_code
            == 201
        )
        metrics = client.get("/metrics").text
        for name in (
            "phonghop_connections",
            "phonghop_commands_total",
            "phonghop_events_total",
            "phonghop_fanout_seconds_bucket",
        ):
            assert name in metrics
        gc.collect(2)
        after = client.get("/metrics").text
        assert 'phonghop_gc_collections_total{generation="2"}' in after
        assert "phonghop_gc_longest_pause_seconds" in after
    # The lifespan removes its collection hook when the app stops.
    assert all(not isinstance(getattr(cb, "__self__", None), Metrics) for cb in gc.callbacks)
    with TestClient(create_app(settings)) as client:
        spec = client.get("/openapi.json").json()
        assert spec["openapi"].startswith("3.")
        create = spec["paths"]["/api/meetings"]["post"]["requestBody"]["content"]
        schema = create["application/json"]["schema"]["properties"]["settings"]
        assert set(schema["properties"]) == set(SETTINGS)
        assert schema["properties"]["proxy_limit"]["maximum"] == SETTINGS["proxy_limit"].max
        app = client.app
        routes = {r.path for r in app.routes if isinstance(r, Route)}  # type: ignore[attr-defined]
        documented = set(spec["paths"])
        assert routes - {"/"} <= documented, routes - documented
        assert documented <= routes, documented - routes
        for path, ops in spec["paths"].items():
            for method, op in ops.items():
                if method != "parameters":
                    assert op["responses"], (path, method)
        assert any(isinstance(r, Mount) and r.path == "/app" for r in app.routes)  # type: ignore[attr-defined]


def test_healthz_is_503_when_redis_goes_away(tmp_path: Path) -> None:
    own = EmbeddedRedis(tmp_path / "r", appendfsync="no")
    url = own.start()
    try:
        settings = Settings(redis_url=url, data_dir=tmp_path, admin_token="t")
        with TestClient(create_app(settings)) as client:
            assert client.get("/healthz").status_code == 200
            own.stop()
            resp = client.get("/healthz")
            assert resp.status_code == 503
            assert resp.json()["redis"] == "down"
    finally:
        own.stop()


def test_admin_token_generated_once_and_saved(
    redis_db: Any, redis_url: str, tmp_path: Path
) -> None:
    import asyncio

    from server.app import bootstrap

    settings = Settings(redis_url=redis_url, data_dir=tmp_path)
    token = asyncio.run(bootstrap(settings))
    assert token and (tmp_path / "admin-token").read_text().strip() == token
    assert (tmp_path / "admin-token").stat().st_mode & 0o077 == 0
    assert asyncio.run(bootstrap(settings)) is None  # not shown again
    with TestClient(create_app(settings)) as client:
        ok = client.get("/api/meetings", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200


def test_tokens_are_short_signed_and_scoped() -> None:
    signer = Signer(b"k" * 32)
    now = int(time.time())
    token = signer.issue("mabc123456", "DB0001", Role.CHAIR, now + 3600)
    assert len(token) < 80 and token.isascii()
    claims = signer.verify(token, now, "mabc123456")
    assert (claims.participant_id, claims.role) == ("DB0001", Role.CHAIR)
    badge = signer.issue("mabc123456", "DB0001", Role.CHAIR, now + 3600, purpose="b")
    cases: list[tuple[Callable[[], object], ErrorCode]] = [
        (lambda: signer.verify(token, now, "mother00000"), ErrorCode.WRONG_MEETING),
        (lambda: signer.verify(token, now + 7200, "mabc123456"), ErrorCode.TOKEN_EXPIRED),
        (lambda: Signer(b"x" * 32).verify(token, now), ErrorCode.BAD_TOKEN),
        (lambda: signer.verify(token.replace("DB0001", "DB0002"), now), ErrorCode.BAD_TOKEN),
        (lambda: signer.verify(badge, now), ErrorCode.BAD_TOKEN),  # a badge is not a join link
        (lambda: signer.verify("a~b", now), ErrorCode.BAD_TOKEN),
    ]
    for call, code in cases:
        with pytest.raises(TokenError) as info:
            call()
        assert info.value.code == code
    assert signer.verify(badge, now, purpose="b").purpose == "b"


def test_join_links_and_badges_are_as_before_and_only_pairing_codes_carry_a_nonce() -> None:
    signer = Signer(b"k" * 32)
    now, expires = 1_700_000_000, 1_700_003_600
    # Issued by the code before pairing nonces: printed badges and sent links keep working.
    before = {
        ("j", 0): "mabc123456~DB0001~jd~s44z68~knJ65hPLTmPJeACj_EV1s7",
        ("j", 3): "mabc123456~DB0001~jd3~s44z68~4SiJgBhNvbG_7c1ppsvgyE",
        ("b", 0): "mabc123456~DB0001~bd~s44z68~tqauhe36fC-PLQc5cPSR5o",
    }
    for (purpose, generation), token in before.items():
        assert signer.issue("mabc123456", "DB0001", Role.DELEGATE, expires, purpose=purpose,
                            generation=generation) == token
        claims = signer.verify(token, now, "mabc123456", purpose=purpose)
        assert (claims.purpose, claims.generation, claims.expires) == \
            (purpose, generation, expires)
    # A pairing code carries its nonce signed with the rest; the claims are as without it.
    nonce = "0123456789abcdef"
    code = signer.issue("mabc123456", "SEATS", Role.OBSERVER, expires, purpose="s",
                        generation=2, nonce=nonce)
    assert code.split("~")[2] == f"so2-{nonce}" and code.isascii() and len(code) < 100
    claims = signer.verify(code, now, "mabc123456", purpose="s")
    assert (claims.participant_id, claims.role, claims.generation) == \
        ("SEATS", Role.OBSERVER, 2)
    assert code != signer.issue("mabc123456", "SEATS", Role.OBSERVER, expires, purpose="s",
                                generation=2, nonce="fedcba9876543210")
    # A code issued before nonces (none) still pairs until it expires.
    assert signer.verify(signer.issue("mabc123456", "KIOSK", Role.OBSERVER, expires, "k"),
                         now, purpose="k").participant_id == "KIOSK"
    refused = [
        code.replace(nonce, "0123456789abcdee"),  # another nonce: the signature fails
        code.replace(f"-{nonce}", ""),  # nor does the code pass without its nonce
        code.replace("so2-", "so3-"),
        # A nonce in a join link or badge is no token of this server.
        before[("j", 0)].replace("~jd~", f"~jd-{nonce}~"),
        before[("b", 0)].replace("~bd~", f"~bd-{nonce}~"),
        code.replace(nonce, nonce.upper()),
        code.replace(nonce, nonce[:15]),
    ]
    for token in refused:
        for purpose in "sjb":
            with pytest.raises(TokenError) as info:
                signer.verify(token, now, purpose=purpose)
            assert info.value.code == ErrorCode.BAD_TOKEN, token
    with pytest.raises(TokenError, match="signature"):
        signer.verify(refused[0], now, purpose="s")
    for purpose, bad_nonce in (("j", nonce), ("b", nonce), ("k", "0123"), ("k", "x" * 16)):
        with pytest.raises(ValueError):
            signer.issue("mabc123456", "KIOSK", Role.OBSERVER, expires, purpose, nonce=bad_nonce)


def test_a_tablet_connecting_while_redis_is_down_is_told_to_retry(tmp_path: Path) -> None:
    import json as jsonlib

    from starlette.websockets import WebSocketDisconnect

    own = EmbeddedRedis(tmp_path / "r", appendfsync="no")
    url = own.start()
    try:
        settings = Settings(redis_url=url, data_dir=tmp_path, admin_token="t")
        with TestClient(create_app(settings)) as client:
            admin = {"Authorization": "Bearer t"}
            meeting = client.post("/api/meetings", json={"title": "T"}, headers=admin).json()["id"]
            client.post(
                f"/api/meetings/{meeting}/roster",
                headers=admin,
                content="code,full_name,role\nA1,Lê Văn Tám,delegate\n".encode(),
            )
            [person] = client.get(f"/api/meetings/{meeting}/participants", headers=admin).json()[
                "participants"
            ]
            token = person["join_url"].rsplit("/j/", 1)[1]
            own.stop()
            with client.websocket_connect(
                f"/ws/{meeting}", subprotocols=["phonghop.v1.json"]
            ) as ws:
                ws.send_text(jsonlib.dumps({"v": 1, "type": "hello", "token": token}))
                reply = jsonlib.loads(ws.receive_text())
                assert (reply["type"], reply["code"]) == ("error", "unavailable")
                with pytest.raises(WebSocketDisconnect) as closed:
                    ws.receive_text()
                assert closed.value.code == 1013
    finally:
        own.stop()
