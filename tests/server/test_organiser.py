"""The organiser's routes against the real app and Redis: a meeting made from a definition
file (all or nothing), exported as TOML or JSON and made again equal; listing, archiving,
the secretary desk link; and the demo congress loaded from its definition."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from rooms.definition import loads_json, loads_toml
from server.app import create_app
from server.config import Settings
from server.documents import file_path

CONGRESS = resources.files("server").joinpath("assets/demo/congress.toml").read_text("utf-8")
TOML = {"Content-Type": "application/toml"}


def _import(client: TestClient, headers: dict[str, str], text: str) -> dict:  # type: ignore[type-arg]
    response = client.post("/api/meetings/import", content=text.encode(),
                           headers={**headers, **TOML})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_import_makes_the_meeting_and_export_gives_it_back(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    with TestClient(create_app(settings)) as client:
        made = _import(client, admin_headers, CONGRESS)
        assert (made["agenda_items"], made["documents"], made["prepared_polls"]) == (9, 3, 4)
        assert made["settings"]["majority"] == "more than 1/2 of delegates present"
        mid = made["id"]
        polls = client.get(f"/api/meetings/{mid}/polls", headers=admin_headers).json()["polls"]
        assert [(p["poll"], p["status"], p["agenda_item"]) for p in polls] == [
            ("p2", "draft", "2"), ("p3", "draft", "3"), ("p7", "draft", "7"),
            ("p8", "draft", "8")]
        docs = client.get(f"/api/meetings/{mid}/documents", headers=admin_headers).json()
        pdf = client.get(docs["documents"][0]["url"], headers=admin_headers)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

        exported = client.get(f"/api/meetings/{mid}/definition", headers=admin_headers)
        assert exported.headers["content-type"].startswith("application/toml")
        as_json = client.get(f"/api/meetings/{mid}/definition",
                             headers={**admin_headers, "Accept": "application/json"})
        assert as_json.headers["content-type"] == "application/json"
        assert loads_json(as_json.content) == loads_toml(exported.text)
        original = loads_toml(CONGRESS)
        assert loads_toml(exported.text).agenda == original.agenda
        assert loads_toml(exported.text).polls == original.polls

        again = _import(client, admin_headers, exported.text)
        second = client.get(f"/api/meetings/{again['id']}/definition?format=toml",
                            headers=admin_headers)
        assert second.text == exported.text


def test_a_bad_definition_names_every_wrong_field_and_makes_nothing(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    bad = CONGRESS.replace("seats = 11", "seats = 40").replace('kind = "report"',
                                                                 'kind = "speech"', 1)
    with TestClient(create_app(settings)) as client:
        response = client.post("/api/meetings/import", content=bad.encode(),
                               headers={**admin_headers, **TOML})
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "invalid_definition"
        assert [e["field"] for e in error["details"]["errors"]] == ["agenda[4]",
                                                                   "agenda[7].poll"]
        listed = client.get("/api/admin/meetings", headers=admin_headers).json()["meetings"]
        assert listed == []
        assert client.post("/api/meetings/import", content=CONGRESS.encode(),
                           headers=TOML).status_code == 401
        body = json.dumps({"meeting": {"title": "JSON"}}).encode()
        made = client.post("/api/meetings/import?format=json", content=body,
                           headers=admin_headers)
        assert made.status_code == 201 and made.json()["agenda_items"] == 0


def test_list_archive_and_the_secretary_desk_link(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    with TestClient(create_app(settings)) as client:
        mid = client.post("/api/meetings", json={"title": "Hội nghị"},
                          headers=admin_headers).json()["id"]
        refused = client.post(f"/api/meetings/{mid}/archive", json={"archived": True},
                              headers=admin_headers)
        assert refused.status_code == 409
        link = client.post(f"/api/meetings/{mid}/secretary-link", headers=admin_headers).json()
        assert link["participant"]["role"] == "secretary"
        assert re.match(r"^http://.+/j/.+", link["join_url"])
        again = client.post(f"/api/meetings/{mid}/secretary-link", headers=admin_headers).json()
        assert again["participant"]["id"] == link["participant"]["id"]
        closed = client.post(f"/api/meetings/{mid}/commands", json={"kind": "meeting.close"},
                             headers=admin_headers)
        assert closed.status_code == 200
        assert client.post(f"/api/meetings/{mid}/archive", json={"archived": True},
                           headers=admin_headers).json() == {"id": mid, "archived": True}
        [listed] = client.get("/api/admin/meetings", headers=admin_headers).json()["meetings"]
        assert (listed["status"], listed["archived"], listed["participants"]) == (
            "closed", True, {"secretary": 1})
        assert client.get("/api/admin/meetings").status_code == 401
        page = client.get("/admin")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert 'type="module"' in page.text


def test_the_placeholder_files_are_stored_once(
    settings: Settings, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    with TestClient(create_app(settings)) as client:
        first = _import(client, admin_headers, CONGRESS)
        _import(client, admin_headers, CONGRESS)
        docs = client.get(f"/api/meetings/{first['id']}/documents",
                          headers=admin_headers).json()["documents"]
        rt = client.app.state.runtime  # type: ignore[attr-defined]
        assert all(file_path(rt, d["sha256"]).is_file() for d in docs)


@pytest.mark.multiprocess
def test_the_demo_is_the_whole_congress(start_server, admin_headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    import httpx

    server = start_server(args=["--demo"])
    output = server.output()
    meeting_id = re.search(r"Meeting id\s*[: ]\s*(m\w+)", output)
    assert meeting_id, output
    mid = meeting_id.group(1)
    for label in ("Chủ tọa / Chair", "Thư ký / Secretary", "Màn hình hội trường / Hall screen",
                  "Đại biểu / Delegate", "Check-in kiosk"):
        assert label in output
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=10) as http:
        definition = loads_json(http.get(f"/api/meetings/{mid}/definition?format=json").content)
        assert len(definition.agenda) == 9
        polls = http.get(f"/api/meetings/{mid}/polls").json()["polls"]
        assert [p["poll"] for p in polls if p["status"] == "draft"] == ["p2", "p3", "p7", "p8"]
        attendance = http.get(f"/api/meetings/{mid}/attendance.json").json()["participants"]
        assert len(attendance) == 350
        assert {p["role"] for p in attendance} == {"chair", "secretary", "delegate"}
        assert not any(p["code"] in ("KIOSK", "SCREEN") for p in attendance)
