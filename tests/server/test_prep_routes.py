"""The secretary's preparation routes against the real app and Redis: a roster file (CSV or
XLSX) previewed without a change and imported all or nothing; a definition imported into a
meeting that has not opened, refused once it has."""

from __future__ import annotations

from importlib import resources

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Settings
from tests.server.test_roster_files import xlsx

CONGRESS = resources.files("server").joinpath("assets/demo/congress.toml").read_text("utf-8")
XLSX = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

pytestmark = pytest.mark.redis


def _meeting(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post("/api/meetings", json={"title": "Hội nghị"}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _roster(client: TestClient, mid: str, headers: dict[str, str]) -> set[str]:
    res = client.get(f"/api/meetings/{mid}/participants", headers=headers)
    return {p["id"] for p in res.json()["participants"]}


def test_an_xlsx_roster_is_previewed_without_change_and_imported_all_or_nothing(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    rows = [("code", "full_name", "role")] + [(f"D{n}", f"Đại biểu {n}", "delegate")
                                              for n in range(1, 6)]
    bad = xlsx([*rows, ("D 6", "Bad", "delegate")])
    good = xlsx(rows)
    with TestClient(create_app(settings)) as client:
        mid = _meeting(client, admin_headers)
        headers = {**admin_headers, **XLSX}
        refused = client.post(f"/api/meetings/{mid}/roster", content=bad, headers=headers)
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "invalid_roster"
        assert [r["row"] for r in refused.json()["error"]["details"]["rows"]] == [7]
        assert _roster(client, mid, admin_headers) == set()
        assert client.post(f"/api/meetings/{mid}/roster/preview", content=bad,
                           headers=headers).status_code == 422

        preview = client.post(f"/api/meetings/{mid}/roster/preview", content=good,
                              headers=headers)
        assert preview.status_code == 200
        assert (preview.json()["count"], preview.json()["updates"]) == (5, 0)
        assert preview.json()["participants"][0]["full_name"] == "Đại biểu 1"
        assert _roster(client, mid, admin_headers) == set()

        done = client.post(f"/api/meetings/{mid}/roster", content=good, headers=headers)
        assert done.status_code == 200 and done.json()["imported"] == 5
        assert _roster(client, mid, admin_headers) == {f"D{n}" for n in range(1, 6)}
        again = client.post(f"/api/meetings/{mid}/roster/preview", content=good,
                            headers=headers)
        assert again.json()["updates"] == 5


def test_a_definition_goes_into_a_meeting_before_it_opens_and_is_refused_after(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    toml = {**admin_headers, "Content-Type": "application/toml"}
    with TestClient(create_app(settings)) as client:
        mid = _meeting(client, admin_headers)
        made = client.post(f"/api/meetings/{mid}/commands", headers=admin_headers, json={
            "kind": "poll.create", "body": {"id": "p2", "title": "Đã có",
                                            "method": "yes_no_abstain",
                                            "rule": "more than 1/2 of valid ballots"}})
        assert made.status_code == 200, made.text
        response = client.post(f"/api/meetings/{mid}/definition", content=CONGRESS.encode(),
                               headers=toml)
        assert response.status_code == 200, response.text
        assert response.json() == {"agenda_items": 9, "documents": 3, "polls": 4}
        meeting = client.get(f"/api/meetings/{mid}", headers=admin_headers).json()
        assert meeting["title"] == "Hội nghị"
        polls = client.get(f"/api/meetings/{mid}/polls", headers=admin_headers).json()["polls"]
        # p2 was taken by the meeting's own poll: the definition's p2 took the next free id.
        assert sorted((p["poll"], p.get("agenda_item")) for p in polls) == [
            ("p1", "2"), ("p2", None), ("p3", "3"), ("p7", "7"), ("p8", "8")]

        bad = client.post(f"/api/meetings/{mid}/definition", headers=toml,
                          content=CONGRESS.replace("seats = 11", "seats = 40").encode())
        assert bad.status_code == 422
        assert bad.json()["error"]["code"] == "invalid_definition"

        opened = client.post(f"/api/meetings/{mid}/commands", headers=admin_headers,
                             json={"kind": "meeting.open", "body": {}})
        assert opened.status_code == 200, opened.text
        late = client.post(f"/api/meetings/{mid}/definition", content=CONGRESS.encode(),
                           headers=toml)
        assert late.status_code == 409
        assert "already started" in late.json()["error"]["message"]
        after = client.get(f"/api/meetings/{mid}/polls", headers=admin_headers).json()["polls"]
        assert len(after) == 5
