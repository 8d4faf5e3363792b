"""Bad input gets a clear error and changes nothing: frames, tokens, roles, roster CSV."""

from __future__ import annotations

import json
import time
import unicodedata
from pathlib import Path
from typing import Any

import httpx
import msgpack
import pytest
import redis
import websockets
from websockets.typing import Subprotocol

from rooms.model import Role
from tests.conftest import server_signer
from tests.support import Client, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]


@pytest.fixture
def hall(start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]) -> Any:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    return server, meeting, people, redis_db


def first(people: dict[str, dict[str, Any]], role: str) -> dict[str, Any]:
    return next(p for p in people.values() if p["role"] == role)


def log_length(server: Any, meeting: str, headers: dict[str, str]) -> int:
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        return len(http.get(f"/api/meetings/{meeting}/log.json").json()["events"])


async def raw_session(
    url: str, frames: list[bytes | str], subprotocol: str
) -> tuple[list[Any], int | None, str]:
    """Send frames, collect replies until the server closes; return (replies, code, reason)."""
    replies: list[Any] = []
    async with websockets.connect(
        url, subprotocols=[Subprotocol(subprotocol)], compression=None, max_size=2**22
    ) as ws:
        for frame in frames:
            await ws.send(frame)
        try:
            async for reply in ws:
                replies.append(
                    json.loads(reply) if isinstance(reply, str) else msgpack.unpackb(reply)
                )
        except websockets.ConnectionClosed:
            pass
        code = ws.close_code
        reason = ws.close_reason or ""
    return replies, code, reason


@pytest.mark.parametrize(
    ("frame", "code", "error"),
    [
        ("{not json", 1002, "malformed"),
        ('{"v":1,"type":"cmd","id":"c","kind":"meeting.open"}', 4001, "unauthenticated"),
        ('{"v":1,"type":"hello"}', 1002, "bad_field"),
        ('{"v":9,"type":"hello","token":"x"}', 1002, "unsupported_version"),
        ('{"v":1,"type":"hello","token":"not-a-token"}', 4001, "bad_token"),
    ],
)
async def test_bad_first_frames_close_with_a_code(
    hall: Any, frame: str, code: int, error: str
) -> None:
    server, meeting, _, _ = hall
    replies, close_code, _ = await raw_session(
        f"{server.ws_url}/ws/{meeting}", [frame], "phonghop.v1.json"
    )
    assert close_code == code
    assert replies[-1]["type"] == "error" and replies[-1]["code"] == error


async def test_tokens_forged_expired_or_of_another_meeting(
    hall: Any, admin_headers: dict[str, str], server_key_file: Path
) -> None:
    server, meeting, people, db = hall
    other, other_people = make_meeting(server.base_url, admin_headers, title="Hội nghị khác")
    delegate = first(people, "delegate")
    good = token_of(delegate)
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    signer = server_signer(server_key_file)
    expired = signer.issue(meeting, delegate["id"], Role.DELEGATE, int(time.time()) - 60)
    not_on_roster = signer.issue(meeting, "GHOST", Role.DELEGATE, int(time.time()) + 3600)
    cases = [
        (forged, 4001, "bad_token", meeting),
        (expired, 4001, "token_expired", meeting),
        (token_of(first(other_people, "delegate")), 4001, "wrong_meeting", meeting),
        (not_on_roster, 4003, "forbidden", meeting),
        (good, 4001, "wrong_meeting", other),
    ]
    for token, code, error, target in cases:
        hello = json.dumps({"v": 1, "type": "hello", "token": token})
        replies, close_code, _ = await raw_session(
            f"{server.ws_url}/ws/{target}", [hello], "phonghop.v1.json"
        )
        assert (close_code, replies[-1]["code"]) == (code, error), token
    with httpx.Client(base_url=server.base_url) as http:
        for token in (forged, expired):
            resp = http.get(
                f"/api/meetings/{meeting}", headers={"Authorization": f"Bearer {token}"}
            )
            assert resp.status_code == 401
            assert resp.json()["error"]["code"] in ("bad_token", "token_expired")


async def test_rejected_commands_keep_the_connection_and_change_nothing(
    hall: Any, admin_headers: dict[str, str]
) -> None:
    server, meeting, people, _ = hall
    before = log_length(server, meeting, admin_headers)
    tablet = Client(server.ws_url, meeting, token_of(first(people, "delegate")))
    await tablet.connect()
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("meeting.open", {}, "forbidden"),  # a delegate sending a chair's command
        ("meeting.explode", {}, "unknown_kind"),
        ("meeting.adjourn", {"reason": 42}, "bad_field"),
        ("meeting.update", {"title": "x", "colour": "red"}, "bad_field"),
        ("participant.remove", {"id": "DB0001"}, "forbidden"),
    ]
    for kind, body, code in cases:
        reply = await tablet.command(kind, body)
        assert (reply["type"], reply["code"]) == ("error", code), kind
        assert reply["message"]
    chair = Client(server.ws_url, meeting, token_of(first(people, "chair")))
    await chair.connect()
    reply = await chair.command("meeting.resume")
    assert (reply["type"], reply["code"]) == ("error", "invalid_state")
    assert tablet.close_code is None  # still connected after all of that
    assert log_length(server, meeting, admin_headers) == before
    await tablet.close()
    await chair.close()


async def test_malformed_and_oversized_frames_after_hello(hall: Any) -> None:
    server, meeting, people, _ = hall
    token = token_of(first(people, "delegate"))
    hello = msgpack.packb({"v": 1, "type": "hello", "token": token})
    url = f"{server.ws_url}/ws/{meeting}"
    replies, code, _ = await raw_session(url, [hello, b"\xc1\xc1"], "phonghop.v1.msgpack")
    assert code == 1002 and replies[-1]["code"] == "malformed"
    big = msgpack.packb({"v": 1, "type": "ping", "id": "x" * 70_000})
    replies, code, _ = await raw_session(url, [hello, big], "phonghop.v1.msgpack")
    assert code == 1009 and replies[-1]["code"] == "too_large"
    replies, code, _ = await raw_session(url, [hello, '{"v":1}'], "phonghop.v1.msgpack")
    assert code == 1003


def test_roster_with_bad_rows_imports_nothing_and_names_the_rows(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    with httpx.Client(base_url=server.base_url, headers=admin_headers) as http:
        meeting = http.post("/api/meetings", json={"title": "Hội nghị"}).json()["id"]
        bad = (
            "code;full_name;role\nA1;Lê Văn Tám;delegate\nA2;;delegate\nA3;Phạm Hoa;pharaoh\n"
        ).encode()
        resp = http.post(f"/api/meetings/{meeting}/roster", content=bad)
        assert resp.status_code == 422
        error = resp.json()["error"]
        assert error["code"] == "invalid_roster"
        assert [r["row"] for r in error["details"]["rows"]] == [3, 4]
        assert http.get(f"/api/meetings/{meeting}/participants").json()["participants"] == []
        nfd = unicodedata.normalize("NFD", "Nguyễn Văn Hùng")
        good = ("\ufeffcode,full_name,role\nA1," + nfd + ",delegate\n").encode()
        assert http.post(f"/api/meetings/{meeting}/roster", content=good).json()["imported"] == 1
        [person] = http.get(f"/api/meetings/{meeting}/participants").json()["participants"]
        assert person["full_name"] == "Nguyễn Văn Hùng"
        assert unicodedata.is_normalized("NFC", person["full_name"])


def test_http_auth_and_bad_bodies(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    delegate = {"Authorization": f"Bearer {token_of(first(people, 'delegate'))}"}
    with httpx.Client(base_url=server.base_url) as http:
        assert http.post("/api/meetings", json={"title": "x"}).status_code == 401
        assert (
            http.post(
                "/api/meetings", json={"title": "x"}, headers={"Authorization": "Bearer wrong"}
            ).status_code
            == 403
        )
        assert http.post("/api/meetings", json={"title": "x"}, headers=delegate).status_code == 403
        assert http.post("/api/meetings", content=b"{", headers=admin_headers).status_code == 400
        assert (
            http.post("/api/meetings", json={"title": ""}, headers=admin_headers).status_code == 422
        )
        assert (
            http.get(f"/api/meetings/{meeting}/participants", headers=delegate).status_code == 403
        )
        assert http.get(f"/api/meetings/{meeting}", headers=delegate).status_code == 200
        assert http.get("/api/meetings/mnope", headers=admin_headers).status_code == 404
        resp = http.post(
            f"/api/meetings/{meeting}/commands", headers=delegate, json={"kind": "meeting.open"}
        )
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"
