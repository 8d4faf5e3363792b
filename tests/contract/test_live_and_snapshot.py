"""The snapshot state and the live bodies in /asyncapi.json against what the code sends.

Snapshots: whole meetings' states (tests/protocol/event_logs.py) after every event, as each
role gets them, checked by the AsyncAPI document's own schema (ajv) and walked for coverage:
every published map and key is reached by some snapshot. Live bodies: a real meeting on a real
server through clients/python/phonghop_client.py, every live frame its tablets got checked
the same way. A key written by the code and missing in the contract fails (the schemas say
``additionalProperties: false``); the last tests show that the check can fail.
"""

from __future__ import annotations

import contextlib
import json
import re
import types
import typing
from pathlib import Path
from typing import Any, TypedDict, Union, get_args, get_origin

import httpx
import pytest
import redis

from clients.python.phonghop_client import Json, MeetingClient
from protocol import asyncapi
from protocol.json_schema import map_fields
from protocol.live_bodies import LIVE_BODIES
from protocol.snapshot_state import SnapshotState
from rooms import aggregate
from rooms.model import Role
from rooms.quorum import quorum
from server.contract import asyncapi_document
from tests.contract.test_asyncapi import _check_frames, logs

REPO = Path(__file__).resolve().parents[2]
# Keys no test meeting reaches: ``error`` is written only when the meeting's quorum rule
# cannot be read (rooms/quorum.py), and none of them has such a rule.
NEVER_REACHED = {("QuorumMap", "error")}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    served: dict[str, Any] = json.loads(json.dumps(asyncapi_document()))
    return served


def snapshot_frames() -> list[dict[str, Any]]:
    """The snapshot each role gets after every event of the test meetings (the demo congress,
    350 delegates, only at its end)."""
    frames = []
    for name, log in logs().items():
        points = [len(log)] if name == "demo congress" else range(1, len(log) + 1)
        for n in points:
            state = aggregate.fold(log[:n])
            for role in Role:
                # A different participant of the role each time: their own records differ.
                ids = [p.id for p in state.participants.values() if p.role == role] or ["x"]
                pid = ids[n % len(ids)]
                frames.append({"v": 1, "type": "snapshot", "meeting": state.id, "epoch": "e",
                               "seq": n, "state": aggregate.snapshot(state, role, pid)})
    plain: list[dict[str, Any]] = json.loads(json.dumps(frames))
    return plain


def test_every_snapshot_matches_the_published_state(doc: dict[str, Any], tmp_path: Path) -> None:
    frames = snapshot_frames()
    cases = [{"message": "snapshot", "frame": f} for f in frames]
    out = _check_frames(doc, cases, tmp_path)
    assert out.strip().endswith(f"{len(cases)} of {len(cases)} frames match"), out[-3000:]


def test_every_published_key_of_the_state_is_reached() -> None:
    """The other direction: a map or key in the contract that no snapshot has would be a
    contract promising what the code does not send."""
    seen: dict[str, set[str]] = {}
    for frame in snapshot_frames():
        _reach(SnapshotState, frame["state"], seen)
    for name, keys in _published_maps(SnapshotState).items():
        missing = {k for k in keys - seen.get(name, set()) if (name, k) not in NEVER_REACHED}
        assert not missing, f"{name}: {sorted(missing)} never seen in a snapshot"


def _reach(tp: Any, value: Any, seen: dict[str, set[str]]) -> None:
    """Record, per TypedDict name, the keys ``value`` fills (recursively)."""
    origin = get_origin(tp)
    if typing.is_typeddict(tp) and isinstance(value, dict):
        hints, _ = map_fields(tp)
        seen.setdefault(tp.__name__, set()).update(k for k in value if k in hints)
        for key, item in value.items():
            if key in hints:
                _reach(hints[key], item, seen)
    elif origin is Union or origin is types.UnionType:
        for member in get_args(tp):
            _reach(member, value, seen)
    elif origin is list and isinstance(value, list):
        for item in value:
            _reach(get_args(tp)[0], item, seen)
    elif origin is dict and isinstance(value, dict):
        for item in value.values():
            _reach(get_args(tp)[1], item, seen)


def _published_maps(tp: Any, out: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Every TypedDict reachable from ``tp``, with its keys."""
    out = {} if out is None else out
    if typing.is_typeddict(tp):
        if tp.__name__ in out:
            return out
        hints, _ = map_fields(tp)
        out[tp.__name__] = set(hints)
        for hint in hints.values():
            _published_maps(hint, out)
    for arg in get_args(tp):
        _published_maps(arg, out)
    return out


def test_every_live_kind_the_server_sends_is_published(doc: dict[str, Any]) -> None:
    """The live kinds named where the server sends them (server/*.py) are the contract's."""
    sent = set()
    for path in (REPO / "server").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        sent |= set(re.findall(r'(?:set_live|Live)\(\s*"([^"]+)"', text))
    published = {m["x-kind"] for n, m in doc["components"]["messages"].items()
                 if n.startswith("live.")}
    assert sent == published == set(LIVE_BODIES)
    for kind, body_type in LIVE_BODIES.items():
        payload = doc["components"]["messages"][f"live.{kind}"]["payload"]
        ref = payload["properties"]["body"]["$ref"].rsplit("/", 1)[1]
        assert set(doc["components"]["schemas"][ref]["properties"]) == set(map_fields(body_type)[0])


ROSTER = "code,full_name,role\nC1,Chủ tọa,chair\nV1,Đại biểu 1,delegate\n" \
         "V2,Đại biểu 2,delegate\nV3,Đại biểu 3,delegate\n"
# What the chair's console and a proxy holder's tablet are sent, between them every kind.
CHAIR_KINDS = {"quorum", "me", "poll.progress", "poll.tally", "questions.votes"}
HOLDER_KINDS = {"presence", "me", "poll.eligibility", "poll.progress", "questions.votes"}


async def _live_meeting(server: Any, admin: dict[str, str]) -> list[Json]:
    """A meeting on a real server that makes every live kind: quorum and presence, each
    tablet's own record, a proxy holder's eligibility, a named poll with a live tally and
    its turnout, and question votes. Returns every live frame the tablets got."""
    with httpx.Client(base_url=server.base_url, headers=admin, timeout=30) as http:
        meeting = http.post("/api/meetings", json={"title": "Họp"}).json()["id"]
        assert http.post(f"/api/meetings/{meeting}/roster", content=ROSTER.encode()).is_success
        people = http.get(f"/api/meetings/{meeting}/participants").json()["participants"]
    tokens = {p["id"]: p["join_url"].rsplit("/j/", 1)[1] for p in people}
    frames: dict[str, list[Json]] = {pid: [] for pid in ("C1", "V1", "V2")}
    clients = {pid: MeetingClient(server.ws_url, meeting, tokens[pid], codec="json", timeout=30)
               for pid in frames}
    async with contextlib.AsyncExitStack() as stack:
        for pid, client in clients.items():
            stack.push_async_callback(client.close)
            client._handle = _spy(client._handle, frames[pid])  # type: ignore[method-assign]
            await client.connect()
        chair, v1, v2 = clients["C1"], clients["V1"], clients["V2"]
        await chair.command("meeting.open")
        await v1.command("checkin.self", {"device": "t1"})
        await v2.command("checkin.self", {"device": "t2"})
        await chair.command("proxy.grant", {"from": "V3", "to": "V2"})
        await chair.command("agenda.import", {"items": [{"id": "1", "title": "Một"}]})
        await chair.command("agenda.set_current", {"id": "1"})
        asked = await v1.command("question.ask", {"text": "Câu hỏi?"})
        await chair.command("question.approve", {"id": asked["id"]})
        await v2.command("question.vote", {"id": asked["id"], "up": True})
        await chair.command("poll.create", {"id": "p1", "title": "Biểu quyết",
                                            "method": "yes_no_abstain", "secret": False,
                                            "rule": "more than 1/2 of valid ballots",
                                            "live_tally": True})
        await chair.command("poll.open", {"poll": "p1"})
        await v1.cast_ballot("p1", "yes")
        await chair.wait_for(lambda: {f["kind"] for f in frames["C1"]} >= CHAIR_KINDS)
        await v2.wait_for(lambda: {f["kind"] for f in frames["V2"]} >= HOLDER_KINDS)
    return [f for got in frames.values() for f in got]


def _spy(handle: Any, frames: list[Json]) -> Any:
    def spy(msg: Json) -> bool:
        if msg.get("type") == "live":
            frames.append(msg)
        return bool(handle(msg))
    return spy


async def test_every_live_frame_matches_the_published_body(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str],
    doc: dict[str, Any], tmp_path: Path,
) -> None:
    live_frames = await _live_meeting(start_server(), admin_headers)
    assert {f["kind"] for f in live_frames} == set(LIVE_BODIES)
    cases = [{"message": f"live.{f['kind']}", "frame": f} for f in live_frames]
    cases += [{"message": "live", "frame": f} for f in live_frames]
    out = _check_frames(doc, cases, tmp_path)
    assert out.strip().endswith(f"{len(cases)} of {len(cases)} frames match"), out


class _PresenceWithoutMet(TypedDict):
    present: int
    entitled: int


class _AgendaWithoutTimer(TypedDict):
    items: list[Any]
    current: str | None


def test_a_field_missing_from_a_live_shape_fails(
    doc: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if the code wrote ``met`` in presence and the shape did not list it. The body is
    what server/attendance_live.py sends: ``rooms.quorum.quorum(state).counts()``."""
    state = aggregate.fold(logs()["every feature"])
    frame = {"v": 1, "type": "live", "kind": "presence", "body": quorum(state).counts()}
    case = [{"message": "live.presence", "frame": json.loads(json.dumps(frame))}]
    assert _check_frames(doc, case, tmp_path).strip().endswith("1 of 1 frames match")
    monkeypatch.setitem(LIVE_BODIES, "presence", _PresenceWithoutMet)
    out = _check_frames(_rebuilt(), case, tmp_path)
    assert out.strip().endswith("0 of 1 frames match"), out
    assert "must NOT have additional properties" in out, out


def test_a_field_missing_from_the_state_shape_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if the code added a running timer to the agenda part and the shape did not list it."""
    hints = typing.get_type_hints(SnapshotState, include_extras=True)
    hints["agenda"] = _AgendaWithoutTimer
    monkeypatch.setattr(asyncapi, "SnapshotState", TypedDict("SnapshotState", hints))  # type: ignore[operator]
    broken = _rebuilt()
    timed = [f for f in snapshot_frames() if f["state"]["agenda"]["timer"]][:3]
    assert timed
    out = _check_frames(broken, [{"message": "snapshot", "frame": f} for f in timed], tmp_path)
    assert out.strip().endswith(f"0 of {len(timed)} frames match"), out


def _rebuilt() -> dict[str, Any]:
    """The document built again from the (patched) shapes, as server/contract.py builds it."""
    built: dict[str, Any] = json.loads(json.dumps(asyncapi_document.__wrapped__()))
    return built
