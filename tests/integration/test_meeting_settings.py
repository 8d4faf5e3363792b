"""Meeting settings end to end: a real run.py process and Redis; the chair turns
``require_quorum_to_open`` on over the WebSocket and the meeting then opens only with its
quorum; bad settings are refused over HTTP and WebSocket; GET shows defaults filled in."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import redis

from tests.support import Client, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]

ROSTER = "\n".join([
    "code,full_name,delegation,title,seat,weight,role",
    "CT01,Dương Xuân Hải,Đoàn Chủ tịch,Chủ tịch,A01,1,chair",
    "TK01,Trần Kim Yến,Đoàn Thư ký,Thư ký,A02,1,secretary",
    *(f"D{i},Đại biểu {i},Đoàn {i},,B0{i},1,delegate" for i in range(1, 5)),
]).encode()

DEFAULTS = {
    "device_checkin": "tap", "hybrid": False, "badge_sign_in": "checked_in", "proxy_limit": 1,
    "proxies_count_for_quorum": False, "require_check_in": True,
    "require_quorum_to_open": False, "majority": "more than 1/2 of delegates present",
    "parent_organisation": "", "reference": "", "city": "",
}


async def test_chair_requires_the_quorum_to_open_over_the_websocket(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers, roster=ROSTER)
    http = httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=20)
    assert http.get(f"/api/meetings/{meeting}").json()["settings"] == DEFAULTS

    chair = Client(server.ws_url, meeting, token_of(people["CT01"]))
    secretary = Client(server.ws_url, meeting, token_of(people["TK01"]), codec="msgpack")
    await chair.connect()
    await secretary.connect()
    try:
        assert chair.snapshots[-1]["state"]["info"]["settings"] == DEFAULTS

        ack = await chair.command("meeting.update",
                                  {"settings": {"require_quorum_to_open": True}})
        assert ack["type"] == "ack", ack
        await secretary.wait_seq(ack["seq"])
        [updated] = [e for e in secretary.events if e["kind"] == "meeting.updated"]
        assert updated["body"] == {"settings": {"require_quorum_to_open": True}}

        # The same value again is not a change: acked, nothing appended.
        again = await chair.command("meeting.update",
                                    {"settings": {"require_quorum_to_open": True}})
        assert again["type"] == "ack" and again["seq"] == ack["seq"]

        refused = await chair.command("meeting.open")
        assert refused["type"] == "error" and refused["code"] == "invalid_state", refused
        assert refused["message"].startswith("quorum not met: 0 of 6")

        bad = await chair.command("meeting.update", {"settings": {"proxy_limit": "two"}})
        assert (bad["code"], bad["details"]["setting"]) == ("invalid", "proxy_limit")
        assert "setting 'proxy_limit' must be a whole number" in bad["message"]
        unknown = await secretary.command("meeting.update", {"settings": {"colour": "red"}})
        assert unknown["code"] == "invalid" and "unknown setting 'colour'" in unknown["message"]

        for pid in ("CT01", "TK01", "D1", "D2"):
            done = await secretary.command("checkin.manual", {"participant": pid})
            assert done["type"] == "ack", done
        opened = await chair.command("meeting.open")
        assert opened["type"] == "ack", opened
        await chair.wait_seq(opened["seq"])
        assert chair.kinds()[-1] == "meeting.opened"

        shown = http.get(f"/api/meetings/{meeting}").json()
        assert shown["status"] == "open"
        assert shown["settings"] == {**DEFAULTS, "require_quorum_to_open": True}
    finally:
        await chair.close()
        await secretary.close()
        http.close()


async def test_a_settings_field_that_is_not_a_map_is_a_protocol_error(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers, roster=ROSTER)
    chair = Client(server.ws_url, meeting, token_of(people["CT01"]))
    await chair.connect()
    try:
        reply = await chair.command("meeting.update", {"settings": ["hybrid"]})
        assert reply["type"] == "error" and reply["code"] == "bad_field", reply
    finally:
        await chair.close()


def test_creating_a_meeting_with_a_bad_setting_is_refused(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=20) as http:
        bad = http.post("/api/meetings", json={"title": "Đại hội",
                                               "settings": {"device_checkin": "maybe"}})
        assert bad.status_code == 422, bad.text
        assert bad.json()["error"] == {
            "code": "invalid",
            "message": "setting 'device_checkin' must be one of tap, connect, off",
        }
        good = http.post("/api/meetings", json={"title": "Đại hội",
                                                "settings": {"hybrid": True}})
        assert good.status_code == 201, good.text
        shown = http.get(f"/api/meetings/{good.json()['id']}").json()
        assert shown["settings"] == {**DEFAULTS, "hybrid": True}
