"""Votes end to end: two real run.py processes on one real Redis, WebSocket tablets.

A burst of 300 delegates, each ballot sent twice with the same ballot id (once to each
process) and some with a second ballot id, is counted exactly once; both processes show the
same live count; receipts check out against the published result; and after a secret
election no Redis key or log entry links a delegate to a choice, not even by order.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
import msgpack
import pytest
import redis

from rooms.polls import receipt_hash
from tests.redis_bytes import as_bytes, stream_of
from tests.support import Client

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]

N = 300
CANDIDATES = [f"Ứng viên {n}" for n in range(1, 15)]
OPTION_IDS = [f"o{n}" for n in range(1, 15)]


def roster(n: int) -> bytes:
    rows = ["code,full_name,role,weight", "C1,Chủ tọa,chair,1", "S1,Thư ký,secretary,1",
            "H1,Màn hình,screen,1", "OB1,Khách mời,observer,1"]
    # Every 50th delegate carries weight 2: weights must be counted, not heads.
    rows += [f"V{i:03},Đại biểu {i},delegate,{2 if i % 50 == 0 else 1}" for i in range(1, n + 1)]
    return ("\n".join(rows) + "\n").encode()


def setup_meeting(base_url: str, admin: dict[str, str], n: int = N) -> tuple[str, dict[str, str]]:
    with httpx.Client(base_url=base_url, headers=admin, timeout=30) as http:
        resp = http.post("/api/meetings", json={"title": "Đại hội",
                                                "settings": {"require_check_in": False}})
        assert resp.status_code == 201, resp.text
        meeting = resp.json()["id"]
        assert http.post(f"/api/meetings/{meeting}/roster", content=roster(n)).status_code == 200
        people = http.get(f"/api/meetings/{meeting}/participants").json()["participants"]
        tokens = {p["id"]: p["join_url"].rsplit("/j/", 1)[1] for p in people}
        assert command(http, meeting, "meeting.open")["ok"]
    return meeting, tokens


def command(http: httpx.Client, meeting: str, kind: str, body: dict[str, Any] | None = None,
            token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    resp = http.post(f"/api/meetings/{meeting}/commands", json={"kind": kind, "body": body or {}},
                     headers=headers)
    data: dict[str, Any] = resp.json()
    assert resp.status_code == 200, data
    return data


async def http_ballot(http: httpx.AsyncClient, meeting: str, token: str,
                      body: dict[str, Any]) -> dict[str, Any]:
    """A ballot over HTTP, answered like a WebSocket ack or error."""
    resp = await http.post(f"/api/meetings/{meeting}/commands",
                           json={"kind": "ballot.cast", "id": uuid.uuid4().hex, "body": body},
                           headers={"Authorization": f"Bearer {token}"})
    data = resp.json()
    if resp.status_code == 200:
        return {"type": "ack", "result": data["result"]}
    return {"type": "error", **data["error"]}


def latest(client: Client, kind: str) -> dict[str, Any] | None:
    found = [m["body"] for m in client.lives if m["kind"] == kind]
    return found[-1] if found else None


def voted(client: Client, poll: str) -> int | None:
    body = latest(client, "poll.progress")
    for row in (body or {}).get("polls", []):
        if row["poll"] == poll:
            return int(row["voted"])
    return None


async def burst(servers: list[Any], meeting: str, tokens: dict[str, str], poll: str,
                choices: dict[str, Any], second: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every voter's ballot over a WebSocket to one process and, at the same moment, the same
    ballot (same ballot id) over HTTP to the other; voters in `second` also send another
    ballot with a new ballot id. Returns every answer, by voter and ballot id."""
    tablets = {v: Client(servers[i % 2].ws_url, meeting, tokens[v], codec="msgpack" if i % 3
                         else "json") for i, v in enumerate(choices)}
    await asyncio.gather(*(t.connect() for t in tablets.values()))
    answers: dict[str, dict[str, Any]] = {}
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(base_url=servers[1].base_url, timeout=60, limits=limits) as h1, \
            httpx.AsyncClient(base_url=servers[0].base_url, timeout=60, limits=limits) as h0:
        other = [h1, h0]

        async def one(i: int, voter: str) -> None:
            body = {"poll": poll, "choice": choices[voter], "ballot_id": f"{voter}-first"}
            sends = [tablets[voter].command("ballot.cast", body, timeout=60),
                     http_ballot(other[i % 2], meeting, tokens[voter], body)]
            if voter in second:
                sends.append(tablets[voter].command("ballot.cast", {
                    "poll": poll, "choice": second[voter], "ballot_id": f"{voter}-second"},
                    timeout=60))
            got = await asyncio.gather(*sends)
            answers[voter] = {"first": [got[0], got[1]], "second": got[2:]}

        await asyncio.gather(*(one(i, v) for i, v in enumerate(choices)))
    await asyncio.gather(*(t.close() for t in tablets.values()))
    return answers


def winners(answers: dict[str, dict[str, Any]], choices: dict[str, Any],
            second: dict[str, Any]) -> dict[str, tuple[Any, str]]:
    """Each voter's counted ballot (choice, receipt), checking every answer on the way:
    exactly one ballot id won; its copies got the same receipt; the loser got `duplicate`."""
    out = {}
    for voter, got in answers.items():
        firsts = got["first"]
        assert all(a["type"] == "ack" for a in firsts) or all(
            a["type"] == "error" and a["code"] == "duplicate" for a in firsts), (voter, firsts)
        if firsts[0]["type"] == "ack":
            receipts = {a["result"]["receipt"] for a in firsts}
            assert len(receipts) == 1, (voter, firsts)  # a retry gets the same receipt
            assert [a["result"].get("replayed", False) for a in firsts].count(False) == 1
            for a in got["second"]:
                assert (a["type"], a["code"]) == ("error", "duplicate"), (voter, a)
            out[voter] = (choices[voter], receipts.pop())
        else:
            [a] = got["second"]
            assert a["type"] == "ack", (voter, a)
            out[voter] = (second[voter], a["result"]["receipt"])
    return out


def weight_of(voter: str) -> int:
    return 2 if int(voter[1:]) % 50 == 0 else 1


async def test_a_burst_through_two_processes_counts_every_ballot_once(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    servers = [start_server(), start_server()]
    meeting, tokens = setup_meeting(servers[0].base_url, admin_headers)
    voters = [f"V{i:03}" for i in range(1, N + 1)]
    rng = random.Random(5)
    choices = {v: rng.choice(["yes", "no", "abstain"]) for v in voters}
    second = {v: "no" if choices[v] != "no" else "yes" for v in voters[::10]}
    with httpx.Client(base_url=servers[0].base_url, headers=admin_headers, timeout=30) as http:
        command(http, meeting, "poll.create", {
            "id": "law", "title": "Thông qua luật", "method": "yes_no_abstain",
            "rule": "more than 1/2 of all delegates"}, token=tokens["C1"])
        command(http, meeting, "poll.open", {"poll": "law"}, token=tokens["C1"])
    screens = [Client(s.ws_url, meeting, tokens["H1"]) for s in servers]
    await asyncio.gather(*(s.connect() for s in screens))

    answers = await burst(servers, meeting, tokens, "law", choices, second)
    counted = winners(answers, choices, second)
    assert len(counted) == N

    # Both processes' screens settle on the same count, read from Redis, not from their own
    # share of the ballots.
    for screen in screens:
        await screen.wait_for(lambda s=screen: voted(s, "law") == N, timeout=15)
        assert voted(screen, "law") == N and latest(screen, "poll.tally") is None
    assert redis_db.hlen(f"ph:{{{meeting}}}:poll:law:ballots") == N
    assert not [e for e in stream_of(redis_db, f"ph:{{{meeting}}}:log")
                if b"ballot" in msgpack.unpackb(e[1][b"e"], raw=False)["kind"].encode()]

    with httpx.Client(base_url=servers[1].base_url, timeout=30) as http:
        closed = command(http, meeting, "poll.close", {"poll": "law"}, token=tokens["C1"])
        command(http, meeting, "poll.publish", {"poll": "law"}, token=tokens["C1"])
        published = http.get(f"/api/meetings/{meeting}/polls/law",
                             headers={"Authorization": f"Bearer {tokens['V001']}"}).json()
    result = closed["result"]["result"]
    expected: Counter[str] = Counter()
    for voter, (choice, _) in counted.items():
        expected[choice] += weight_of(voter)
    got = {row["option"]: Decimal(row["weight"]) for row in result["options"]}
    assert got == {"yes": expected["yes"], "no": expected["no"]}
    assert Decimal(result["blank"]["weight"]) == expected["abstain"]
    assert result["valid"]["count"] == N
    assert published["result"] == result
    # Named: the public record lists each voter's counted choice, exactly once.
    assert {b["voter"]: b["choice"] for b in published["ballots"]} == {
        v: c for v, (c, _) in counted.items()}
    assert sorted(receipt_hash(r) for _, r in counted.values()) == published["receipts"]
    await asyncio.gather(*(s.close() for s in screens))


def dump(r: redis.Redis) -> dict[str, Any]:
    """Every key of the database with its value in storage order, decoded by type."""
    out: dict[str, Any] = {}
    for key in r.scan_iter(count=1000):
        kind = as_bytes(r.type(key)).decode()
        name = key.decode()
        if kind == "string":
            out[name] = r.get(key)
        elif kind == "hash":
            out[name] = list(r.hgetall(key).items())  # HGETALL: storage order
        elif kind == "set":
            out[name] = list(r.sscan_iter(key))
        elif kind == "zset":
            out[name] = r.zrange(key, 0, -1, withscores=True)
        elif kind == "list":
            out[name] = r.lrange(key, 0, -1)
        elif kind == "stream":
            out[name] = [(i, {k: (msgpack.unpackb(v, raw=False) if k in (b"e", b"p") else v)
                              for k, v in f.items()}) for i, f in stream_of(r, key)]
        else:
            raise AssertionError(f"unexpected type {kind} of {name}")
    return out


def text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return " ".join(text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{text(k)} {text(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


async def cast_in_order(base_url: str, meeting: str, tokens: dict[str, str],
                        order: list[str], choices: dict[str, list[str]]) -> dict[str, str]:
    receipts = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        for voter in order:  # one at a time: arrival order is exactly `order`
            got = await http_ballot(http, meeting, tokens[voter], {
                "poll": "e1", "choice": choices[voter], "ballot_id": uuid.uuid4().hex})
            assert got["type"] == "ack", got
            receipts[voter] = got["result"]["receipt"]
    return receipts


def distinct_choices(voters: list[str], rng: random.Random) -> dict[str, list[str]]:
    """A different ballot for each voter, so a leaked ballot would be recognisable as that
    voter's."""
    seen: set[tuple[str, ...]] = set()
    choices: dict[str, list[str]] = {}
    for v in voters:
        while True:
            pick = tuple(sorted(rng.sample(OPTION_IDS, rng.randint(3, 11)),
                                key=OPTION_IDS.index))
            if pick not in seen:
                seen.add(pick)
                choices[v] = list(pick)
                break
    return choices


async def hold_secret_election(
    servers: list[Any], admin_headers: dict[str, str], order: list[str],
    choices: dict[str, list[str]],
) -> tuple[str, dict[str, Any]]:
    """A meeting whose secret election gets the ballots in `order`, the first half through
    one server and the rest through the other; closed and published. Returns the meeting and
    the published poll, after checking every voter's receipt against it."""
    meeting, tokens = setup_meeting(servers[0].base_url, admin_headers, len(order))
    with httpx.Client(base_url=servers[0].base_url, timeout=30) as http:
        command(http, meeting, "poll.create", {
            "id": "e1", "title": "Hiệp thương cử Ủy ban", "method": "approval",
            "candidates": CANDIDATES, "seats": 11, "secret": True,
            "rule": "more than 1/2 of valid ballots"}, token=tokens["C1"])
        command(http, meeting, "poll.open", {"poll": "e1"}, token=tokens["C1"])
    half = len(order) // 2
    receipts = await cast_in_order(servers[0].base_url, meeting, tokens, order[:half], choices)
    receipts |= await cast_in_order(servers[1].base_url, meeting, tokens, order[half:],
                                    choices)
    with httpx.Client(base_url=servers[1].base_url, timeout=30) as http:
        command(http, meeting, "poll.close", {"poll": "e1"}, token=tokens["C1"])
        command(http, meeting, "poll.publish", {"poll": "e1"}, token=tokens["C1"])
        published: dict[str, Any] = http.get(
            f"/api/meetings/{meeting}/polls/e1",
            headers={"Authorization": f"Bearer {tokens['V001']}"}).json()
        # Each tablet checks its receipt against the published list, and the server agrees.
        for voter, receipt in receipts.items():
            assert receipt_hash(receipt) in published["receipts"]
            check = http.get(f"/api/meetings/{meeting}/polls/e1/receipts/{receipt}",
                             headers={"Authorization": f"Bearer {tokens[voter]}"}).json()
            assert check["counted"] is True
    return meeting, published


def assert_no_choice_beside_a_voter(
    everything: dict[str, Any], voters: list[str], choices: dict[str, list[str]]
) -> None:
    """No key and no log entry of Redis's data that names a delegate holds their ballot (in
    any of its encodings) or a counter of the ballot box."""
    encodings = {v: (json.dumps(c), json.dumps(c, separators=(",", ":")), ",".join(c),
                     "|".join(c)) for v, c in choices.items()}
    units: list[tuple[str, str]] = []  # (where, what it holds), one per key and per log entry
    for key, value in everything.items():
        if key.endswith(":log"):
            units += [(f"{key} {entry_id!r}", text(fields)) for entry_id, fields in value]
        else:
            units.append((key, key + " " + text(value)))
    for where, content in units:
        holders = [v for v in voters if v in content]
        for v in holders:
            for form in encodings[v]:
                assert form not in content, f"{where} links {v} to their ballot"
        # Nothing that names a delegate holds a counter of the ballot box either.
        if holders:
            assert "o|" not in content, where


async def test_a_secret_election_leaves_no_link_between_delegate_and_choice(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    servers = [start_server(), start_server()]
    n = 60
    voters = [f"V{i:03}" for i in range(1, n + 1)]
    choices = distinct_choices(voters, random.Random(11))
    # The same election held twice, ballots arriving in opposite orders: whatever stores a
    # choice must come out identical, or its order would tell who cast what.
    meetings = [
        await hold_secret_election(servers, admin_headers, order, choices)
        for order in (voters, voters[::-1])
    ]

    everything = dump(redis_db)
    assert_no_choice_beside_a_voter(everything, voters, choices)
    # The sealed ballots were counted and dropped; no key outside the log holds a choice.
    assert not [k for k in everything if k.endswith((":poll:e1:sealed", ":poll:e1:box"))]
    for key, value in everything.items():
        if ":log" not in key:
            assert not any(o in text(value) for o in ("o|", '"o1"')), key

    (m1, p1), (m2, p2) = meetings
    assert p1["result"] == p2["result"] and p1["voted"] == p2["voted"] == sorted(voters)
    # The voters hash keeps arrival order (it is who voted, public) and holds nothing else.
    for meeting, order in ((m1, voters), (m2, voters[::-1])):
        stored = everything[f"ph:{{{meeting}}}:poll:e1:voters"]
        assert {v.decode() for v, _ in stored} == set(order)
        assert {flag for _, flag in stored} == {b"1"}
    # And the result is the count of the ballots cast.
    kept = Counter(o for c in choices.values() for o in c)
    assert {row["option"]: row["count"] for row in p1["result"]["options"]} == {
        o: kept[o] for o in OPTION_IDS}
