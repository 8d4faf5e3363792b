"""The live hub end to end: real run.py processes on free ports, one real Redis.

Two processes share a meeting; clients drop and resume; commands are retried; a client that
stops reading is cut off while the others keep receiving.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import psutil
import pytest
import redis

from tests.support import Client, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]


def queue_drops(metrics: str) -> float:
    for line in metrics.splitlines():
        if line.startswith("phonghop_queue_drops_total "):
            return float(line.split()[1])
    raise AssertionError("no phonghop_queue_drops_total in /metrics")


def staff(people: dict[str, dict[str, Any]], role: str) -> dict[str, Any]:
    return next(p for p in people.values() if p["role"] == role)


def delegates(people: dict[str, dict[str, Any]], n: int) -> list[dict[str, Any]]:
    return [p for p in people.values() if p["role"] == "delegate"][:n]


async def test_a_command_on_a_reaches_clients_on_b_in_order(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    a, b = start_server(), start_server()
    meeting, people = make_meeting(a.base_url, admin_headers)
    chair = Client(a.ws_url, meeting, token_of(staff(people, "chair")))
    on_b = [
        Client(b.ws_url, meeting, token_of(p), codec=c)
        for p, c in zip(delegates(people, 4), ["json", "msgpack"] * 2, strict=True)
    ]
    await chair.connect()
    for c in on_b:
        await c.connect()
    acks = [
        await chair.command("meeting.update", {"title": f"Đại hội phiên {i}"}) for i in range(30)
    ]
    assert all(ack["type"] == "ack" for ack in acks)
    last = acks[-1]["seq"]
    for c in on_b:
        await c.wait_seq(last)
        titles = [e["body"]["title"] for e in c.events if e["kind"] == "meeting.updated"]
        assert titles == [f"Đại hội phiên {i}" for i in range(30)]
        seqs = [e["seq"] for e in c.events]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    for c in (chair, *on_b):
        await c.close()


@pytest.mark.parametrize("codec", ["json", "msgpack"])
async def test_dropped_client_resumes_without_gap_or_duplicate(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str], codec: str
) -> None:
    a, b = start_server(), start_server()
    meeting, people = make_meeting(a.base_url, admin_headers)
    chair = Client(a.ws_url, meeting, token_of(staff(people, "chair")))
    tablet = Client(b.ws_url, meeting, token_of(delegates(people, 1)[0]), codec=codec)
    await chair.connect()
    welcome = await tablet.connect()
    assert welcome["resume"] == "snapshot"
    for i in range(5):
        await chair.command("meeting.update", {"title": f"A{i}"})
    await tablet.wait_for(lambda: len(tablet.events) == 5)
    await tablet.drop()  # mid-stream, no close handshake
    sent_while_away = [await chair.command("meeting.update", {"title": f"B{i}"}) for i in range(7)]
    welcome = await tablet.connect(resume=True)
    assert welcome["resume"] == "replay"
    for i in range(3):
        await chair.command("meeting.update", {"title": f"C{i}"})
    await tablet.wait_for(lambda: len(tablet.events) == 15)
    titles = [e["body"]["title"] for e in tablet.events]
    assert titles == [
        *(f"A{i}" for i in range(5)),
        *(f"B{i}" for i in range(7)),
        *(f"C{i}" for i in range(3)),
    ]
    assert tablet.pos > sent_while_away[-1]["seq"]
    await chair.close()
    await tablet.close()


async def test_too_old_position_or_other_epoch_gets_a_snapshot(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server(env={"PHONGHOP_MAX_REPLAY": "10"})
    meeting, people = make_meeting(server.base_url, admin_headers)
    chair = Client(server.ws_url, meeting, token_of(staff(people, "chair")))
    tablet = Client(server.ws_url, meeting, token_of(delegates(people, 1)[0]))
    await chair.connect()
    await tablet.connect()
    await tablet.drop()
    for i in range(12):
        await chair.command("meeting.update", {"title": f"T{i}"})
    welcome = await tablet.connect(resume=True)
    assert welcome["resume"] == "snapshot"
    assert tablet.snapshots[-1]["state"]["info"]["title"] == "T11"
    await tablet.drop()
    tablet.epoch = "not-this-meeting's-epoch"
    welcome = await tablet.connect(resume=True)
    assert welcome["resume"] == "snapshot"
    await chair.close()
    await tablet.close()


async def test_retried_command_is_applied_once_and_acked_again(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    a, b = start_server(), start_server()
    meeting, people = make_meeting(a.base_url, admin_headers)
    token = token_of(staff(people, "chair"))
    first = Client(a.ws_url, meeting, token)
    await first.connect()
    ack1 = await first.command("meeting.open", cid="open-1")
    await first.drop()
    # The tablet did not see the ack; it retries the same id through the other process.
    again = Client(b.ws_url, meeting, token)
    await again.connect()
    ack2 = await again.command("meeting.open", cid="open-1")
    assert ack1["type"] == ack2["type"] == "ack"
    assert ack2["seq"] == ack1["seq"] and ack2["result"]["replayed"] is True
    # Two at once with one id, on both processes: still once.
    twin = Client(a.ws_url, meeting, token)
    await twin.connect()
    acks = await asyncio.gather(
        again.command("meeting.update", {"title": "X"}, cid="same"),
        twin.command("meeting.update", {"title": "X"}, cid="same"),
    )
    assert {a["type"] for a in acks} == {"ack"}
    with httpx.Client(base_url=a.base_url, headers=admin_headers) as http:
        log = http.get(f"/api/meetings/{meeting}/log.json").json()["events"]
    kinds = [e["kind"] for e in log]
    assert kinds.count("meeting.opened") == 1 and kinds.count("meeting.updated") == 1
    for c in (again, twin):
        await c.close()


async def test_slow_consumer_is_cut_off_and_the_hall_keeps_receiving(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    import websockets
    from websockets.typing import Subprotocol

    server = start_server(env={"PHONGHOP_MAX_QUEUE": "32"})
    meeting, people = make_meeting(server.base_url, admin_headers)
    secretary = staff(people, "secretary")
    chair = Client(server.ws_url, meeting, token_of(staff(people, "chair")))
    await chair.connect()
    healthy = Client(server.ws_url, meeting, token_of(secretary))
    await healthy.connect()
    # A staff client that reads nothing after its hello: the client library stops reading
    # the socket once one frame is buffered, so everything backs up into the server.
    stuck = await websockets.connect(
        f"{server.ws_url}/ws/{meeting}",
        subprotocols=[Subprotocol("phonghop.v1.json")],
        max_queue=1,
        compression=None,
    )
    await stuck.send(f'{{"v":1,"type":"hello","token":"{token_of(secretary)}"}}')
    proc = psutil.Process(server.pid)
    rss_before = proc.memory_info().rss
    roster = "code,full_name,role\n" + "".join(
        f"X{i:04d},Nguyễn Văn Thành {i} {'x' * 150},delegate\n" for i in range(400)
    )
    async with httpx.AsyncClient(base_url=server.base_url, headers=admin_headers) as http:
        for _ in range(80):  # ~80 events of ~75 KB each for staff
            resp = await http.post(f"/api/meetings/{meeting}/roster", content=roster.encode())
            assert resp.status_code == 200
            ack = await chair.command("meeting.update", {"title": f"{_}"})
            drops = queue_drops((await http.get("/metrics")).text)
            if drops:
                break
        assert drops == 1, "the stuck client was never cut off"
        await healthy.wait_seq(ack["seq"], timeout=20)
        health = (await http.get("/healthz")).json()
    assert health["connections"] == 2  # chair and the healthy secretary, not the stuck one
    rss_growth_mb = (proc.memory_info().rss - rss_before) / 2**20
    assert rss_growth_mb < 80, f"server memory grew {rss_growth_mb:.0f} MiB"
    code = None
    try:
        async for _ in stuck:
            pass
    except websockets.ConnectionClosed as exc:
        code = exc.rcvd.code if exc.rcvd else None
    assert code == 4008
    for c in (chair, healthy):
        await c.close()
