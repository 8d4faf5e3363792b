"""Shared seat tablets (#15): the organiser's tablets lying at the seats, paired from the desk,
on which delegates of different sessions sign in with their badge. Real `run.py serve`
processes, real Redis.

A seat pairing code pairs one tablet, whose own session sends nothing; under the meeting setting
``badge_sign_in = seat_tablets`` a badge signs in only at such a tablet (a photo of the badge,
sent from anywhere else, is refused and changes nothing), and there it ends the delegate's other
session like any badge sign-in, the log saying where; reissuing ``SEATS`` unpairs every seat
tablet; attendance leaves ``SEATS`` out."""

from __future__ import annotations

from typing import Any, get_args

import httpx
import pytest
import redis

from protocol.kinds import CommandKind
from tests.conftest import ServerProcess, StartServer
from tests.security.test_device_sessions import exchange, session_of
from tests.security.test_identity import badge_photo_token, bearer, close_code_of, command
from tests.support import Client, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]


def pair_seat(server: ServerProcess, meeting: str, staff: str) -> str:
    """A seat tablet's pairing code, as the desk's "Pair a seat tablet" gets it."""
    paired = httpx.post(f"{server.base_url}/api/meetings/{meeting}/devices",
                        json={"kind": "seat"}, headers=bearer(staff), timeout=20)
    assert paired.status_code == 200, paired.text
    body: dict[str, Any] = paired.json()
    assert (body["kind"], body["participant"]) == ("seat", "SEATS")
    assert body["pair_qr"].startswith("data:image/svg+xml;base64,")
    return str(body["token"])


def badge_login(server: ServerProcess, badge: str, seat: str | None = None) -> httpx.Response:
    headers = bearer(seat) if seat else {}
    return httpx.post(f"{server.base_url}/api/badge-login", json={"token": badge},
                      headers=headers, timeout=20)


def reason_of(response: httpx.Response) -> tuple[int, str, str]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["details"].get("reason", "")


def set_badge_sign_in(http: httpx.Client, meeting: str, value: str) -> None:
    updated = command(http, meeting, "meeting.update", {"settings": {"badge_sign_in": value}})
    assert updated.status_code == 200, updated.text


async def test_a_seat_pairing_code_pairs_one_tablet_whose_session_sends_nothing(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    code = pair_seat(server, meeting, token_of(people["DB0002"]))
    made = session_of(server, code)
    assert made["purpose"] == "s" and made["session"].split("~")[2] == "So"
    assert made["participant"]["id"] == "SEATS" and made["participant"]["role"] == "observer"
    # The code pairs one tablet: a photo of the desk's QR pairs nothing more.
    assert reason_of(exchange(server, code)) == (401, "bad_token", "pairing_used")
    # Its session opens no HTTP route, and on the socket sends no command at all.
    refused = httpx.get(f"{server.base_url}/api/meetings/{meeting}/participants",
                        headers=bearer(made["session"]))
    assert (refused.status_code, refused.json()["error"]["code"]) == (401, "bad_token")
    tablet = Client(server.ws_url, meeting, made["session"])
    assert (await tablet.connect())["participant"]["id"] == "SEATS"
    for kind in get_args(CommandKind):
        answer = await tablet.command(kind, {"token": "DB0004"} if kind == "checkin.scan" else {})
        assert (answer["type"], answer["code"]) == ("error", "forbidden"), (kind, answer)
        assert "this device may not send" in answer["message"]
    await tablet.close()
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=20) as http:
        export = http.get(f"/api/meetings/{meeting}/attendance.csv")
        assert export.status_code == 200, export.text
        # The seat tablets attend nothing: not listed (as absent) in the attendance export.
        assert "SEATS" not in export.text and "DB0004" in export.text
        assert "SEATS" not in http.get(f"/api/meetings/{meeting}/attendance.json").text


async def test_under_seat_tablets_a_badge_signs_in_only_at_a_paired_seat_tablet(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    seat = session_of(server, pair_seat(server, meeting, token_of(people["DB0002"])))["session"]
    desk = Client(server.ws_url, meeting, token_of(people["DB0002"]))
    await desk.connect()
    # DB0004 followed the meeting on their own phone before sitting down.
    phone = Client(server.ws_url, meeting, session_of(server, token_of(people["DB0004"]))
                   ["session"])
    await phone.connect()
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=20) as http:
        set_badge_sign_in(http, meeting, "seat_tablets")
        badge = badge_photo_token(http, meeting, "DB0004")
        before = http.get(f"/api/meetings/{meeting}/log.json").json()["events"]
        # A photo of the badge, from anywhere but a seat tablet: refused, nothing in the log.
        refused = badge_login(server, badge)
        assert reason_of(refused) == (403, "forbidden", "not_a_seat_tablet")
        assert "session" not in refused.json()
        # Nor does another credential pass for a seat tablet's.
        assert reason_of(badge_login(server, badge, token_of(people["DB0002"]))) == \
            (401, "bad_token", "seat_unpaired")
        # The code printed on a badge stays refused at a seat tablet too.
        assert reason_of(badge_login(server, "DB0004", seat))[2] == "typed_code"
        assert http.get(f"/api/meetings/{meeting}/log.json").json()["events"] == before
        assert phone.close_code is None
        # At the seat tablet: signed in, the phone signed out, the desk told where.
        signed = badge_login(server, badge, seat)
        assert signed.status_code == 200, signed.text
        made = signed.json()
        assert made["participant"]["id"] == "DB0004" and made["purpose"] == "j"
        log = http.get(f"/api/meetings/{meeting}/log.json").json()["events"]
    await phone.wait_for(lambda: phone.close_code is not None)
    assert phone.close_code == 4001
    [event] = [e for e in log[len(before):] if e["kind"] == "participant.signed_in"]
    assert (event["body"]["id"], event["body"]["via"]) == ("DB0004", "seat")
    await desk.wait_for(lambda: any(e["kind"] == "participant.signed_in"
                                    and e["body"]["via"] == "seat" for e in desk.events))
    # The delegate's session is their own (not the tablet's): it opens DB0004's view, and
    # signing it out leaves the seat tablet paired for the next delegate.
    mine = Client(server.ws_url, meeting, made["session"])
    assert (await mine.connect())["participant"]["id"] == "DB0004"
    await mine.close()
    out = httpx.delete(f"{server.base_url}/api/sessions/current",
                       headers=bearer(made["session"]))
    assert out.status_code == 204, out.text
    assert await close_code_of(server, meeting, made["session"]) == (4001, "bad_token")
    assert badge_login(server, badge, seat).status_code == 200
    await desk.close()


async def test_under_the_other_settings_a_seat_tablet_signs_in_as_a_badge_does(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    seat = session_of(server, pair_seat(server, meeting, token_of(people["DB0002"])))["session"]
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=20) as http:
        badge = badge_photo_token(http, meeting, "DB0004")
        # checked_in (the default): not checked in at the desk, refused at the seat too.
        assert reason_of(badge_login(server, badge, seat))[2] == "not_checked_in"
        assert command(http, meeting, "checkin.manual", {"participant": "DB0004"}) \
            .status_code == 200
        assert badge_login(server, badge, seat).status_code == 200
        set_badge_sign_in(http, meeting, "open")
        other = badge_photo_token(http, meeting, "DB0005")
        assert badge_login(server, other, seat).status_code == 200
        assert badge_login(server, other).status_code == 200
        log = http.get(f"/api/meetings/{meeting}/log.json").json()["events"]
    vias = [e["body"]["via"] for e in log if e["kind"] == "participant.signed_in"]
    assert vias == ["seat", "seat", "badge"]


async def test_reissuing_seats_unpairs_every_seat_tablet(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    a, b = start_server(), start_server()
    meeting, people = make_meeting(a.base_url, admin_headers)
    secretary = token_of(people["DB0002"])
    # Two tablets, paired one after the other: the second pairing leaves the first paired.
    # Both codes are asked for back to back (one click after the other, usually in the same
    # second; test_device_sessions.py pins the same second): each is its own code (a nonce,
    # server/auth.py) and pairs one tablet.
    codes = [pair_seat(a, meeting, secretary), pair_seat(b, meeting, secretary)]
    assert codes[0] != codes[1]
    first = session_of(a, codes[0])["session"]
    second = session_of(b, codes[1])["session"]
    for code in codes:
        assert reason_of(exchange(a, code)) == (401, "bad_token", "pairing_used")
    tablets = [Client(b.ws_url, meeting, first), Client(a.ws_url, meeting, second)]
    for tablet in tablets:
        assert (await tablet.connect())["participant"]["id"] == "SEATS"
    with httpx.Client(base_url=a.base_url, headers=admin_headers, timeout=20) as http:
        set_badge_sign_in(http, meeting, "seat_tablets")
        badge = badge_photo_token(http, meeting, "DB0004")
        assert badge_login(b, badge, first).status_code == 200
        reissued = http.post(f"/api/meetings/{meeting}/participants/SEATS/reissue")
        assert reissued.status_code == 200, reissued.text
    for tablet in tablets:
        await tablet.wait_for(lambda t=tablet: t.close_code is not None)
        assert tablet.close_code == 4001
    for server, session in ((a, first), (b, second), (b, first)):
        assert reason_of(badge_login(server, badge, session)) == \
            (401, "bad_token", "seat_unpaired")
        assert await close_code_of(server, meeting, session) == (4001, "bad_token")
    # Paired again from the desk, a tablet signs in again.
    again = session_of(a, pair_seat(a, meeting, secretary))["session"]
    assert badge_login(b, badge, again).status_code == 200
