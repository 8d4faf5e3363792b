"""What tablets hear while a poll is open, through a real run.py and a real Redis.

A voter's tablet casts its own ballot unless told otherwise: only the tablets for which that
is not so get a personal `poll.eligibility` (at the opening, and again when they come back by
replay). The vote count goes to chair, secretary and screen every round, to the other tablets
every 2 s and not at the opening, so a burst of 5,000 ballots is not slowed by it.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis

from tests.support import Client, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]


def eligibility(client: Client) -> list[list[str]]:
    return [m["body"]["may_cast_for"] for m in client.lives if m["kind"] == "poll.eligibility"]


def progress(client: Client) -> list[int]:
    return [row["voted"] for m in client.lives if m["kind"] == "poll.progress"
            for row in m["body"]["polls"]]


async def test_only_tablets_that_differ_from_the_default_are_told_whom_they_cast_for(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    by_role: dict[str, list[str]] = {}
    for pid, p in people.items():
        by_role.setdefault(p["role"], []).append(pid)
    plain, holder, giver, absent = by_role["delegate"][:4]
    chair = Client(server.ws_url, meeting, token_of(people[by_role["chair"][0]]))
    secretary = Client(server.ws_url, meeting, token_of(people[by_role["secretary"][0]]),
                    codec="msgpack")
    tablets = {pid: Client(server.ws_url, meeting, token_of(people[pid]), codec=codec)
               for pid, codec in ((plain, "json"), (holder, "msgpack"), (giver, "json"),
                                  (absent, "msgpack"))}
    for client in (chair, secretary, *tablets.values()):
        await client.connect()
    assert (await chair.command("meeting.open"))["type"] == "ack"
    for pid in (plain, holder):
        ack = await chair.command("checkin.manual", {"participant": pid})
        assert ack["type"] == "ack", ack
    ack = await chair.command("proxy.grant", {"from": giver, "to": holder})
    assert ack["type"] == "ack", ack
    ack = await chair.command("poll.create", {
        "id": "p1", "title": "Thông qua chương trình", "method": "yes_no_abstain",
        "rule": "more than 1/2 of valid ballots"})
    assert ack["type"] == "ack", ack
    opened = await chair.command("poll.open", {"poll": "p1"})
    assert opened["type"] == "ack", opened
    # A later event: whatever was sent to a tablet after the opening arrives before it.
    marker = await chair.command("meeting.update", {"title": "Đại hội (đang biểu quyết)"})
    for client in tablets.values():
        await client.wait_seq(marker["seq"])
    assert eligibility(tablets[plain]) == []  # the default: its own ballot
    assert eligibility(tablets[holder]) == [sorted([holder, giver])]
    assert eligibility(tablets[giver]) == [[]]  # gave its proxy away
    assert eligibility(tablets[absent]) == [[]]  # not checked in when the poll opened

    ack = await tablets[plain].command("ballot.cast", {"poll": "p1", "choice": "yes",
                                                       "ballot_id": "plain-1"})
    assert ack["type"] == "ack", ack
    await secretary.wait_for(lambda: 1 in progress(secretary), timeout=5)
    assert 1 in progress(chair)
    # The staff have had the count since the first round; the tablets get it 2 s in.
    assert all(progress(t) == [] for t in tablets.values())
    for client in tablets.values():
        await client.wait_for(lambda c=client: 1 in progress(c), timeout=5)

    # Back by replay: the opening event is not sent again, the personal message is.
    for pid in (plain, giver):
        await tablets[pid].drop()
        welcome = await tablets[pid].connect(resume=True)
        assert welcome["resume"] == "replay"
    later = await chair.command("meeting.update", {"title": "Đại hội"})
    for pid in (plain, giver):
        await tablets[pid].wait_seq(later["seq"])
    assert eligibility(tablets[plain]) == []
    assert eligibility(tablets[giver]) == [[], []]
    for client in (chair, secretary, *tablets.values()):
        await client.close()
