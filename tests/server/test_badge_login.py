"""A tablet signs a delegate in by scanning their badge: badge token in, join link out."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from rooms.model import Role
from server.app import create_app
from server.config import Settings
from tests.support import demo_roster

pytestmark = pytest.mark.redis


def test_badge_token_is_exchanged_for_the_join_link(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    with TestClient(create_app(settings)) as client:
        meeting = client.post("/api/meetings", json={"title": "Đại hội"},
                              headers=admin_headers).json()["id"]
        assert client.post(f"/api/meetings/{meeting}/roster", content=demo_roster(),
                           headers=admin_headers).status_code == 200
        signer = client.app.state.runtime.signer  # type: ignore[attr-defined]
        badge = signer.issue(meeting, "DB0004", Role.DELEGATE, int(time.time()) + 3600, "b")
        # By default only a delegate checked in at the desk signs in at a seat by badge.
        assert client.post(f"/api/meetings/{meeting}/commands", headers=admin_headers, json={
            "kind": "checkin.manual", "body": {"participant": "DB0004"}}).status_code == 200

        resp = client.post("/api/badge-login", json={"token": badge})
        assert resp.status_code == 200
        body = resp.json()
        assert body["meeting"] == meeting
        assert body["participant"]["full_name"] == "Trần Thị Loan"
        # a device session of this tablet, never a join link it could pass on
        assert "join_url" not in body and "token" not in body
        assert body["session"].split("~")[:3] == [meeting, "DB0004", "Jd"]
        me = client.get(f"/api/meetings/{meeting}",
                        headers={"Authorization": f"Bearer {body['session']}"})
        assert me.status_code == 200

        join_token = signer.issue(meeting, "DB0004", Role.DELEGATE, int(time.time()) + 3600)
        forged = badge[:-2] + ("AA" if not badge.endswith("AA") else "BB")
        expired = signer.issue(meeting, "DB0004", Role.DELEGATE, int(time.time()) - 10, "b")
        ghost = signer.issue(meeting, "NOBODY", Role.DELEGATE, int(time.time()) + 3600, "b")
        for token, status, code in (
            (forged, 401, "bad_token"),
            (expired, 401, "token_expired"),
            (join_token, 401, "bad_token"),  # a join link is not a badge
            (body["session"], 401, "bad_token"),  # nor is a session
            (ghost, 403, "forbidden"),
        ):
            resp = client.post("/api/badge-login", json={"token": token})
            assert (resp.status_code, resp.json()["error"]["code"]) == (status, code)
        assert client.post("/api/badge-login", json={}).status_code == 422
