"""The hub against a 3-master Redis Cluster started locally from the same valkey binary:
two server processes, resume and retries work, and every key of a meeting is in one slot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from server.embedded_cluster import EmbeddedCluster
from tests.support import Client, make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCluster]:
    nodes = EmbeddedCluster(tmp_path_factory.mktemp("cluster"))
    nodes.start()
    try:
        yield nodes
    finally:
        nodes.stop()


async def test_two_processes_on_a_cluster(
    cluster: EmbeddedCluster, start_server: Any, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    url = cluster.nodes[1].url  # any node will do: the client discovers the others
    a = start_server(env={"REDIS_URL": url})
    b = start_server(env={"REDIS_URL": url})
    with httpx.Client(base_url=a.base_url) as http:
        assert http.get("/healthz").json()["redis"] == "ok"
    meetings = [make_meeting(a.base_url, admin_headers, title=f"Hội nghị {i}") for i in range(4)]
    for meeting, people in meetings:
        chair_p = next(p for p in people.values() if p["role"] == "chair")
        delegate_p = next(p for p in people.values() if p["role"] == "delegate")
        chair = Client(a.ws_url, meeting, token_of(chair_p))
        tablet = Client(b.ws_url, meeting, token_of(delegate_p), codec="msgpack")
        await chair.connect()
        await tablet.connect()
        first = await chair.command("meeting.open", cid="open")
        await tablet.drop()
        again = await chair.command("meeting.open", cid="open")
        assert again["seq"] == first["seq"] and again["result"]["replayed"]
        await chair.command("meeting.update", {"title": "Cụm Redis"})
        assert (await tablet.connect(resume=True))["resume"] == "replay"
        await tablet.wait_for(
            lambda t=tablet: t.kinds()[-2:] == ["meeting.opened", "meeting.updated"]
        )
        await chair.close()
        await tablet.close()

    slots: dict[str, set[int]] = {}
    for node in cluster.nodes:
        client = redis.Redis.from_url(node.url)
        try:
            for key in client.scan_iter("ph:{*"):
                name = key.decode()
                tag = name[name.index("{") + 1 : name.index("}")]
                slots.setdefault(tag, set()).add(int(client.cluster("keyslot", name)))
        finally:
            client.close()
    assert {m for m, _ in meetings} <= set(slots)
    assert all(len(s) == 1 for s in slots.values()), slots
    assert len({next(iter(s)) for s in slots.values()}) > 1  # meetings spread over slots
