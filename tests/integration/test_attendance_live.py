"""Attendance end to end on real servers: quorum transitions pushed to a hall screen, and
1,000 delegates scanned at kiosks on two server processes at once, each counted exactly once."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path
from typing import Any

import httpx
import msgpack
import pytest
import redis

from rooms.model import Role
from tests.conftest import server_signer
from tests.redis_bytes import hash_of, stream_of
from tests.support import Client, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]


def roster(delegates: int) -> bytes:
    lines = ["code,full_name,delegation,title,seat,weight,role",
             "S1,Trần Kim Yến,Đoàn Thư ký,,A02,1,secretary",
             "H1,Màn hình hội trường,,,,1,screen"]
    lines += [f"D{i:04d},Đại biểu Số {i},Đoàn {i % 12},,{i},1,delegate"
              for i in range(1, delegates + 1)]
    return ("\n".join(lines) + "\n").encode()


def badge(key_file: Path, meeting: str, pid: str) -> str:
    # The same signer the servers use, on the key file they share.
    signer = server_signer(key_file)
    return signer.issue(meeting, pid, Role.DELEGATE, int(time.time()) + 3600, purpose="b")


def quorum_lives(client: Client) -> list[dict[str, Any]]:
    return [m["body"] for m in client.lives if m["kind"] == "quorum"]


async def test_quorum_transitions_are_pushed_to_the_hall_screen(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str],
    server_key_file: Path,
) -> None:
    a, b = start_server(), start_server()
    meeting, people = make_meeting(a.base_url, admin_headers, roster(4))
    # 5 entitled (secretary and 4 delegates): more than half is 3.
    screen = Client(b.ws_url, meeting, token_of(people["H1"]))
    desk = Client(a.ws_url, meeting, token_of(people["S1"]))
    await screen.connect()
    await desk.connect()
    await screen.wait_for(lambda: any(q["present"] == 0 for q in quorum_lives(screen)))
    first = quorum_lives(screen)[-1]
    assert (first["entitled"], first["needed"], first["met"]) == (5, 3, False)

    for pid in ("D0001", "D0002"):
        ack = await desk.command("checkin.scan", {"token": badge(server_key_file, meeting, pid)})
        assert ack["type"] == "ack", ack
    await screen.wait_for(lambda: quorum_lives(screen)[-1]["present"] == 2)
    assert quorum_lives(screen)[-1]["met"] is False
    await desk.command("checkin.manual", {"participant": "D0003"})
    await screen.wait_for(lambda: quorum_lives(screen)[-1]["met"] is True)
    assert quorum_lives(screen)[-1]["present"] == 3
    await desk.command("checkin.out", {"token": badge(server_key_file, meeting, "D0001")})
    await screen.wait_for(lambda: quorum_lives(screen)[-1]["met"] is False)

    # The screen saw each check-in event, without absence reasons or device ids.
    kinds = [(e["kind"], e["body"].get("participant")) for e in screen.events]
    assert ("attendance.checked_in", "D0003") in kinds
    assert ("attendance.checked_out", "D0001") in kinds
    # Updates are coalesced: fewer pushes than there were changes would allow, never a storm.
    assert len(quorum_lives(screen)) <= 8
    await screen.close()
    await desk.close()


async def test_1000_concurrent_check_ins_on_two_processes_are_counted_exactly_once(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str],
    server_key_file: Path,
) -> None:
    n = 1000
    a, b = start_server(), start_server()
    meeting, people = make_meeting(a.base_url, admin_headers, roster(n))
    secretary = token_of(people["S1"])
    kiosks = [Client(server.ws_url, meeting, secretary) for server in (a, b) for _ in range(12)]
    screen = Client(a.ws_url, meeting, token_of(people["H1"]))
    await asyncio.gather(*(k.connect() for k in kiosks), screen.connect())

    # Every delegate's badge is scanned twice at the same moment, at a kiosk on each process.
    ids = [f"D{i:04d}" for i in range(1, n + 1)]
    tokens = {pid: badge(server_key_file, meeting, pid) for pid in ids}
    rng = random.Random(7)
    on_a, on_b = kiosks[:12], kiosks[12:]
    jobs = [(rng.choice(on_a), pid) for pid in ids] + [(rng.choice(on_b), pid) for pid in ids]
    rng.shuffle(jobs)
    started = time.perf_counter()
    replies = await asyncio.gather(*(
        kiosk.command("checkin.scan", {"token": tokens[pid]}, timeout=60) for kiosk, pid in jobs
    ))
    elapsed = time.perf_counter() - started

    acks = [r for r in replies if r["type"] == "ack"]
    dups = [r for r in replies if r["type"] == "error" and r["code"] == "duplicate"]
    assert len(acks) == n and len(dups) == n, [r for r in replies if r not in acks + dups][:3]
    assert sorted(r["result"]["participant"] for r in acks) == ids
    assert all("already checked in at" in r["message"] for r in dups)

    # Redis: one field per delegate in the guard hash, one check-in per delegate in the log.
    att = hash_of(redis_db, f"ph:{{{meeting}}}:att")
    assert len(att) == n and all(v.startswith(b"present|") for v in att.values())
    checked_in = []
    for _, fields in stream_of(redis_db, f"ph:{{{meeting}}}:log"):
        event = msgpack.unpackb(fields[b"e"], raw=False)
        if event["kind"] == "attendance.checked_in":
            checked_in.append(event["body"]["participant"])
    assert sorted(checked_in) == ids

    # Both processes agree, and the screen ends on the full count.
    headers = {"Authorization": f"Bearer {secretary}"}
    for server in (a, b):
        async with httpx.AsyncClient(base_url=server.base_url, headers=headers) as http:
            for _ in range(50):
                q = (await http.get(f"/api/meetings/{meeting}/quorum")).json()
                if q["present"] == n:
                    break
                await asyncio.sleep(0.1)
            assert (q["present"], q["entitled"], q["met"]) == (n, n + 1, True)
    await screen.wait_for(lambda: bool(quorum_lives(screen))
                          and quorum_lives(screen)[-1]["present"] == n)
    print(f"\n2×{n} scans on two processes in {elapsed:.2f}s")
    await asyncio.gather(*(k.close() for k in kiosks), screen.close())
