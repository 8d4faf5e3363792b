"""clients/python/phonghop_client.py drives a whole meeting against a real run.py server:
roster, check-in, a secret election with retried and replayed ballots and a dropped tablet
that resumes, the result, and the minutes."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx
import pytest
import redis

from clients.python.phonghop_client import (
    PROTOCOL_VERSION,
    ConnectionRefused,
    MeetingClient,
    Rejected,
)
from protocol.version import SUPPORTED_VERSIONS
from rooms.polls import receipt_hash

pytestmark = [pytest.mark.redis]

ROSTER = "\n".join([
    "code,full_name,role,weight",
    "C1,Nguyễn Văn Chủ,chair,1",
    "S1,Trần Thị Thư,secretary,1",
    *[f"V{i},Đại biểu {i},delegate,1" for i in range(1, 6)],
]) + "\n"


def _setup(base_url: str, admin: dict[str, str]) -> tuple[str, dict[str, str]]:
    with httpx.Client(base_url=base_url, headers=admin, timeout=30) as http:
        resp = http.post("/api/meetings", json={"title": "Đại hội chi bộ"})
        assert resp.status_code == 201, resp.text
        meeting = resp.json()["id"]
        resp = http.post(f"/api/meetings/{meeting}/roster", content=ROSTER.encode())
        assert resp.status_code == 200, resp.text
        people = http.get(f"/api/meetings/{meeting}/participants").json()["participants"]
    return meeting, {p["id"]: p["join_url"].rsplit("/j/", 1)[1] for p in people}


async def test_a_whole_meeting_through_the_python_client(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, tokens = _setup(server.base_url, admin_headers)
    chair = MeetingClient(server.ws_url, meeting, tokens["C1"])
    delegates = {
        v: MeetingClient(server.ws_url, meeting, tokens[v], codec="json" if n % 2 else "msgpack")
        for n, v in enumerate(["V1", "V2", "V3", "V4"])
    }
    async with contextlib.AsyncExitStack() as stack:
        for client in (chair, *delegates.values()):
            stack.push_async_callback(client.close)
        await chair.connect()
        assert chair.participant["role"] == "chair"
        assert {p["id"] for p in chair.state["participants"]} >= {"C1", "V5"}
        await chair.command("meeting.open")
        for client in delegates.values():
            await client.connect()
            await client.command("checkin.self", {"device": f"tablet-{client.participant['id']}"})
        await chair.wait_event("attendance.checked_in", participant="V4")

        # A command id sent twice is applied once.
        created = await chair.command("poll.create", {
            "id": "e1", "title": "Bầu Ban chấp hành", "method": "approval",
            "candidates": ["Lê A", "Phạm B", "Hồ C"], "seats": 2, "secret": True,
            "rule": "more than 1/2 of valid ballots",
        }, command_id="create-e1")
        again = await chair.command("poll.create", {"id": "e1", "title": "x",
                                                    "method": "approval"},
                                    command_id="create-e1")
        assert created["poll"] == "e1" and again.get("replayed") is True
        await chair.command("poll.open", {"poll": "e1"})
        await delegates["V1"].wait_event("poll.opened", poll="e1")

        receipts = await _vote(delegates)
        with pytest.raises(Rejected) as refused:
            await delegates["V1"].command("poll.close", {"poll": "e1"})
        assert refused.value.code == "forbidden"

        closed = await chair.command("poll.close", {"poll": "e1"})
        assert closed["counts"]["ballots"] == 4 and "outcome" not in closed
        staff_view = await chair.wait_event("poll.closed", poll="e1")
        assert staff_view["body"]["outcome"]["elected"] == ["o1", "o2"]
        await chair.command("poll.publish", {"poll": "e1"})
        published = await delegates["V2"].wait_event("poll.published", poll="e1")
        assert published["body"]["result"]["winners"] == ["o1", "o2"]
        assert published["body"]["receipts_digest"] == closed["receipts_digest"]
        await chair.command("meeting.close")
        for client in delegates.values():
            await client.wait_event("meeting.closed")
            seqs = [e["seq"] for e in client.events]
            assert seqs == sorted(set(seqs)), "an event applied twice or out of order"

    with httpx.Client(base_url=server.base_url, timeout=30,
                      headers={"Authorization": f"Bearer {tokens['C1']}"}) as http:
        poll = http.get(f"/api/meetings/{meeting}/polls/e1").json()
        assert {receipt_hash(r) for r in receipts.values()} == set(poll["receipts"])
        minutes = http.get(f"/api/meetings/{meeting}/minutes.json")
        assert minutes.status_code == 200, minutes.text
        record = minutes.json()
    assert record["status"] == "final"
    # Four delegates checked in by their tablets, and the chair, who never checked in but
    # ran the meeting, counts as present in the minutes.
    assert (record["attendance"]["entitled"], record["attendance"]["present"]) == (7, 5)
    (election,) = record["polls"]
    assert election["title"] == "Bầu Ban chấp hành" and election["secret"] is True
    assert (election["cast"], election["valid"]) == (4, 4)
    assert election["outcome"]["elected"] == ["o1", "o2"]
    assert election["receipts_digest"] == closed["receipts_digest"]


async def _vote(delegates: dict[str, MeetingClient]) -> dict[str, str]:
    """V1-V3 elect candidates 1 and 2, V4 candidates 1 and 3; V1 sends its ballot twice with
    one ballot id; V3 loses its connection first and resumes. Returns each voter's receipt."""
    choices = {"V1": ["o1", "o2"], "V2": ["o1", "o2"], "V3": ["o1", "o2"], "V4": ["o1", "o3"]}
    await delegates["V3"].drop()
    receipts: dict[str, str] = {}
    for voter, client in delegates.items():
        ack = await client.cast_ballot("e1", choices[voter], ballot_id=f"ballot-{voter}")
        receipts[voter] = ack["receipt"]
    again = await delegates["V1"].cast_ballot("e1", choices["V1"], ballot_id="ballot-V1")
    assert again["replayed"] is True and again["receipt"] == receipts["V1"]
    with pytest.raises(Rejected) as changed:  # the same ballot id with another choice
        await delegates["V1"].cast_ballot("e1", ["o3"], ballot_id="ballot-V1")
    assert changed.value.code == "conflict"
    with pytest.raises(Rejected) as second:
        await delegates["V2"].cast_ballot("e1", ["o3"])
    assert second.value.code == "duplicate"
    return receipts


async def test_token_refusals_are_typed_and_final(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    """As docs/protocol.md §5 says: a token that does not verify closes with 4001, an empty
    one is a malformed hello (bad_field, 1002); the client raises and does not retry."""
    server = start_server()
    meeting, tokens = _setup(server.base_url, admin_headers)
    forged = tokens["V1"][:-4] + ("AAAA" if not tokens["V1"].endswith("AAAA") else "BBBB")
    for token, code, close_code in ((forged, "bad_token", 4001), ("", "bad_field", 1002)):
        client = MeetingClient(server.ws_url, meeting, token, codec="json")
        with pytest.raises(ConnectionRefused) as refused:
            await client.connect()
        assert (refused.value.code, refused.value.close_code) == (code, close_code)
        await client.close()


async def test_the_protocol_version_is_announced_and_checked(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    """The client says the version it speaks in hello; the server takes the supported ones and
    refuses another with unsupported_version (details: the versions it speaks), close 1002."""
    server = start_server()
    meeting, tokens = _setup(server.base_url, admin_headers)
    async with MeetingClient(server.ws_url, meeting, tokens["V1"], codec="json") as client:
        assert client.version == PROTOCOL_VERSION == 1
        assert client.participant["id"] == "V1"
    newer = MeetingClient(server.ws_url, meeting, tokens["V1"], codec="json", version=2)
    with pytest.raises(ConnectionRefused) as refused:
        await newer.connect()
    assert (refused.value.code, refused.value.close_code) == ("unsupported_version", 1002)
    assert refused.value.details == {"supported": list(SUPPORTED_VERSIONS)}
    with pytest.raises(ConnectionRefused):  # final: the client does not try again
        await newer.command("speakers.request")
    await newer.close()
