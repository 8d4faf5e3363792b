"""The archive against the real app, Redis and data directory: a closed meeting archived and
searched, exported as one ZIP and imported on a fresh server (its own data directory, Redis
emptied), verified and searched there; a tampered ZIP refused; retention dropping the live
state; a participant reading their meeting's archive with their own token."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import redis
from starlette.testclient import TestClient

from server.app import create_app
from server.archive_store import Archive
from server.config import Settings
from tests.conftest import RUN_PY
from tests.server.archive_support import closed_meeting, token_of_participant
from tests.signing_fixtures import PASSWORD, make_keys

ZIP = {"Content-Type": "application/zip"}


def _archive(client: TestClient, headers: dict[str, str], meeting: str) -> dict:  # type: ignore[type-arg]
    made = client.post(f"/api/archive/meetings/{meeting}", headers=headers)
    assert made.status_code == 201, made.text
    return dict(made.json())


def test_a_closed_meeting_is_archived_listed_and_found_without_diacritics(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    with TestClient(create_app(settings)) as client:
        meeting = closed_meeting(client, admin_headers)
        record = _archive(client, admin_headers, meeting)
        assert (record["year"], record["status"], record["signed"]) == (2026, "closed", False)
        assert "log.json" in record["details"]["files"]
        listed = client.get("/api/archive/meetings?year=2026&organisation=Ủy ban MTTQ Việt "
                            "Nam tỉnh Quảng Ninh&status=closed", headers=admin_headers).json()
        assert [m["id"] for m in listed["meetings"]] == [meeting]
        assert listed["years"] == [2026]
        none = client.get("/api/archive/meetings?year=2025", headers=admin_headers).json()
        assert none["meetings"] == []

        hits = client.get("/api/archive/search?q=nong thon moi", headers=admin_headers).json()
        (hit,) = [h for h in hits["hits"] if h["kind"] == "document"]
        assert hit["page"] == 2 and hit["url"].endswith("#page=2")
        assert "nông thôn mới" in hit["snippet"]
        page = client.get(hit["url"].split("#")[0], headers=admin_headers)
        assert page.status_code == 200 and page.content.startswith(b"%PDF-")
        titles = client.get("/api/archive/search?q=hoi nghi ban thuong truc",
                            headers=admin_headers).json()["hits"]
        assert titles[0]["kind"] == "meeting" and titles[0]["meeting"] == meeting
        minutes = client.get("/api/archive/search?q=bien ban", headers=admin_headers).json()
        assert any(h["kind"] == "minutes" for h in minutes["hits"])
        assert client.get("/api/archive/search?q=x").status_code == 401

    root = settings.data_dir / "archive"
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for path in (root / "index.sqlite3", root / "meetings" / f"{meeting}.zip"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_round_trip_to_a_fresh_server_verifies_and_searches(
    settings: Settings, admin_headers: dict[str, str], redis_db: redis.Redis, tmp_path: Path
) -> None:
    with TestClient(create_app(settings)) as client:
        meeting = closed_meeting(client, admin_headers)
        exported = client.get(f"/api/meetings/{meeting}/archive.zip", headers=admin_headers)
        assert exported.status_code == 200
    data = exported.content
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert {"definition.toml", "log.json", "minutes/bien-ban.pdf", "results.csv"} <= set(
            manifest["files"])
        assert any(p.startswith("documents/") for p in manifest["files"])

    redis_db.flushall()
    fresh = Settings(redis_url=settings.redis_url, data_dir=tmp_path / "other-server",
                     admin_token=settings.admin_token, key_file=settings.key_file)
    with TestClient(create_app(fresh)) as client:
        imported = client.post("/api/archive/import", headers={**admin_headers, **ZIP},
                               content=data)
        assert imported.status_code == 201, imported.text
        assert imported.json()["final_hash"] == manifest["final_hash"]
        assert client.get(f"/api/meetings/{meeting}", headers=admin_headers).status_code == 404
        hits = client.get("/api/archive/search?q=dai doan ket", headers=admin_headers).json()
        assert [(h["meeting"], h["page"]) for h in hits["hits"]
                if h["kind"] == "document"] == [(meeting, 3)]
        again = client.get(f"/api/archive/meetings/{meeting}/export.zip", headers=admin_headers)
        assert again.content == data
    # The archive outlives the server: a new process over the same directory finds it.
    assert [r.id for r in Archive(fresh.data_dir).index.meetings()] == [meeting]


def _rewritten(data: bytes, changes: dict[str, bytes]) -> bytes:
    """The ZIP with the files of ``changes`` replaced or added, every other file as it was."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        names = src.namelist()
        for name in names:
            dst.writestr(name, changes.get(name, src.read(name)))
        for name in set(changes) - set(names):
            dst.writestr(name, changes[name])
    return out.getvalue()


def test_a_tampered_zip_is_refused_with_the_reason(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    with TestClient(create_app(settings)) as client:
        meeting = closed_meeting(client, admin_headers)
        data = client.get(f"/api/meetings/{meeting}/archive.zip", headers=admin_headers).content
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            manifest = json.loads(zf.read("manifest.json"))
            log = zf.read("log.json").replace(b"meeting.closed", b"meeting.closer")
        refused = client.post("/api/archive/import", headers={**admin_headers, **ZIP},
                              content=_rewritten(data, {"log.json": log}))
        assert refused.status_code == 422
        assert refused.json()["error"]["code"] == "corrupt"
        assert "log.json does not match its SHA-256" in refused.json()["error"]["message"]

        # The sum fixed in the manifest too: the hash chain still gives it away.
        manifest["files"]["log.json"]["sha256"] = hashlib.sha256(log).hexdigest()
        resummed = _rewritten(data, {"log.json": log,
                                     "manifest.json": json.dumps(manifest).encode()})
        chain = client.post("/api/archive/import", headers={**admin_headers, **ZIP},
                            content=resummed)
        assert chain.status_code == 422
        assert "hash chain is broken" in chain.json()["error"]["message"]
        assert "meeting.closer" in chain.json()["error"]["message"]

        extra = _rewritten(data, {"documents/extra.pdf": b"%PDF-1.4"})
        unlisted = client.post("/api/archive/import", headers={**admin_headers, **ZIP},
                               content=extra)
        assert unlisted.status_code == 422 and "not in the manifest" in unlisted.text
        not_zip = client.post("/api/archive/import", headers={**admin_headers, **ZIP},
                              content=b"PK not really")
        assert not_zip.status_code == 422 and "not a ZIP" in not_zip.text
        assert client.get("/api/archive/meetings", headers=admin_headers).json()[
            "meetings"] == []
        accepted = client.post("/api/archive/import", headers={**admin_headers, **ZIP},
                               content=data)
        assert accepted.status_code == 201


def test_retention_drops_the_live_state_and_keeps_the_archive(
    settings: Settings, admin_headers: dict[str, str], redis_db: redis.Redis
) -> None:
    keep = Settings(**{**settings.__dict__, "archive_drop_live": True})
    with TestClient(create_app(keep)) as client:
        meeting = closed_meeting(client, admin_headers)
        assert redis_db.keys(f"ph:{{{meeting}}}:*")
        archived = client.post(f"/api/meetings/{meeting}/archive", headers=admin_headers,
                               json={"archived": True})
        assert archived.status_code == 200, archived.text
        assert redis_db.keys(f"ph:{{{meeting}}}:*") == []
        listed = client.get("/api/admin/meetings", headers=admin_headers).json()["meetings"]
        assert meeting not in [m["id"] for m in listed]
        record = client.get(f"/api/archive/meetings/{meeting}", headers=admin_headers)
        assert record.status_code == 200 and record.json()["title"].startswith("Hội nghị")


def test_retention_is_off_by_default_and_participants_read_their_archive(
    settings: Settings, admin_headers: dict[str, str], redis_db: redis.Redis
) -> None:
    assert settings.archive_drop_live is False
    with TestClient(create_app(settings)) as client:
        meeting = closed_meeting(client, admin_headers)
        other = closed_meeting(client, admin_headers, title="Họp khác")
        token = token_of_participant(client, admin_headers, meeting, "D1")
        _archive(client, admin_headers, meeting)
        _archive(client, admin_headers, other)
        assert redis_db.keys(f"ph:{{{meeting}}}:*")
        mine = {"Authorization": f"Bearer {token}"}
        own = client.get(f"/api/archive/meetings/{meeting}/search?q=nong thon", headers=mine)
        assert own.status_code == 200 and {h["meeting"] for h in own.json()["hits"]} == {meeting}
        assert client.get(f"/api/archive/meetings/{meeting}/export.zip",
                          headers=mine).status_code == 200
        assert client.get(f"/api/archive/meetings/{other}", headers=mine).status_code == 403
        assert client.get("/api/archive/search?q=nong", headers=mine).status_code == 403


def test_feedback_and_signed_minutes_are_archived_and_found(
    settings: Settings, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    keys = make_keys(tmp_path)
    with TestClient(create_app(settings)) as client:
        meeting = closed_meeting(client, admin_headers)
        chair = token_of_participant(client, admin_headers, meeting, "CT")
        signed = client.post(f"/api/meetings/{meeting}/minutes/sign",
                             headers={"Authorization": f"Bearer {chair}"},
                             files={"p12": ("ct.p12", keys.chair_p12.read_bytes(),
                                            "application/x-pkcs12")},
                             data={"password": PASSWORD})
        assert signed.status_code == 200, signed.text
        record = _archive(client, admin_headers, meeting)
        assert (record["status"], record["signed"]) == ("signed", True)
        assert "minutes/bien-ban-da-ky.pdf" in record["details"]["files"]
        kept = client.get(f"/api/archive/meetings/{meeting}/files/minutes/bien-ban-da-ky.pdf",
                          headers=admin_headers)
        assert kept.content == client.get(f"/api/meetings/{meeting}/minutes.signed.pdf",
                                          headers=admin_headers).content
        hits = client.get("/api/archive/search?q=so lieu nha dai doan ket",
                          headers=admin_headers).json()["hits"]
        (said,) = [h for h in hits if h["kind"] == "feedback"]
        assert said["page"] == 3 and said["url"].endswith("-v1.pdf#page=3")
        assert "nhà đại đoàn kết" in said["snippet"]
        minutes = client.get("/api/archive/search?q=bien ban", headers=admin_headers).json()
        assert {h["file"] for h in minutes["hits"] if h["kind"] == "minutes"} == {
            "minutes/bien-ban-da-ky.pdf"}
        listed = client.get("/api/archive/meetings?status=signed", headers=admin_headers)
        assert [m["id"] for m in listed.json()["meetings"]] == [meeting]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(RUN_PY), "archive", *args],
                          capture_output=True, text=True, timeout=120)


def test_run_py_archive_import_verifies_refuses_a_tampered_file_and_rebuilds(
    settings: Settings, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    with TestClient(create_app(settings)) as client:
        meeting = closed_meeting(client, admin_headers)
        data = client.get(f"/api/meetings/{meeting}/archive.zip", headers=admin_headers).content
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    good.write_bytes(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        pdf = next(n for n in zf.namelist() if n.startswith("documents/"))
        changed = zf.read(pdf) + b"%one byte more\n"
    bad.write_bytes(_rewritten(data, {pdf: changed}))
    other = str(tmp_path / "elsewhere")

    refused = _run("--data-dir", other, "import", str(bad))
    assert refused.returncode == 1
    assert f"{pdf} does not match its SHA-256" in refused.stderr
    imported = _run("--data-dir", other, "import", str(good))
    assert imported.returncode == 0, imported.stderr
    assert "chain intact" in imported.stdout and meeting in imported.stdout
    found = _run("--data-dir", other, "search", "nong thon moi")
    assert found.returncode == 0 and f"{meeting}  document  Báo cáo tổng kết p.2" in found.stdout
    # After restoring a backup without its index: rebuilt from the kept ZIPs, which stay
    # byte for byte what they were.
    kept = Path(other) / "archive" / "meetings" / f"{meeting}.zip"
    before = kept.read_bytes()
    (Path(other) / "archive" / "index.sqlite3").unlink()
    rebuilt = _run("--data-dir", other, "rebuild")
    assert rebuilt.returncode == 0 and "1 meeting(s) indexed again" in rebuilt.stdout
    assert kept.read_bytes() == before
    assert sorted(p.name for p in kept.parent.iterdir()) == [kept.name]
    found = _run("--data-dir", other, "search", "nong thon moi")
    assert found.returncode == 0 and f"{meeting}  document  Báo cáo tổng kết p.2" in found.stdout
