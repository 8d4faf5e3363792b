"""A delegate's own questions and feedback reach their tablets, and only theirs, as the
personal live message ``mine`` (server/floor_live.py, rooms/my_items.py), across two
processes: the whole list on connecting, then each change with its state and answer."""

from __future__ import annotations

from typing import Any

import redis

from tests.integration.test_floor import first, ok
from tests.support import Client, make_meeting, token_of


def mine(client: Client) -> list[dict[str, Any]]:
    return [lv["body"] for lv in client.lives if lv["kind"] == "mine"]


def latest(client: Client, bucket: str, item_id: str) -> dict[str, Any] | None:
    found = [x for body in mine(client) for x in body[bucket] if x["id"] == item_id]
    return found[-1] if found else None


async def test_a_delegate_gets_their_own_items_and_answers_and_no_one_elses(
    start_server: Any, redis_db: redis.Redis, admin_headers: dict[str, str], tmp_path: Any,
) -> None:
    a = start_server(data_dir=tmp_path)
    b = start_server(data_dir=tmp_path)
    meeting, people = make_meeting(a.base_url, admin_headers)
    chair_p, secretary_p = first(people, "chair")[0], first(people, "secretary")[0]
    d1_p, d2_p = first(people, "delegate", 2)
    chair = Client(a.ws_url, meeting, token_of(chair_p))
    secretary = Client(a.ws_url, meeting, token_of(secretary_p))
    d1 = Client(b.ws_url, meeting, token_of(d1_p), codec="msgpack")
    d2 = Client(b.ws_url, meeting, token_of(d2_p))
    for c in (chair, secretary, d1, d2):
        await c.connect()
    await ok(chair, "meeting.open")
    await ok(chair, "agenda.import", {"items": [{"title": "Thảo luận", "kind": "discussion"}]})
    await ok(chair, "agenda.set_current", {"id": "1"})
    await d1.wait_for(lambda: mine(d1) == [{"questions": [], "feedback": [], "all": True}])
    assert mine(chair) == [] and mine(secretary) == []

    asked = await ok(d1, "question.ask", {"text": "Vì sao?"})
    qid = asked["result"]["id"]
    await d1.wait_for(lambda: (latest(d1, "questions", qid) or {}).get("status") == "pending")
    sent = await ok(d1, "feedback.submit", {"text": "Đề nghị bổ sung chỉ tiêu."})
    fid = sent["result"]["id"]
    await d1.wait_for(lambda: latest(d1, "feedback", fid) is not None)

    await ok(secretary, "question.approve", {"id": qid})
    await ok(secretary, "question.answer", {"id": qid})
    await ok(secretary, "feedback.mark",
             {"id": fid, "status": "answered", "answer": "Đã bổ sung vào mục III."})
    await d1.wait_for(lambda: (latest(d1, "feedback", fid) or {}).get("status") == "answered")
    question = latest(d1, "questions", qid)
    assert question is not None
    assert (question["status"], question["answered"]) == ("approved", True)
    assert latest(d1, "feedback", fid)["answer"] == "Đã bổ sung vào mục III."  # type: ignore[index]

    # The other delegate heard only of their own (empty) list.
    await d2.wait_seq(d1.pos)
    assert mine(d2) == [{"questions": [], "feedback": [], "all": True}]

    # Back after a drop, by replay: the whole list again, as it stands now.
    await d1.drop()
    d1b = Client(b.ws_url, meeting, token_of(d1_p))
    await d1b.connect()
    await d1b.wait_for(lambda: bool(mine(d1b)))
    (whole,) = mine(d1b)
    assert whole["all"] is True
    assert [(f["id"], f["status"]) for f in whole["feedback"]] == [(fid, "answered")]
    assert [(q["id"], q["answered"]) for q in whole["questions"]] == [(qid, True)]
    for c in (chair, secretary, d2, d1b):
        await c.close()
