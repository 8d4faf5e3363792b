"""The meeting floor end to end: real run.py processes, real Redis, WebSocket clients.

Each command and what each role sees of it; follow-the-chair across two processes; a document
change reaching 500 connected tablets; moderation keeping hidden questions off the screen;
upvotes counted once per delegate however they race.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from importlib import resources
from typing import Any

import httpx
import pypdf
import pytest
import redis
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Settings
from tests.support import Client, make_meeting, token_of

pytestmark = [pytest.mark.redis]

CONGRESS = resources.files("server").joinpath("assets/demo/congress.toml").read_bytes()


def pdf_bytes(pages: int, tag: str = "") -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.add_metadata({"/Subject": tag})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def first(people: dict[str, dict[str, Any]], role: str, n: int = 1) -> list[dict[str, Any]]:
    return [p for p in people.values() if p["role"] == role][:n]


def add_screen(base_url: str, admin: dict[str, str], meeting: str) -> dict[str, Any]:
    with httpx.Client(base_url=base_url, headers=admin) as http:
        resp = http.post(f"/api/meetings/{meeting}/participants",
                         json={"id": "SCREEN1", "full_name": "Màn hình hội trường",
                               "role": "screen"})
        assert resp.status_code == 201, resp.text
        people = http.get(f"/api/meetings/{meeting}/participants").json()["participants"]
    return next(p for p in people if p["id"] == "SCREEN1")


def upload(base_url: str, meeting: str, token: str, data: bytes, filename: str,
           doc: str | None = None, **params: str) -> dict[str, Any]:
    path = f"/api/meetings/{meeting}/documents" + (f"/{doc}/versions" if doc else "")
    resp = httpx.post(base_url + path, content=data, params={"filename": filename, **params},
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def seen(client: Client, kind: str) -> list[dict[str, Any]]:
    return [e["body"] for e in client.events if e["kind"] == kind]


async def ok(client: Client, kind: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = await client.command(kind, body)
    assert reply["type"] == "ack", reply
    return reply


async def test_each_floor_command_and_what_each_role_sees(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    screen_p = add_screen(server.base_url, admin_headers, meeting)
    chair_p, secretary_p = first(people, "chair")[0], first(people, "secretary")[0]
    d1_p, d2_p = first(people, "delegate", 2)
    chair = Client(server.ws_url, meeting, token_of(chair_p))
    secretary = Client(server.ws_url, meeting, token_of(secretary_p), codec="msgpack")
    d1 = Client(server.ws_url, meeting, token_of(d1_p))
    d2 = Client(server.ws_url, meeting, token_of(d2_p), codec="msgpack")
    screen = Client(server.ws_url, meeting, token_of(screen_p))
    everyone = (chair, secretary, d1, d2, screen)
    for c in everyone:
        await c.connect()
    await ok(chair, "meeting.open")

    # Agenda: imported from congress.toml over HTTP, pushed to every view.
    resp = httpx.post(f"{server.base_url}/api/meetings/{meeting}/agenda", content=CONGRESS,
                      headers={**admin_headers, "Content-Type": "application/toml"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["imported"] == 9
    await ok(chair, "agenda.set_current", {"id": "5"})
    timer = await ok(chair, "agenda.timer.start")
    for c in everyone:
        await c.wait_seq(timer["seq"])
        assert len(seen(c, "agenda.imported")[0]["items"]) == 9
        assert seen(c, "agenda.current_changed") == [{"id": "5", "previous": None}]
        (started,) = seen(c, "agenda.timer_started")
        assert started["duration_ms"] == 120 * 60_000 and started["item"] == "5"

    # A draft reaches staff only; its release reaches everyone; the chair pushes a page.
    token_s = token_of(secretary_p)
    draft = upload(server.base_url, meeting, token_s, pdf_bytes(6), "dieu-le.pdf",
                   draft="1", item="5", title="Dự thảo Điều lệ")
    doc_id = draft["document"]["id"]
    await ok(chair, "document.release", {"id": doc_id})
    follow = await ok(chair, "floor.follow", {"document": doc_id, "page": 4})
    for c in everyone:
        await c.wait_seq(follow["seq"])
        assert seen(c, "floor.followed") == [{"document": doc_id, "version": 1, "page": 4}]
        assert seen(c, "document.published")[0]["pages"] == 6
    for c in (chair, secretary):
        assert seen(c, "document.drafted")[0]["id"] == doc_id
    for c in (d1, d2, screen):
        assert seen(c, "document.drafted") == []

    # Speakers: a request, a point of order to the top, the floor with its countdown, the end.
    await ok(d1, "speakers.request")
    await ok(d2, "speakers.request", {"point_of_order": True})
    dup = await d1.command("speakers.request")
    assert dup["type"] == "error" and dup["code"] == "duplicate"
    given = await ok(chair, "speakers.give_floor")
    ended = await ok(chair, "speakers.end")
    for c in everyone:
        await c.wait_seq(ended["seq"])
        (floor,) = seen(c, "speakers.floor_given")
        assert floor["participant"] == d2_p["id"] and floor["kind"] == "point_of_order"
        assert floor["seconds"] == 7 * 60
        (done,) = seen(c, "speakers.floor_ended")
        assert done["participant"] == d2_p["id"] and done["spoke_ms"] >= 0
    assert given["seq"] < ended["seq"]
    forbidden = await d1.command("speakers.give_floor", {})
    assert forbidden["type"] == "error" and forbidden["code"] == "forbidden"

    # Feedback: the secretary sees it live; other delegates and the screen never do.
    script = "<script>alert('x')</script> Điều 5 cần sửa"
    fb = await ok(d1, "feedback.submit", {"text": script, "document": doc_id, "page": 3,
                                          "paragraph": 2})
    fid = fb["result"]["id"]
    await ok(secretary, "feedback.tag", {"id": fid, "tags": ["điều lệ"]})
    marked = await ok(secretary, "feedback.mark", {"id": fid, "status": "accepted"})
    await secretary.wait_seq(marked["seq"])
    (submitted,) = seen(secretary, "feedback.submitted")
    assert submitted["text"] == script and submitted["page"] == 3
    assert submitted["item"] == "5"
    for c in (d1, d2, screen):
        await c.wait_seq(marked["seq"] - 3)
        assert seen(c, "feedback.submitted") == [] and seen(c, "feedback.marked") == []

    # Q&A: the screen sees a question only once approved, and then with its votes.
    q = await ok(d1, "question.ask", {"text": "Khi nào ban hành?"})
    qid = q["result"]["id"]
    approved = await ok(secretary, "question.approve", {"id": qid})
    vote = await ok(d2, "question.vote", {"id": qid, "up": True})
    await screen.wait_seq(approved["seq"])
    assert seen(screen, "question.asked") == [] and seen(screen, "question.voted") == []
    assert seen(screen, "question.approved")[0]["text"] == "Khi nào ban hành?"
    await screen.wait_for(lambda: any(
        lv["kind"] == "questions.votes" and lv["body"]["votes"].get(qid) == 1
        for lv in screen.lives))
    await secretary.wait_seq(vote["seq"])
    assert seen(secretary, "question.voted") == [{"id": qid, "participant": d2_p["id"], "up": True}]

    # A fresh screen's snapshot holds the whole floor.
    late = Client(server.ws_url, meeting, token_of(screen_p))
    await late.connect()
    state = late.snapshots[-1]["state"]
    assert state["agenda"]["current"] == "5" and state["agenda"]["timer"]["item"] == "5"
    assert state["follow"] == {"document": doc_id, "version": 1, "page": 4,
                               "at": state["follow"]["at"]}
    assert [d["id"] for d in state["documents"]] == [doc_id]
    assert state["feedback"] == []
    assert [(x["id"], x["votes"]) for x in state["questions"]] == [(qid, 1)]
    for c in (*everyone, late):
        await c.close()


@pytest.mark.multiprocess
async def test_follow_the_chair_across_two_processes(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str],
    tmp_path: Any,
) -> None:
    # Both processes serve the same documents directory, as a deployment must.
    a = start_server(data_dir=tmp_path)
    b = start_server(data_dir=tmp_path)
    meeting, people = make_meeting(a.base_url, admin_headers)
    chair_p = first(people, "chair")[0]
    tablets_p = first(people, "delegate", 6)
    doc = upload(a.base_url, meeting, token_of(chair_p), pdf_bytes(20), "bao-cao.pdf")
    doc_id = doc["document"]["id"]
    chair = Client(a.ws_url, meeting, token_of(chair_p))
    tablets = [Client(b.ws_url, meeting, token_of(p), codec=c)
               for p, c in zip(tablets_p, ["json", "msgpack"] * 3, strict=True)]
    for c in (chair, *tablets):
        await c.connect()
    pages = [1, 5, 6, 12, 20]
    last = {}
    for page in pages:
        last = await ok(chair, "floor.follow", {"document": doc_id, "page": page})
    for t in tablets:
        await t.wait_seq(last["seq"])
        assert [f["page"] for f in seen(t, "floor.followed")] == pages
    # A tablet that joins on B later starts on the chair's page, and can fetch it from B.
    late_p = first(people, "delegate", 7)[-1]
    late = Client(b.ws_url, meeting, token_of(late_p))
    await late.connect()
    follow = late.snapshots[-1]["state"]["follow"]
    assert (follow["document"], follow["page"]) == (doc_id, 20)
    resp = httpx.get(f"{b.base_url}/api/meetings/{meeting}/documents/{doc_id}",
                     headers={"Authorization": f"Bearer {token_of(late_p)}"},
                     params={}, timeout=10)
    assert resp.status_code == 200 and resp.headers["x-document-pages"] == "20"
    for c in (chair, *tablets, late):
        await c.close()


async def test_a_new_document_version_reaches_500_connected_tablets(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    roster = "code,full_name,role\nC1,Chủ tọa,chair\n" + "".join(
        f"D{i:04d},Đại biểu {i},delegate\n" for i in range(500))
    meeting, people = make_meeting(server.base_url, admin_headers, roster=roster.encode())
    chair_p = people["C1"]
    doc = upload(server.base_url, meeting, token_of(chair_p), pdf_bytes(2, "v1"), "nq.pdf")
    doc_id = doc["document"]["id"]
    tablets = [Client(server.ws_url, meeting, token_of(p), codec="msgpack" if n % 2 else "json")
               for n, p in enumerate(first(people, "delegate", 500))]
    for batch in range(0, 500, 50):
        await asyncio.gather(*(t.connect() for t in tablets[batch:batch + 50]))
    assert all(t.snapshots[-1]["state"]["documents"][0]["current"] == 1 for t in tablets)
    new = upload(server.base_url, meeting, token_of(chair_p), pdf_bytes(3, "v2"), "nq-v2.pdf",
                 doc=doc_id)
    sha = new["document"]["versions"][-1]["sha256"]

    def has_v2(t: Client) -> bool:
        return any(b["version"] == 2 for b in seen(t, "document.published"))

    await asyncio.gather(*(t.wait_for(lambda t=t: has_v2(t), timeout=30) for t in tablets))
    for t in tablets:
        (published,) = seen(t, "document.published")
        assert (published["id"], published["version"], published["sha256"]) == (doc_id, 2, sha)
    await asyncio.gather(*(t.close() for t in tablets))


@pytest.mark.multiprocess
async def test_upvotes_count_once_per_delegate_under_concurrency(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    a, b = start_server(), start_server()
    meeting, people = make_meeting(a.base_url, admin_headers)
    chair_p = first(people, "chair")[0]
    voters_p = first(people, "delegate", 40)
    chair = Client(a.ws_url, meeting, token_of(chair_p))
    await chair.connect()
    on_a = [Client(a.ws_url, meeting, token_of(p)) for p in voters_p]
    on_b = [Client(b.ws_url, meeting, token_of(p), codec="msgpack") for p in voters_p]
    for c in (*on_a, *on_b):
        await c.connect()
    asked = await ok(on_a[0], "question.ask", {"text": "Ngân sách?"})
    qid = asked["result"]["id"]
    await ok(chair, "question.approve", {"id": qid})
    await asyncio.gather(*(c.wait_seq(asked["seq"] + 1) for c in (*on_a, *on_b)))
    # Each delegate votes three times at once: twice on A, once on B, each a new command id.
    replies = await asyncio.gather(*(
        c.command("question.vote", {"id": qid, "up": True})
        for pair in zip(on_a, on_b, strict=True) for c in (pair[0], pair[1], pair[0])
    ))
    acks = [r for r in replies if r["type"] == "ack"]
    dups = [r for r in replies if r["type"] == "error"]
    assert len(acks) == 40 and len(dups) == 80
    assert {d["code"] for d in dups} == {"duplicate"}
    # Half take it back, concurrently with a second un-vote each.
    undo = await asyncio.gather(*(
        c.command("question.vote", {"id": qid, "up": False})
        for pair in zip(on_a[:20], on_b[:20], strict=True) for c in pair
    ))
    assert sum(r["type"] == "ack" for r in undo) == 20
    key = f"ph:{{{meeting}}}:qv:{qid}"
    assert redis_db.hlen(key) == 20
    with httpx.Client(base_url=a.base_url, headers=admin_headers) as http:
        log = http.get(f"/api/meetings/{meeting}/log.json").json()["events"]
    votes = [e["body"] for e in log if e["kind"] == "question.voted"]
    assert len(votes) == 60
    fresh = Client(b.ws_url, meeting, token_of(chair_p))
    await fresh.connect()
    (question,) = fresh.snapshots[-1]["state"]["questions"]
    assert question["votes"] == 20
    await chair.wait_for(lambda: any(
        lv["kind"] == "questions.votes" and lv["body"]["votes"] == {qid: 20}
        for lv in chair.lives))
    for c in (chair, fresh, *on_a, *on_b):
        await c.close()


async def test_moderation_keeps_hidden_questions_off_the_screen(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    screen_p = add_screen(server.base_url, admin_headers, meeting)
    secretary = Client(server.ws_url, meeting, token_of(first(people, "secretary")[0]))
    delegates = [Client(server.ws_url, meeting, token_of(p)) for p in first(people, "delegate", 3)]
    screen = Client(server.ws_url, meeting, token_of(screen_p))
    for c in (secretary, *delegates, screen):
        await c.connect()
    ids = [(await ok(d, "question.ask", {"text": f"Câu hỏi {n}"}))["result"]["id"]
           for n, d in enumerate(delegates)]
    q_ok, q_hidden, q_pending = ids
    await ok(secretary, "question.approve", {"id": q_ok})
    await ok(secretary, "question.approve", {"id": q_hidden})
    await ok(delegates[2], "question.vote", {"id": q_hidden, "up": True})
    hidden = await ok(secretary, "question.hide", {"id": q_hidden})
    # Votes on a hidden question are refused, as if it did not exist.
    refused = await delegates[1].command("question.vote", {"id": q_hidden, "up": True})
    assert refused["type"] == "error" and refused["code"] == "not_found"
    await screen.wait_seq(hidden["seq"])
    assert [b["id"] for b in seen(screen, "question.approved")] == [q_ok, q_hidden]
    assert seen(screen, "question.hidden") == [{"id": q_hidden}]
    assert q_pending not in str(screen.events)
    def shown_votes() -> dict[str, int] | None:
        counts = [lv["body"]["votes"] for lv in screen.lives if lv["kind"] == "questions.votes"]
        return counts[-1] if counts else None

    await screen.wait_for(lambda: shown_votes() == {q_ok: 0})
    fresh = Client(server.ws_url, meeting, token_of(screen_p))
    await fresh.connect()
    assert [q["id"] for q in fresh.snapshots[-1]["state"]["questions"]] == [q_ok]
    for c in (secretary, *delegates, screen, fresh):
        await c.close()


def test_feedback_and_questions_are_rate_limited_per_delegate(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    limited = replace(settings, extra={"floor_rate_limit": "3", "floor_rate_window_ms": "60000"})
    with TestClient(create_app(limited)) as http:
        created = http.post("/api/meetings", json={"title": "Họp"}, headers=admin_headers)
        meeting = created.json()["id"]
        roster = "code,full_name,role\nC1,Chủ tọa,chair\nD1,Một,delegate\nD2,Hai,delegate\n"
        http.post(f"/api/meetings/{meeting}/roster", content=roster.encode(),
                  headers=admin_headers)
        people = http.get(f"/api/meetings/{meeting}/participants", headers=admin_headers).json()
        tokens = {p["id"]: {"Authorization": f"Bearer {token_of(p)}"}
                  for p in people["participants"]}
        http.post(f"/api/meetings/{meeting}/agenda", json=[{"title": "Thảo luận"}],
                  headers=admin_headers)

        def send(who: str, kind: str, text: str) -> int:
            resp = http.post(f"/api/meetings/{meeting}/commands", headers=tokens[who],
                             json={"kind": kind, "body": {"text": text, "item": "1"}})
            return resp.status_code

        assert [send("D1", "feedback.submit", f"ý {n}") for n in range(5)] == [200] * 3 + [429] * 2
        # Another delegate, and the other kind, have their own budgets.
        assert send("D2", "feedback.submit", "ý") == 200
        assert [send("D1", "question.ask", f"hỏi {n}") for n in range(4)] == [200] * 3 + [429]
        # Text over the limit is refused before it costs anything.
        assert send("D2", "feedback.submit", "x" * 4001) == 422
        assert send("D2", "question.ask", "x" * 1001) == 422
        log = http.get(f"/api/meetings/{meeting}/log.json", headers=admin_headers).json()
        kinds = [e["kind"] for e in log["events"]]
        assert kinds.count("feedback.submitted") == 4 and kinds.count("question.asked") == 3
