"""A delegate's tablet cannot fill the permanent log: every log-writing command of a
delegate counts against a rate limit per participant, answered `rate_limited`, while staff
are not limited and ballots (no log event) keep their own guards."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Settings
from tests.support import token_of

pytestmark = [pytest.mark.redis]


def test_toggling_a_speaking_request_is_rate_limited_and_the_log_stays_small(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    narrow = replace(settings, extra={"command_rate_limit": "10",
                                      "command_rate_window_ms": "60000"})
    with TestClient(create_app(narrow)) as http:
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

        def send(who: str, kind: str, body: dict[str, object]) -> tuple[int, str]:
            resp = http.post(f"/api/meetings/{meeting}/commands", headers=tokens[who],
                             json={"kind": kind, "body": body})
            return resp.status_code, resp.json().get("error", {}).get("code", "")

        assert send("C1", "meeting.open", {})[0] == 200
        assert send("C1", "agenda.set_current", {"id": "1"})[0] == 200
        answers = [send("D1", kind, {})
                   for _ in range(50) for kind in ("speakers.request", "speakers.withdraw")]
        assert answers[:10] == [(200, "")] * 10
        # Past the limit every request is refused; so is every withdrawal, since no request
        # stands (a refusal for another reason writes nothing either).
        assert set(answers[10::2]) == {(429, "rate_limited")}
        assert set(answers[11::2]) == {(404, "not_found")}
        # Another delegate has their own budget; staff have none.
        assert send("D2", "speakers.request", {})[0] == 200
        chair = [send("C1", "agenda.timer.start" if n % 2 == 0 else "agenda.timer.stop",
                      {"seconds": 60} if n % 2 == 0 else {})[0]
                 for n in range(30)]
        assert chair == [200] * 30
        log = http.get(f"/api/meetings/{meeting}/log.json", headers=admin_headers).json()
        by_d1 = [e for e in log["events"] if e["actor"] == "D1"]
        assert len(by_d1) == 10  # 100 attempts, 10 permanent events
