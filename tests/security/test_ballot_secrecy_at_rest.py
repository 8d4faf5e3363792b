"""A secret election as a reader of Redis's files or its MONITOR stream sees it: run.py with
its embedded Redis, ballots cast over HTTP, then the append-only file parsed into the
commands it replays, an RDB dump loaded by a second Valkey, and the commands MONITOR
printed. Who voted is visible; what anyone chose is not, by content (the stored ballot is a
ciphertext of one length) or by order. The same scan of a named poll finds every choice in
each place that records them, so each part of the scan is shown able to fail."""

from __future__ import annotations

import contextlib
import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import msgpack
import pytest
import redis

from server.embedded_redis import configured_url
from server.sealing import Sealer, SealingError
from tests.conftest import StartServer
from tests.security.redis_files import aof_commands, aof_files, key_values, rdb_values

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]

OWN_KEY_FILE: dict[str, str | None] = {"PHONGHOP_KEY_FILE": None}
OPTIONS = [f"o{n}" for n in range(1, 13)]
VOTERS = [f"V{n:02}" for n in range(1, 25)]


def roster() -> bytes:
    rows = ["code,full_name,role", "C1,Chủ tọa,chair", "S1,Thư ký,secretary"]
    rows += [f"{v},Đại biểu {v},delegate" for v in VOTERS]
    return ("\n".join(rows) + "\n").encode()


def command(http: httpx.Client, meeting: str, token: str, kind: str,
            body: dict[str, Any]) -> dict[str, Any]:
    resp = http.post(f"/api/meetings/{meeting}/commands", json={"kind": kind, "body": body},
                     headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    result: dict[str, Any] = resp.json()
    return result


def distinct_choices() -> dict[str, list[str]]:
    rng, seen, out = random.Random(7), set(), {}
    for v in VOTERS:
        while True:
            pick = tuple(sorted(rng.sample(OPTIONS, rng.randint(3, 9)), key=OPTIONS.index))
            if pick not in seen:
                seen.add(pick)
                out[v] = list(pick)
                break
    return out


class Monitor:
    """Every command the Redis executes, as MONITOR prints it, while the block runs."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.lines: list[str] = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        # redis-py leaves Redis.monitor() unannotated: call it through a typed name.
        monitor: Callable[[], Any] = self.client.monitor
        with monitor() as m:
            self._ready.set()
            for event in m.listen():
                self.lines.append(str(event["command"]))
                if "phonghop-monitor-stop" in str(event["command"]):
                    return

    def __enter__(self) -> Monitor:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.echo("phonghop-monitor-stop")
        self._thread.join(10)
        self.client.close()


def aof_bytes(data_dir: Path) -> bytes:
    files = [f for f in aof_files(data_dir) if f.name.endswith(".aof")]
    assert files, "no append-only file was written"
    return b"".join(f.read_bytes() for f in files)


def joined(values: dict[bytes, list[bytes]]) -> bytes:
    """Each stored string on its own, separated by a byte no choice contains."""
    return b"\0".join(k + b"\0" + b"\0".join(v) for k, v in values.items())


def forms(choice: list[str]) -> list[bytes]:
    """The ways a choice could be written down."""
    texts = [s.encode() for s in (json.dumps(choice), json.dumps(choice, separators=(",", ":")),
                                  ",".join(choice), "|".join(choice), " ".join(choice))]
    return [*texts, msgpack.packb(choice)]


def hold_election(start_server: StartServer, tmp_path: Path, admin_headers: dict[str, str],
                  *, secret: bool) -> tuple[Any, str, dict[str, str]]:
    server = start_server(data_dir=tmp_path, embedded_redis=True, env=OWN_KEY_FILE)
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=30) as http:
        resp = http.post("/api/meetings", json={"title": "Đại hội",
                                                "settings": {"require_check_in": False}})
        meeting = resp.json()["id"]
        assert http.post(f"/api/meetings/{meeting}/roster", content=roster()).status_code == 200
        people = http.get(f"/api/meetings/{meeting}/participants").json()["participants"]
        tokens = {p["id"]: p["join_url"].rsplit("/j/", 1)[1] for p in people}
        command(http, meeting, tokens["C1"], "meeting.open", {})
        command(http, meeting, tokens["C1"], "poll.create", {
            "id": "e1", "title": "Bầu Ban Thường trực", "method": "approval", "secret": secret,
            "candidates": [f"Ứng viên {o}" for o in OPTIONS], "seats": 9})
        command(http, meeting, tokens["C1"], "poll.open", {"poll": "e1"})
    return server, meeting, tokens


@pytest.fixture
def election(start_server: StartServer, tmp_path: Path,
             admin_headers: dict[str, str]) -> Iterator[tuple[Any, str, dict[str, str]]]:
    yield hold_election(start_server, tmp_path, admin_headers, secret=True)


def cast_all(base_url: str, meeting: str, tokens: dict[str, str],
             choices: dict[str, list[str]]) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for voter in VOTERS:  # one at a time: the order of arrival is exactly VOTERS
            command(http, meeting, tokens[voter], "ballot.cast",
                    {"poll": "e1", "choice": choices[voter], "ballot_id": uuid.uuid4().hex})


def stored_everywhere(tmp_path: Path, url: str, server: Any, meeting: str,
                      admin_headers: dict[str, str]) -> list[tuple[str, bytes]]:
    """What a reader of the data directory, the logs and the exports holds: the commands of
    the AOF, an RDB dump as Valkey loads it, every key of the meeting, the server's output,
    the log and every export."""
    aof = b"\0".join(b"\0".join(c) for c in aof_commands(tmp_path))
    with redis.Redis.from_url(url) as r:
        r.save()
        keys = joined(key_values(r, f"ph:{{{meeting}}}:*"))
        rewrite_aof(r)  # the AOF's base is then an RDB holding the data: read that too
    rdbs = {"RDB dump": tmp_path / "redis" / "dump.rdb",
            "RDB base of the AOF": next(f for f in aof_files(tmp_path) if f.suffix == ".rdb")}
    out: list[tuple[str, bytes]] = [
        ("AOF", aof), *((name, joined(rdb_values(f))) for name, f in rdbs.items()),
        ("keys", keys), ("server output", server.output().encode())]
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=60) as http:
        for path in EXPORTS:
            resp = http.get(f"/api/meetings/{meeting}/{path}")
            assert resp.status_code == 200, (path, resp.text)
            out.append((path, resp.content))
    return out


def rewrite_aof(r: redis.Redis) -> None:
    r.bgrewriteaof()
    for _ in range(400):
        info = r.info("persistence")
        if not info["aof_rewrite_in_progress"] and not info["aof_rewrite_scheduled"]:
            return
        time.sleep(0.05)
    raise AssertionError("the AOF rewrite did not finish in 20 s")


EXPORTS = ("log.json", "minutes.json", "minutes.md", "results.csv", "attendance.csv")


def links(places: list[tuple[str, bytes]], choices: dict[str, list[str]]) -> list[str]:
    """Each place that holds a voter's choice in any written form."""
    return [f"{where}: {voter}" for where, content in places for voter in VOTERS
            if any(form in content for form in forms(choices[voter]))]


def test_the_aof_and_monitor_show_who_voted_but_never_what(
    election: tuple[Any, str, dict[str, str]], tmp_path: Path
) -> None:
    server, meeting, tokens = election
    choices = distinct_choices()
    url = configured_url(tmp_path)
    assert url is not None
    with Monitor(url) as monitor, httpx.Client(base_url=server.base_url, timeout=30) as http:
        for voter in VOTERS:  # one at a time: the order of arrival is exactly VOTERS
            command(http, meeting, tokens[voter], "ballot.cast",
                    {"poll": "e1", "choice": choices[voter], "ballot_id": uuid.uuid4().hex})
    with redis.Redis.from_url(url) as r:
        sealed = r.hgetall(f"ph:{{{meeting}}}:poll:e1:sealed")
        r.save()
    aof = aof_bytes(tmp_path)
    watched = "\n".join(monitor.lines).encode()
    open_rdb = joined(rdb_values(tmp_path / "redis" / "dump.rdb"))
    assert len(sealed) == len(VOTERS)

    for where, content in (("AOF", aof), ("MONITOR", watched), ("RDB while open", open_rdb)):
        for voter in VOTERS:
            assert voter.encode() in content, f"{where} should show that {voter} voted"
            for form in forms(choices[voter]):
                assert form not in content, f"{where} holds {voter}'s choice"
        # Nothing that counts an option per ballot either (the old counter layout).
        assert b"o|1|" not in content and b"HINCRBY" not in content.upper()

    # Every stored ballot is a ciphertext of the same length, so even the size of what was
    # written next to a voter's name says nothing about their choice.
    assert len({len(v) for v in sealed.values()}) == 1
    in_aof = re.findall(rb"poll:e1:sealed\r\n\$\d+\r\nV\d\d\r\n\$(\d+)\r\n", aof)
    assert len(in_aof) == len(VOTERS) and len(set(in_aof)) == 1


def test_counting_drops_the_sealed_ballots(
    election: tuple[Any, str, dict[str, str]], tmp_path: Path
) -> None:
    server, meeting, tokens = election
    choices = distinct_choices()
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        for voter in VOTERS[:6]:
            command(http, meeting, tokens[voter], "ballot.cast",
                    {"poll": "e1", "choice": choices[voter], "ballot_id": uuid.uuid4().hex})
        closed = command(http, meeting, tokens["C1"], "poll.close", {"poll": "e1"})
    counts = {row["option"]: row["count"] for row in closed["result"]["result"]["options"]}
    assert counts == {o: sum(o in choices[v] for v in VOTERS[:6]) for o in OPTIONS}
    url = configured_url(tmp_path)
    assert url is not None
    with redis.Redis.from_url(url) as r:
        assert not r.exists(f"ph:{{{meeting}}}:poll:e1:sealed")
        assert r.hlen(f"ph:{{{meeting}}}:poll:e1:voters") == 6


@pytest.mark.parametrize("secret", [True, False])
def test_no_stored_byte_links_a_voter_to_a_secret_choice_and_the_scan_finds_named_ones(
    start_server: StartServer, tmp_path: Path, admin_headers: dict[str, str], secret: bool
) -> None:
    server, meeting, tokens = hold_election(start_server, tmp_path, admin_headers, secret=secret)
    choices = distinct_choices()
    cast_all(server.base_url, meeting, tokens, choices)
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        command(http, meeting, tokens["C1"], "poll.close", {"poll": "e1"})
        command(http, meeting, tokens["C1"], "poll.publish", {"poll": "e1"})
    url = configured_url(tmp_path)
    assert url is not None
    places = stored_everywhere(tmp_path, url, server, meeting, admin_headers)
    found = links(places, choices)
    if secret:
        assert found == []
        return
    # A named poll records who chose what: the same scan finds every voter's choice in each
    # place that keeps ballots, each place on its own.
    by_place = {where: {f.split(": ")[1] for f in found if f.startswith(where + ": ")}
                for where, _ in places}
    keeping_ballots = ("AOF", "RDB dump", "RDB base of the AOF", "keys", "log.json")
    for where in keeping_ballots:
        assert by_place[where] == set(VOTERS), f"the scan of {where} missed named choices"
    # The other places keep no ballot even for a named poll (the minutes and results give
    # totals): that they were read at all is shown by what they must hold.
    content = dict(places)
    assert set(by_place) - set(keeping_ballots) == {
        "server output", "minutes.json", "minutes.md", "results.csv", "attendance.csv"}
    assert b"/commands" in content["server output"]
    for where in ("minutes.json", "minutes.md", "results.csv"):
        assert "Ứng viên o1".encode() in content[where], where
    assert b"V01" in content["attendance.csv"]


def test_after_counting_nothing_on_the_machine_opens_the_ballots_of_the_aof(
    election: tuple[Any, str, dict[str, str]], tmp_path: Path
) -> None:
    server, meeting, tokens = election
    cast_all(server.base_url, meeting, tokens, distinct_choices())
    key_dir = tmp_path / "keys" / "polls"
    assert len(list(key_dir.iterdir())) == 1  # the poll's key, outside Redis, while it is open
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        command(http, meeting, tokens["C1"], "poll.close", {"poll": "e1"})
    aof = aof_bytes(tmp_path)
    sealed = [aof[m.end():m.end() + int(m.group(1))] for m in
              re.finditer(rb"poll:e1:sealed\r\n\$\d+\r\nV\d\d\r\n\$(\d+)\r\n", aof)]
    assert len(sealed) == len(VOTERS)
    assert list(key_dir.iterdir()) == []  # destroyed with the count
    # Every file left in the data directory, tried as the key, opens none of them.
    context = f"phonghop ballot|{meeting}|e1".encode()
    candidates = [f.read_bytes() for f in tmp_path.rglob("*") if f.is_file()]
    windows = {c[i:i + 32] for c in candidates for i in range(0, max(len(c) - 31, 1), 16)
               if len(c) >= 32}
    opened = 0
    for key in windows:
        with contextlib.suppress(SealingError, ValueError):
            Sealer(key).open(sealed[0], context=context)
            opened += 1
    assert opened == 0 and len(windows) > 100
