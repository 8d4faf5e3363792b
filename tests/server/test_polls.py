"""Polls through the real app and a real Redis (TestClient): the lifecycle, ballots with
receipts and retries, every bad ballot refused with nothing counted, the Redis status kept
in step with the log, the timer, and receipts checked against the published result."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from starlette.applications import Starlette
from starlette.testclient import TestClient

from rooms.polls import receipt_hash
from server.app import create_app
from server.config import Settings
from server.poll_keys import PollKeyMissing, PollKeys
from server.runtime import Runtime
from tests.redis_bytes import hash_of

pytestmark = pytest.mark.redis

ROSTER = """code,full_name,role,weight
C1,Chủ tọa,chair,1
S1,Thư ký,secretary,1
D1,Đại biểu Một,delegate,1
D2,Đại biểu Hai,delegate,2
D3,Đại biểu Ba,delegate,1
D4,Đại biểu Bốn,delegate,1
D5,Đại biểu Năm,delegate,1
O1,Khách mời,observer,1
H1,Màn hình,screen,1
"""


class Meeting:
    def __init__(self, client: TestClient, admin: dict[str, str]) -> None:
        self.client = client
        self.admin = admin
        resp = client.post("/api/meetings", json={"title": "Hội nghị"}, headers=admin)
        assert resp.status_code == 201, resp.text
        self.id = resp.json()["id"]
        assert client.post(f"/api/meetings/{self.id}/roster", content=ROSTER.encode(),
                           headers=admin).status_code == 200
        people = client.get(f"/api/meetings/{self.id}/participants", headers=admin).json()
        self.tokens = {p["id"]: p["join_url"].rsplit("/j/", 1)[1]
                       for p in people["participants"]}

    def send(self, who: str, kind: str, body: dict[str, Any] | None = None,
             cid: str | None = None) -> tuple[int, dict[str, Any]]:
        headers = self.admin if who == "admin" else {
            "Authorization": f"Bearer {self.tokens[who]}"}
        payload: dict[str, Any] = {"kind": kind, "body": body or {}}
        if cid:
            payload["id"] = cid
        resp = self.client.post(f"/api/meetings/{self.id}/commands", json=payload,
                                headers=headers)
        return resp.status_code, resp.json()

    def ok(self, who: str, kind: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        status, data = self.send(who, kind, body)
        assert status == 200, (kind, data)
        result: dict[str, Any] = data["result"]
        return result

    def get(self, who: str, path: str) -> tuple[int, dict[str, Any]]:
        headers = self.admin if who == "admin" else {
            "Authorization": f"Bearer {self.tokens[who]}"}
        resp = self.client.get(f"/api/meetings/{self.id}{path}", headers=headers)
        return resp.status_code, resp.json()

    def log(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.client.get(
            f"/api/meetings/{self.id}/log.json", headers=self.admin).json()["events"]
        return events

    def start(self, present: tuple[str, ...] = ("C1", "S1", "D1", "D2", "D3")) -> None:
        self.ok("C1", "meeting.open")
        for pid in present:
            self.ok("S1", "checkin.manual", {"participant": pid})


@pytest.fixture
def meeting(settings: Settings, admin_headers: dict[str, str]) -> Iterator[Meeting]:
    with TestClient(create_app(settings)) as client:
        yield Meeting(client, admin_headers)


def vote(m: Meeting, who: str, choice: Any, ballot_id: str, poll: str = "p1",
         **extra: Any) -> tuple[int, dict[str, Any]]:
    return m.send(who, "ballot.cast", {"poll": poll, "choice": choice, "ballot_id": ballot_id,
                                       **extra})


YNA = {"id": "p1", "title": "Thông qua Nghị quyết", "method": "yes_no_abstain",
       "rule": "more than 1/2 of all delegates"}


def test_a_named_vote_from_opening_to_published_receipts(
    meeting: Meeting, redis_db: redis.Redis
) -> None:
    m = meeting
    m.start()
    m.ok("S1", "proxy.grant", {"from": "D4", "to": "D2"})
    assert m.ok("C1", "poll.create", YNA) == {"poll": "p1"}
    m.ok("C1", "poll.open", {"poll": "p1"})
    assert redis_db.hget(f"ph:{{{m.id}}}:polls", "p1") == b"open"

    first = m.ok("D1", "ballot.cast", {"poll": "p1", "choice": "yes", "ballot_id": "t1-a"})
    receipt = first["receipt"]
    assert first["receipt_hash"] == receipt_hash(receipt) and first["voter"] == "D1"
    # A retry (new command id, same ballot id) is the same ballot: same receipt, once.
    status, again = vote(m, "D1", "yes", "t1-a")
    assert status == 200 and again["result"]["receipt"] == receipt
    assert again["result"]["replayed"] is True
    # A second ballot is refused, whatever it says.
    status, err = vote(m, "D1", "no", "t1-b")
    assert (status, err["error"]["code"]) == (409, "duplicate")
    # The same ballot id with another choice is not a retry.
    status, err = vote(m, "D1", "no", "t1-a")
    assert (status, err["error"]["code"]) == (409, "conflict")

    proxy = m.ok("D2", "ballot.cast", {"poll": "p1", "choice": "yes", "ballot_id": "t2-p",
                                        "on_behalf_of": "D4"})
    own = m.ok("D2", "ballot.cast", {"poll": "p1", "choice": "no", "ballot_id": "t2-a"})
    assert proxy["voter"] == "D4" and own["voter"] == "D2"
    assert proxy["receipt"] != own["receipt"]

    refused = {
        "not checked in": vote(m, "D5", "yes", "x5"),
        "observer": vote(m, "O1", "yes", "xo"),
        "screen": vote(m, "H1", "yes", "xh"),
        "no proxy": vote(m, "D3", "yes", "x3", on_behalf_of="D5"),
        "represented": vote(m, "D4", "yes", "x4"),
        "unknown option": vote(m, "D3", "maybe", "x3b"),
        "unknown poll": vote(m, "D3", "yes", "x3c", poll="nope"),
    }
    codes = {why: (status, body["error"]["code"]) for why, (status, body) in refused.items()}
    assert codes == {
        "not checked in": (403, "forbidden"), "observer": (403, "forbidden"),
        "screen": (403, "forbidden"), "no proxy": (403, "forbidden"),
        "represented": (403, "forbidden"), "unknown option": (422, "invalid"),
        "unknown poll": (404, "not_found"),
    }
    assert redis_db.hlen(f"ph:{{{m.id}}}:poll:p1:ballots") == 3  # D1, D2, D4: nothing else

    closed = m.ok("C1", "poll.close", {"poll": "p1"})
    assert redis_db.hget(f"ph:{{{m.id}}}:polls", "p1") == b"closed"
    status, err = vote(m, "D3", "yes", "late")
    assert (status, err["error"]["code"]) == (409, "invalid_state")
    assert "nothing was counted" in err["error"]["message"] or "closed" in err["error"]["message"]
    # 7 entitled (C1, S1, D1-D5), weight 8: yes = D1 (1) + D4 (1) = 2 of 8 — fails.
    result = closed["result"]
    assert result["entitled"] == {"count": 7, "weight": "8"}
    yes = result["options"][0]
    assert (yes["count"], yes["weight"], yes["percent_of_base"]) == (2, "2", "25.00")
    assert result["passed"] is False

    [event] = [e for e in m.log() if e["kind"] == "poll.closed"]
    assert event["body"]["ballots"] == [
        {"voter": "D1", "choice": "yes", "weight": "1"},
        {"voter": "D2", "choice": "no", "weight": "2"},
        {"voter": "D4", "choice": "yes", "weight": "1", "by": "D2"},
    ]
    # Before publication a delegate sees that it closed, not how.
    status, seen = m.get("D1", "/polls/p1")
    assert status == 200 and "result" not in seen and "receipts" not in seen
    status, err = m.get("D1", f"/polls/p1/receipts/{receipt}")
    assert status == 409

    m.ok("C1", "poll.publish", {"poll": "p1"})
    status, seen = m.get("D1", "/polls/p1")
    assert status == 200 and seen["status"] == "published"
    assert receipt_hash(receipt) in seen["receipts"]  # checked on the tablet, by hash
    assert sorted(seen["receipts"]) == seen["receipts"]
    status, check = m.get("D1", f"/polls/p1/receipts/{receipt}")
    assert check["counted"] is True
    status, check = m.get("D1", f"/polls/p1/receipts/{receipt_hash('made-up')}")
    assert check["counted"] is False


def test_a_changed_vote_overwrites_where_allowed_and_old_retries_do_not_undo_it(
    meeting: Meeting, redis_db: redis.Redis
) -> None:
    m = meeting
    m.start()
    m.ok("C1", "poll.create", {**YNA, "allow_change": True})
    m.ok("C1", "poll.open", {"poll": "p1"})
    first = m.ok("D1", "ballot.cast", {"poll": "p1", "choice": "no", "ballot_id": "a"})
    second = m.ok("D1", "ballot.cast", {"poll": "p1", "choice": "yes", "ballot_id": "b"})
    assert second["replaced"] == "a" and second["receipt"] != first["receipt"]
    # The first ballot, retried late, must not overwrite the change.
    status, err = vote(m, "D1", "no", "a")
    assert (status, err["error"]["code"]) == (409, "duplicate")
    stored = json.loads(redis_db.hget(f"ph:{{{m.id}}}:poll:p1:ballots", "D1") or b"{}")
    assert (stored["c"], stored["b"], stored["old"]) == ("yes", "b", ["a"])
    closed = m.ok("C1", "poll.close", {"poll": "p1"})
    assert closed["result"]["options"][0]["count"] == 1
    m.ok("C1", "poll.publish", {"poll": "p1"})
    _, seen = m.get("D1", "/polls/p1")
    assert seen["receipts"] == [second["receipt_hash"]]


def test_a_secret_election_counts_without_storing_choices_by_voter(
    meeting: Meeting, redis_db: redis.Redis, server_key_file: Path
) -> None:
    m = meeting
    m.start(("C1", "S1", "D1", "D2", "D3", "D4"))
    m.ok("C1", "poll.create", {"id": "e1", "title": "Bầu", "method": "approval", "secret": True,
                               "candidates": ["An", "Bình", "Chi"], "seats": 2,
                               "rule": "more than 1/2 of valid ballots"})
    status, err = m.send("C1", "poll.create", {"id": "e2", "title": "x", "method": "approval",
                                               "secret": True, "candidates": ["A", "B"],
                                               "seats": 1, "allow_change": True})
    assert (status, err["error"]["code"]) == (422, "invalid")
    m.ok("C1", "poll.open", {"poll": "e1"})
    choices = {"C1": ["o1"], "S1": ["o1", "o2"], "D1": ["o2", "o3"], "D2": [],
               "D3": "abstain", "D4": ["o1", "o3"]}
    receipts = {}
    for who, choice in choices.items():
        receipts[who] = m.ok(who, "ballot.cast", {"poll": "e1", "choice": choice,
                                                   "ballot_id": f"s-{who}"})["receipt"]
    again = m.ok("D1", "ballot.cast", {"poll": "e1", "choice": ["o2", "o3"], "ballot_id": "s-D1"})
    assert again["receipt"] == receipts["D1"] and again["replayed"]
    # The same ballot id with another choice: the tablet must not show "cast" for it.
    status, err = vote(m, "D1", ["o1"], "s-D1", poll="e1")
    assert (status, err["error"]["code"]) == (409, "conflict")
    status, err = vote(m, "D1", ["o1"], "s-D1-again", poll="e1")
    assert (status, err["error"]["code"]) == (409, "duplicate")
    status, err = vote(m, "D2", ["o1", "o2", "o3"], "too-many", poll="e1")
    assert (status, err["error"]["details"]["reason"]) == (422, "too_many_choices")

    prefix = f"ph:{{{m.id}}}:poll:e1:"
    assert redis_db.hgetall(prefix + "voters") == {p.encode(): b"1" for p in choices}
    assert not redis_db.exists(prefix + "box") and not redis_db.exists(prefix + "receipts")
    sealed = hash_of(redis_db, prefix + "sealed")
    assert set(sealed) == {p.encode() for p in choices}
    assert len({len(v) for v in sealed.values()}) == 1  # one length, whatever the choice
    for value in sealed.values():
        # The words as the plain record spells them (quoted, 4 bytes or more): a bare b"o1"
        # turns up in random ciphertext about once in 25 runs of this test.
        words = (b'"o1"', b'"o2"', b'"o3"', b'"abstain"', b'"c":')
        assert not any(word in value for word in words)
    # Only the poll's own key (a file outside Redis) opens them, and each is the voter's ballot.
    sealer = PollKeys(server_key_file.parent / "polls")
    context = f"phonghop ballot|{m.id}|e1".encode()
    opened = {v.decode(): json.loads(sealer.open(c, context=context)) for v, c in sealed.items()}
    assert {v: rec["c"] for v, rec in opened.items()} == choices
    assert opened["D2"]["w"] == "2"  # D2 weighs 2: its blank ballot is counted under weight 2

    closed = m.ok("C1", "poll.close", {"poll": "e1"})
    # 6 valid ballots, weight 7; An 3 (of 7 weight: not more than half) — nobody elected.
    assert closed["result"]["valid"] == {"count": 6, "weight": "7"}
    assert closed["result"]["winners"] == []
    [event] = [e for e in m.log() if e["kind"] == "poll.closed"]
    assert "ballots" not in event["body"]
    assert event["body"]["voted"] == sorted(choices)
    assert not redis_db.exists(prefix + "sealed")  # counted, then gone
    # And so is the poll's key: the ciphertexts an old AOF or backup holds open no more.
    with pytest.raises(PollKeyMissing):
        PollKeys(server_key_file.parent / "polls").open(next(iter(sealed.values())),
                                                        context=context)
    m.ok("C1", "poll.publish", {"poll": "e1"})
    _, seen = m.get("D3", "/polls/e1")
    assert sorted(receipt_hash(r) for r in receipts.values()) == seen["receipts"]


def test_a_close_whose_poll_key_is_missing_is_refused_and_counts_nothing(
    meeting: Meeting, redis_db: redis.Redis, server_key_file: Path
) -> None:
    m = meeting
    m.start()
    m.ok("C1", "poll.create", {"id": "e1", "title": "Bầu", "method": "approval", "secret": True,
                               "candidates": ["An", "Bình"], "seats": 1})
    m.ok("C1", "poll.open", {"poll": "e1"})
    m.ok("D1", "ballot.cast", {"poll": "e1", "choice": ["o1"], "ballot_id": "k1"})
    keys = list((server_key_file.parent / "polls").glob("*.key"))
    context = f"phonghop ballot|{m.id}|e1".encode()
    mine = [k for k in keys if k.name.startswith(hashlib.sha256(context).hexdigest()[:40])]
    assert len(mine) == 1
    saved = mine[0].read_bytes()
    mine[0].unlink()  # lost: deleted by hand, or a node without the shared key directory
    assert isinstance(m.client.app, Starlette)
    runtime: Runtime = m.client.app.state.runtime
    runtime.poll_keys.destroy(context)  # and this process's copy
    status, err = m.send("C1", "poll.close", {"poll": "e1"})
    assert (status, err["error"]["code"]) == (500, "internal")
    assert "cannot be opened" in err["error"]["message"]
    assert not [e for e in m.log() if e["kind"] == "poll.closed"]  # never a wrong or empty count
    # With the key back, closing goes on from where it stopped and counts the ballot.
    mine[0].write_bytes(saved)
    closed = m.ok("C1", "poll.close", {"poll": "e1"})
    assert closed["result"]["cast"]["count"] == 1


def test_the_timer_closes_the_poll_once(meeting: Meeting, redis_db: redis.Redis) -> None:
    m = meeting
    m.start()
    m.ok("C1", "poll.create", {**YNA, "timer": 1})
    m.ok("C1", "poll.open", {"poll": "p1"})
    m.ok("D1", "ballot.cast", {"poll": "p1", "choice": "yes", "ballot_id": "t"})
    deadline = time.monotonic() + 10
    while redis_db.hget(f"ph:{{{m.id}}}:polls", "p1") != b"closed":
        assert time.monotonic() < deadline, "the timer did not close the poll"
        time.sleep(0.1)
    [event] = [e for e in m.log() if e["kind"] == "poll.closed"]
    assert event["body"]["reason"] == "timer" and event["actor"] == "@admin"
    opened = next(e for e in m.log() if e["kind"] == "poll.opened")
    assert event["at"] >= opened["body"]["closes_at"]
    # Closing by hand afterwards is refused and changes nothing.
    status, err = m.send("C1", "poll.close", {"poll": "p1"})
    assert (status, err["error"]["code"]) == (409, "invalid_state")
    assert [e["kind"] for e in m.log()].count("poll.closed") == 1


def test_lifecycle_commands_keep_the_redis_status_in_step(
    meeting: Meeting, redis_db: redis.Redis
) -> None:
    m = meeting
    m.start()
    key = f"ph:{{{m.id}}}:polls"
    m.ok("S1", "poll.create", YNA)
    assert redis_db.hget(key, "p1") is None
    status, err = vote(m, "D1", "yes", "early")
    assert (status, err["error"]["code"]) == (409, "invalid_state")
    status, err = m.send("D1", "poll.open", {"poll": "p1"})
    assert (status, err["error"]["code"]) == (403, "forbidden")
    m.ok("C1", "poll.open", {"poll": "p1"})
    m.ok("C1", "poll.cancel", {"poll": "p1", "reason": "sai nội dung"})
    assert redis_db.hget(key, "p1") == b"cancelled"
    status, err = vote(m, "D1", "yes", "after")
    assert (status, err["error"]["code"]) == (409, "invalid_state")
    status, err = m.send("C1", "poll.publish", {"poll": "p1"})
    assert status == 409
    created = m.ok("C1", "poll.create", {**YNA, "id": None})
    assert created["poll"].startswith("p") and created["poll"] != "p1"


def test_a_draft_is_redefined_through_the_pipeline_and_an_opened_poll_is_not(
    meeting: Meeting,
) -> None:
    m = meeting
    m.start()
    m.ok("S1", "poll.create", YNA)
    fixed = {"poll": "p1", "title": "Thông qua Nghị quyết số 01", "method": "yes_no_abstain",
             "rule": "at least 2/3 of all delegates"}
    assert m.ok("S1", "poll.update", fixed) == {"poll": "p1"}
    status, err = m.send("S1", "poll.update", {**fixed, "id": "p1"})  # not a create body
    assert (status, err["error"]["code"]) == (422, "bad_field"), err
    status, err = m.send("D1", "poll.update", fixed)
    assert (status, err["error"]["code"]) == (403, "forbidden")
    _, listed = m.get("S1", "/polls")
    [poll] = listed["polls"]
    assert (poll["title"], poll["rule"], poll["status"]) == (
        "Thông qua Nghị quyết số 01", "at least 2/3 of all delegates", "draft")
    updated = [e for e in m.log() if e["kind"] == "poll.updated"]
    assert [e["body"]["title"] for e in updated] == ["Thông qua Nghị quyết số 01"]
    m.ok("C1", "poll.open", {"poll": "p1"})
    status, err = m.send("S1", "poll.update", {**fixed, "title": "Muộn rồi"})
    assert (status, err["error"]["code"]) == (409, "invalid_state")
    assert err["error"]["details"]["poll_status"] == "open"
    _, listed = m.get("S1", "/polls")
    assert listed["polls"][0]["title"] == "Thông qua Nghị quyết số 01"
