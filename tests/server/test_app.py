"""The app in-process (TestClient, real Redis): health, metrics, OpenAPI, tokens."""

from __future__ import annotations

import gc
import time
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
    assert all(getattr(cb, "__self__", None) is None or not isinstance(cb.__self__, Metrics)
               for cb in gc.callbacks)
    with TestClient(create_app(settings)) as client:
        spec = client.get("/openapi.json").json()
        assert spec["openapi"].startswith("3.")
        create = spec["paths"]["/api/meetings"]["post"]["requestBody"]["content"]
        settings = create["application/json"]["schema"]["properties"]["settings"]
        assert set(settings["properties"]) == set(SETTINGS)
        assert settings["properties"]["proxy_limit"]["maximum"] == SETTINGS["proxy_limit"].max
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
    cases = [
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
