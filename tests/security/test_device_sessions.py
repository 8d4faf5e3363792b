"""Join links and pairing codes exchanged once for a device session (#14, "Sessions instead of
bearer badges"): real `run.py serve` processes, real Redis (one test in-process, on a clock
that stands still).

The session opens the socket and the API; Redis holds no credential; a reissue, a removal, a
role change or signing out ends it; a delegate's second device ends the first one's voting
session and the desk and the log are told; a pairing code pairs one device."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import redis
from starlette.testclient import TestClient

from server.app import create_app
from server.clock import ManualClock
from server.config import Settings
from tests.conftest import ServerProcess, StartServer
from tests.security.test_identity import badge_photo_token, bearer, close_code_of, command
from tests.support import Client, demo_roster, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]


def exchange(server: ServerProcess, token: str) -> httpx.Response:
    return httpx.post(f"{server.base_url}/api/sessions", json={"token": token}, timeout=20)


def session_of(server: ServerProcess, token: str) -> dict[str, Any]:
    made = exchange(server, token)
    assert made.status_code == 200, made.text
    body: dict[str, Any] = made.json()
    return body


def every_stored_text(db: redis.Redis) -> str:
    """Every key and every value of the database, as one text to search."""
    out: list[str] = []
    for key in db.scan_iter(count=1000):
        out.append(key.decode())
        found = db.type(key)
        kind = found.decode() if isinstance(found, bytes) else found
        if kind == "string":
            out.append(repr(db.get(key)))
        elif kind == "hash":
            out.append(repr(db.hgetall(key)))
        elif kind == "stream":
            out.append(repr(db.xrange(key)))
        elif kind in ("set", "zset", "list"):
            out.append(repr(db.sort(key, alpha=True) if kind != "zset" else db.zrange(key, 0, -1)))
    return "\n".join(out)


async def test_a_join_link_is_exchanged_for_a_device_session_and_redis_keeps_no_credential(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    link = token_of(people["DB0002"])
    # Opening the link changes nothing: the exchange is a POST, a GET of it is refused.
    assert httpx.get(f"{server.base_url}/api/sessions").status_code == 405
    joined = httpx.get(f"{server.base_url}/j/{link}")
    assert (joined.status_code, joined.headers["location"]) == (302, f"/app/#t={link}")
    made = session_of(server, link)
    session = made["session"]
    assert made["participant"]["id"] == "DB0002" and made["purpose"] == "j"
    # Not derived from the link: random, with an uppercase purpose letter.
    assert session.split("~")[:2] == [meeting, "DB0002"] and session.split("~")[2] == "Js"
    assert link.split("~")[4] not in session and session != session_of(server, link)["session"]
    # It opens the socket and the API.
    desk = Client(server.ws_url, meeting, session)
    assert (await desk.connect())["participant"]["id"] == "DB0002"
    listed = httpx.get(f"{server.base_url}/api/meetings/{meeting}/participants",
                       headers=bearer(session))
    assert listed.status_code == 200, listed.text
    # Redis holds a keyed hash of it, never the credential or its secret.
    stored = every_stored_text(redis_db)
    assert session not in stored and session.split("~")[4] not in stored
    assert f"ph:{{{meeting}}}:dsession:" in stored
    # Signing out ends it, on the socket too the next time it opens.
    out = httpx.delete(f"{server.base_url}/api/sessions/current", headers=bearer(session))
    assert out.status_code == 204, out.text
    assert await close_code_of(server, meeting, session) == (4001, "bad_token")
    again = httpx.get(f"{server.base_url}/api/meetings/{meeting}", headers=bearer(session))
    assert (again.status_code, again.json()["error"]["code"]) == (401, "bad_token")
    await desk.close()


async def test_a_reissue_a_removal_or_a_role_change_ends_device_sessions(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    tablet = Client(server.ws_url, meeting, session_of(server, token_of(people["DB0004"]))
                    ["session"])
    secretary = Client(server.ws_url, meeting, session_of(server, token_of(people["DB0003"]))
                       ["session"])
    removed = Client(server.ws_url, meeting, session_of(server, token_of(people["DB0005"]))
                     ["session"])
    for client in (tablet, secretary, removed):
        await client.connect()
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=20) as http:
        assert http.post(f"/api/meetings/{meeting}/participants/DB0004/reissue").status_code \
            == 200
        assert command(http, meeting, "participant.update",
                       {"id": "DB0003", "role": "observer"}).status_code == 200
        assert command(http, meeting, "participant.remove", {"id": "DB0005"}).status_code == 200
    for client, code in ((tablet, 4001), (secretary, 4003), (removed, 4001)):
        await client.wait_for(lambda c=client: c.close_code is not None)
        assert client.close_code == code
        # Nor does the session open a socket again.
        assert (await close_code_of(server, meeting, client.token))[0] in (4001, 4003)


async def test_a_second_device_ends_the_delegates_first_voting_session_and_tells_the_desk(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    a, b = start_server(), start_server()
    meeting, people = make_meeting(a.base_url, admin_headers)
    link = token_of(people["DB0004"])
    desk = Client(b.ws_url, meeting, session_of(a, token_of(people["DB0002"]))["session"])
    await desk.connect()
    first = session_of(a, link)["session"]
    tablet = Client(b.ws_url, meeting, first)
    await tablet.connect()
    # The delegate's plain link no longer opens a voting session beside the device's.
    assert await close_code_of(a, meeting, link) == (4001, "bad_token")
    # The same link opened on a phone: the phone votes now, the tablet (on another process)
    # is signed out and told; the desk sees it in the log.
    second = session_of(a, link)
    await tablet.wait_for(lambda: tablet.close_code is not None)
    assert tablet.close_code == 4001
    assert "another device" in tablet.errors[-1]["message"]
    await desk.wait_for(lambda: desk.kinds().count("participant.signed_in") == 2)
    bodies = [e["body"] for e in desk.events if e["kind"] == "participant.signed_in"]
    assert [(x["id"], x["via"]) for x in bodies] == [("DB0004", "link")] * 2
    assert len({x["session"] for x in bodies}) == 2 and "generation" not in bodies[1]
    assert first not in json.dumps(bodies) and second["session"] not in json.dumps(bodies)
    assert await close_code_of(a, meeting, first) == (4001, "bad_token")
    phone = Client(a.ws_url, meeting, second["session"])
    assert (await phone.connect())["participant"]["id"] == "DB0004"
    with httpx.Client(base_url=a.base_url, headers=admin_headers, timeout=20) as http:
        log = http.get(f"/api/meetings/{meeting}/log.json").json()["events"]
        assert [e["kind"] for e in log].count("participant.signed_in") == 2
        chair = token_of(people["DB0001"])
        assert command(http, meeting, "meeting.open", {}, chair).status_code == 200
        assert command(http, meeting, "checkin.manual", {"participant": "DB0004"}).status_code \
            == 200
        created = command(http, meeting, "poll.create", {
            "id": "p1", "title": "Thông qua", "method": "yes_no_abstain", "secret": True,
            "rule": "more than 1/2 of delegates present"}, chair)
        poll = created.json()["result"]["poll"]
        opened = command(http, meeting, "poll.open", {"poll": poll}, chair)
        assert opened.status_code == 200, opened.text
    cast = await phone.command("ballot.cast", {"poll": poll, "choice": "yes", "ballot_id": "b-1"})
    assert cast["type"] == "ack", cast
    # Staff are not one-device: the secretary's desk stayed open throughout.
    assert desk.close_code is None
    await phone.close()
    await desk.close()


async def test_a_pairing_code_pairs_one_kiosk_that_only_checks_in(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    secretary = token_of(people["DB0002"])
    paired = httpx.post(f"{server.base_url}/api/meetings/{meeting}/devices",
                        json={"kind": "kiosk"}, headers=bearer(secretary), timeout=20).json()
    assert paired["pair_qr"].startswith("data:image/svg+xml;base64,")
    code = paired["token"]
    made = session_of(server, code)
    assert made["purpose"] == "k" and made["session"].split("~")[2] == "Ko"
    # The code pairs one device: a photo of the desk's QR pairs nothing more.
    used = exchange(server, code)
    assert (used.status_code, used.json()["error"]["details"]["reason"]) == (401, "pairing_used")
    # The kiosk's session opens no HTTP route, and on the socket does only its job.
    refused = httpx.get(f"{server.base_url}/api/meetings/{meeting}/participants",
                        headers=bearer(made["session"]))
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "bad_token")
    kiosk = Client(server.ws_url, meeting, made["session"])
    assert (await kiosk.connect())["participant"]["id"] == "KIOSK"
    ok = await kiosk.command("checkin.scan", {"token": "DB0004"})
    assert ok["type"] == "ack", ok
    answer = await kiosk.command("meeting.open", {})
    assert (answer["type"], answer["code"]) == ("error", "forbidden")
    await kiosk.close()
    # A badge is not a join link: it is not exchanged here (POST /api/badge-login is its way).
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=20) as http:
        badge = badge_photo_token(http, meeting, "DB0005")
    refused = exchange(server, badge)
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "bad_token")


def test_two_pairing_codes_asked_for_in_the_same_second_pair_two_devices(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    # The clock stands still: every code below is asked for in the same second, as when a
    # secretary clicks "Pair a seat tablet" twice quickly.
    with TestClient(create_app(settings, ManualClock())) as http:
        meeting = http.post("/api/meetings", json={"title": "T"}, headers=admin_headers) \
            .json()["id"]
        assert http.post(f"/api/meetings/{meeting}/roster", content=demo_roster(),
                         headers=admin_headers).status_code == 200
        people = http.get(f"/api/meetings/{meeting}/participants", headers=admin_headers) \
            .json()["participants"]
        secretary = token_of(next(p for p in people if p["id"] == "DB0002"))
        for kind, purpose in (("seat", "s"), ("kiosk", "k"), ("screen", "h")):
            paired = [http.post(f"/api/meetings/{meeting}/devices", json={"kind": kind},
                                headers=bearer(secretary)).json() for _ in range(2)]
            assert paired[0]["expires"] == paired[1]["expires"]
            codes = [p["token"] for p in paired]
            assert codes[0] != codes[1] and paired[0]["pair_url"] != paired[1]["pair_url"]
            # Both pair a device: two sessions of the device's purpose.
            made = [http.post("/api/sessions", json={"token": code}) for code in codes]
            assert [m.status_code for m in made] == [200, 200], [m.text for m in made]
            assert [m.json()["purpose"] for m in made] == [purpose, purpose]
            sessions = {m.json()["session"] for m in made}
            assert len(sessions) == 2
            # Each pairs one device only.
            for code in codes:
                used = http.post("/api/sessions", json={"token": code})
                assert (used.status_code, used.json()["error"]["details"]["reason"]) == \
                    (401, "pairing_used")
            # Both sessions are live: each opens the socket as the device participant.
            for session in sessions:
                with http.websocket_connect(f"/ws/{meeting}",
                                            subprotocols=["phonghop.v1.json"]) as ws:
                    ws.send_text(json.dumps({"v": 1, "type": "hello", "token": session}))
                    welcome = json.loads(ws.receive_text())
                    assert welcome["type"] == "welcome", welcome
                    assert welcome["participant"]["id"] == paired[0]["participant"]
