"""Identity and sessions (#14 findings 1, 2 and 6): real `run.py serve` processes, real Redis.

A photographed badge does not sign anyone in who is not at the desk; staff do not read the
delegates' links, a reissue or a removal revokes the old one; an open socket follows the
roster at once, on every process."""

from __future__ import annotations

import asyncio
import io
import json
import re
from typing import Any

import httpx
import pytest
import redis
import websockets
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Settings
from tests.conftest import ServerProcess, StartServer
from tests.support import SUB, Client, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def close_code_of(server: ServerProcess, meeting: str, token: str) -> tuple[int, str]:
    """Open a socket with ``token``: the close code and error code it is refused with."""
    async with websockets.connect(f"{server.ws_url}/ws/{meeting}",
                                  subprotocols=[SUB["json"]]) as ws:
        await ws.send(json.dumps({"v": 1, "type": "hello", "token": token}))
        first = json.loads(await ws.recv())
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, first.get("code", first["type"])


def badge_photo_token(http: httpx.Client, meeting: str, pid: str) -> str:
    """What an attacker reads from a photo of the badge: the printed card, decoded by zbar."""
    png = http.get(f"/api/meetings/{meeting}/participants/{pid}/badge.png?card=1")
    assert png.status_code == 200, png.text
    [symbol] = decode(Image.open(io.BytesIO(png.content)), symbols=[ZBarSymbol.QRCODE])
    return str(symbol.data.decode("ascii"))


def command(http: httpx.Client, meeting: str, kind: str, body: dict[str, Any],
            token: str | None = None) -> httpx.Response:
    headers = bearer(token) if token else {}
    return http.post(f"/api/meetings/{meeting}/commands", json={"kind": kind, "body": body},
                     headers=headers)


async def test_a_badge_photo_alone_signs_nobody_in_and_casts_no_ballot(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    chair = token_of(people["DB0001"])
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=20) as http:
        badge = badge_photo_token(http, meeting, "DB0004")
        assert command(http, meeting, "meeting.open", {}, chair).status_code == 200
        # DB0004 has not checked in at the desk: the photo of their badge is refused.
        refused = httpx.post(f"{server.base_url}/api/badge-login", json={"token": badge})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["details"]["reason"] == "not_checked_in"
        assert "token" not in refused.json()
        # Nor does the badge's own token open a voting session.
        assert await close_code_of(server, meeting, badge) == (4001, "bad_token")
        log = http.get(f"/api/meetings/{meeting}/log.json").json()["events"]
        assert "participant.signed_in" not in [e["kind"] for e in log]
        # The real DB0004 arrives at the desk and votes with their own link: the one ballot
        # of DB0004 is theirs.
        assert command(http, meeting, "checkin.manual", {"participant": "DB0004"}).status_code \
            == 200
        created = command(http, meeting, "poll.create", {
            "id": "p1", "title": "Bầu", "method": "yes_no_abstain", "secret": True,
            "rule": "more than 1/2 of delegates present"}, chair)
        assert created.status_code == 200, created.text
        poll = created.json()["result"]["poll"]
        opened = command(http, meeting, "poll.open", {"poll": poll}, chair)
        assert opened.status_code == 200, opened.text
        me = Client(server.ws_url, meeting, token_of(people["DB0004"]))
        await me.connect()
        cast = await me.command("ballot.cast", {"poll": poll, "choice": "yes",
                                                "ballot_id": "b-real-DB0004"})
        assert cast["type"] == "ack", cast
        await me.close()


async def test_badge_sign_in_ends_the_other_session_and_tells_desk_and_delegate(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    desk = Client(server.ws_url, meeting, token_of(people["DB0002"]))
    tablet = Client(server.ws_url, meeting, token_of(people["DB0004"]))
    await desk.connect()
    await tablet.connect()
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=20) as http:
        badge = badge_photo_token(http, meeting, "DB0004")
        assert command(http, meeting, "checkin.manual", {"participant": "DB0004"}).status_code \
            == 200
        signed = httpx.post(f"{server.base_url}/api/badge-login", json={"token": badge})
        assert signed.status_code == 200, signed.text
    # The tablet signed in before is told and closed; the desk sees it in the log.
    await tablet.wait_for(lambda: tablet.close_code is not None)
    assert tablet.close_code == 4001
    assert "another device" in tablet.errors[-1]["message"]
    await desk.wait_for(lambda: "participant.signed_in" in desk.kinds())
    [event] = [e for e in desk.events if e["kind"] == "participant.signed_in"]
    assert {k: v for k, v in event["body"].items() if k != "session"} == {
        "id": "DB0004", "via": "badge", "generation": 1}
    # The link that tablet held no longer opens a session; the new one does.
    assert await close_code_of(server, meeting, token_of(people["DB0004"])) == (4001, "bad_token")
    fresh = Client(server.ws_url, meeting, signed.json()["session"])
    assert (await fresh.connect())["participant"]["id"] == "DB0004"
    await fresh.close()
    await desk.close()


def test_staff_read_no_voting_link_and_a_reissue_or_removal_revokes_the_old_one(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    secretary = token_of(people["DB0002"])
    old = token_of(people["DB0004"])
    with httpx.Client(base_url=server.base_url, timeout=20) as http:
        assert http.post(f"/api/meetings/{meeting}/participants", headers=admin_headers, json={
            "id": "QS01", "full_name": "Quan sát viên", "role": "observer"}).status_code == 201
        listed = http.get(f"/api/meetings/{meeting}/participants", headers=bearer(secretary))
        links = {p["id"]: p.get("join_url") for p in listed.json()["participants"]}
        assert links["DB0004"] is None and links["DB0001"] is None and links["DB0003"] is None
        assert links["DB0002"] is not None and links["QS01"] is not None
        # The way to hand a delegate a link: reissue it, which revokes the one before.
        new = http.post(f"/api/meetings/{meeting}/participants/DB0004/reissue",
                        headers=bearer(secretary))
        assert new.status_code == 200, new.text
        assert new.json()["generation"] == 1 and new.json()["token"] != old
        again = http.get(f"/api/meetings/{meeting}", headers=bearer(old))
        assert (again.status_code, again.json()["error"]["code"]) == (401, "bad_token")
        assert http.get(f"/api/meetings/{meeting}",
                        headers=bearer(new.json()["token"])).status_code == 200
        # Removed and added back with the same id: no earlier link comes back to life.
        current = new.json()["token"]
        assert command(http, meeting, "participant.remove", {"id": "DB0004"},
                       secretary).status_code == 200
        assert command(http, meeting, "participant.add", {
            "id": "DB0004", "full_name": "Trần Thị Loan", "role": "delegate"},
            secretary).status_code == 200
        for token in (old, current):
            revived = http.get(f"/api/meetings/{meeting}", headers=bearer(token))
            assert (revived.status_code, revived.json()["error"]["code"]) == (401, "bad_token")
        log = http.get(f"/api/meetings/{meeting}/log.json", headers=admin_headers).json()
        assert {"id": "DB0004", "generation": 1} in [
            e["body"] for e in log["events"] if e["kind"] == "participant.reissued"]
    assert asyncio.run(close_code_of(server, meeting, current)) == (4001, "bad_token")


async def test_a_demoted_or_removed_participant_loses_the_open_socket_on_every_process(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    a, b = start_server(), start_server()
    meeting, people = make_meeting(a.base_url, admin_headers)
    # Both secretaries and a delegate are connected to process B; the changes go through A.
    demoted = Client(b.ws_url, meeting, token_of(people["DB0003"]))
    colleague = Client(b.ws_url, meeting, token_of(people["DB0002"]))
    delegate = Client(b.ws_url, meeting, token_of(people["DB0005"]))
    for client in (demoted, colleague, delegate):
        await client.connect()
    with httpx.Client(base_url=a.base_url, headers=admin_headers, timeout=20) as http:
        assert command(http, meeting, "participant.update",
                       {"id": "DB0003", "role": "observer"}).status_code == 200
        await demoted.wait_for(lambda: demoted.close_code is not None)
        assert demoted.close_code == 4003
        # A staff-only event after the change reaches the colleague, not the demoted one.
        added = command(http, meeting, "participant.add",
                        {"id": "NEW1", "full_name": "Người mới", "role": "delegate"})
        assert added.status_code == 200
        await colleague.wait_seq(added.json()["seq"])
        assert "participant.added" in colleague.kinds()
        assert "participant.added" not in demoted.kinds()
        assert command(http, meeting, "participant.remove", {"id": "DB0005"}).status_code == 200
    await delegate.wait_for(lambda: delegate.close_code is not None)
    assert delegate.close_code == 4001
    assert colleague.close_code is None
    await colleague.close()


def test_the_code_printed_on_the_badge_checks_in_at_the_desk_but_signs_nobody_in_at_a_seat(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    desk = token_of(people["DB0002"])
    with httpx.Client(base_url=server.base_url, timeout=20) as http:
        # At a seat: the typed code is refused, and says where it works.
        seat = http.post("/api/badge-login", json={"token": "DB0004"})
        assert seat.status_code == 401, seat.text
        assert seat.json()["error"]["details"]["reason"] == "typed_code"
        assert "desk or kiosk" in seat.json()["error"]["message"]
        # At the desk (or kiosk), as the screen says, "type the code on the badge".
        scanned = command(http, meeting, "checkin.scan", {"token": "db0004"}, desk)
        assert scanned.status_code == 200, scanned.text
        assert scanned.json()["result"]["participant"] == "DB0004"
        assert scanned.json()["result"]["full_name"] == "Trần Thị Loan"


async def test_a_paired_kiosk_checks_in_and_does_nothing_else(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    secretary = token_of(people["DB0002"])
    with httpx.Client(base_url=server.base_url, timeout=20) as http:
        paired = http.post(f"/api/meetings/{meeting}/devices", json={"kind": "kiosk"},
                           headers=bearer(secretary))
        assert paired.status_code == 200, paired.text
        kiosk = paired.json()["token"]
        assert paired.json()["participant"] == "KIOSK" and kiosk.split("~")[2][0] == "k"
        assert secretary.split("~")[1] not in kiosk.split("~")  # not the secretary's token
        # Over HTTP a device credential opens nothing: no roster, no links, no downloads.
        for path in ("/participants", "", "/attendance.json", "/log.json"):
            refused = http.get(f"/api/meetings/{meeting}{path}", headers=bearer(kiosk))
            assert (refused.status_code, refused.json()["error"]["code"]) == (401, "bad_token")
    device = Client(server.ws_url, meeting, kiosk)
    welcome = await device.connect()
    assert welcome["participant"]["id"] == "KIOSK"
    assert "participants" not in device.snapshots[-1]["state"]  # not a staff snapshot
    # Its job: check in by the code on the badge (or the badge's QR).
    ok = await device.command("checkin.scan", {"token": "DB0004"})
    assert ok["type"] == "ack" and ok["result"]["participant"] == "DB0004", ok
    for kind, body in (("participant.add", {"id": "X1", "full_name": "X", "role": "chair"}),
                       ("meeting.open", {}), ("checkin.manual", {"participant": "DB0005"})):
        answer = await device.command(kind, body)
        assert (answer["type"], answer["code"]) == ("error", "forbidden"), answer
    await device.close()
    # A hall screen's credential only reads.
    with httpx.Client(base_url=server.base_url, timeout=20) as http:
        screen = http.post(f"/api/meetings/{meeting}/devices", json={"kind": "screen"},
                           headers=bearer(secretary)).json()["token"]
        export = http.get(f"/api/meetings/{meeting}/attendance.csv", headers=admin_headers)
        # Paired devices attend nothing: not listed (as absent) in the attendance export.
        assert "KIOSK" not in export.text and "SEATS" not in export.text
        assert "DB0004" in export.text
    hall = Client(server.ws_url, meeting, screen)
    await hall.connect()
    answer = await hall.command("checkin.scan", {"token": "DB0005"})
    assert (answer["type"], answer["code"]) == ("error", "forbidden"), answer
    await hall.close()


def test_the_demo_prints_device_links_and_lists_no_device_as_absent(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    from server.demo import load_demo

    links = dict(asyncio.run(load_demo(settings)))
    devices = {
        label: links[label].rsplit("/j/", 1)[1].split("~")
        for label in ("Bàn điểm danh / Check-in kiosk (device)",
                      "Màn hình hội trường / Hall screen (device)",
                      "Máy tính bảng tại ghế / Seat tablet (device)")
    }
    # Participant and purpose + role letters, then the pairing code's nonce (16 hex digits).
    assert [(parts[1], parts[2][:2]) for parts in devices.values()] == [
        ("KIOSK", "ko"), ("SCREEN", "hh"), ("SEATS", "so")]
    assert all(re.fullmatch(r"[a-z]{2}[0-9]*-[0-9a-f]{16}", parts[2]) for parts in devices.values())
    meeting = links["Meeting id"]
    with TestClient(create_app(settings)) as client:
        export = client.get(f"/api/meetings/{meeting}/attendance.csv", headers=admin_headers)
        assert export.status_code == 200
        assert "KIOSK" not in export.text and "DB0004" in export.text
        listed = client.get(f"/api/meetings/{meeting}/attendance.json", headers=admin_headers)
        assert "KIOSK" not in listed.text
