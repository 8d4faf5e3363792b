"""Document upload, storage and download over HTTP, in-process app on the real Redis.

Uploads that are empty, mislabelled, too large or corrupt are refused with nothing stored;
drafts are invisible to delegates; downloads carry ETags, honour Range and If-None-Match.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PIL import Image
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Settings
from tests.support import demo_roster

pytestmark = pytest.mark.redis


def pdf_bytes(pages: int = 3, tag: str = "") -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": f"Báo cáo {tag}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 0, 0)).save(out, "PNG")
    return out.getvalue()


class Meeting:
    def __init__(self, client: TestClient, admin: dict[str, str]) -> None:
        self.http = client
        resp = client.post("/api/meetings", json={"title": "Đại hội"}, headers=admin)
        assert resp.status_code == 201, resp.text
        self.id = resp.json()["id"]
        resp = client.post(f"/api/meetings/{self.id}/roster", content=demo_roster(), headers=admin)
        assert resp.status_code == 200, resp.text
        people = client.get(f"/api/meetings/{self.id}/participants", headers=admin).json()
        self.tokens: dict[str, dict[str, str]] = {}
        for p in people["participants"]:
            role = p["role"]
            if role not in self.tokens:
                token = p["join_url"].rsplit("/j/", 1)[1]
                self.tokens[role] = {"Authorization": f"Bearer {token}"}

    def upload(self, data: bytes, filename: str, role: str = "secretary", doc: str | None = None,
               **params: str) -> Any:
        path = f"/api/meetings/{self.id}/documents"
        if doc is not None:
            path += f"/{doc}/versions"
        return self.http.post(path, content=data, headers=self.tokens[role],
                              params={"filename": filename, **params})

    def get(self, path: str, role: str = "delegate", **headers: str) -> Any:
        return self.http.get(f"/api/meetings/{self.id}{path}",
                             headers={**self.tokens[role], **headers})

    def command(self, kind: str, body: dict[str, Any], role: str = "chair") -> Any:
        return self.http.post(f"/api/meetings/{self.id}/commands",
                              json={"kind": kind, "body": body}, headers=self.tokens[role])

    def seq(self) -> int:
        return int(self.get("", role="chair").json()["seq"])


@pytest.fixture
def small_limit_settings(settings: Settings) -> Settings:
    return replace(settings, extra={"max_document_bytes": str(64 * 1024)})


@pytest.fixture
def meeting(small_limit_settings: Settings, admin_headers: dict[str, str]) -> Iterator[Meeting]:
    with TestClient(create_app(small_limit_settings)) as client:
        yield Meeting(client, admin_headers)


def stored_files(data_dir: Path) -> list[Path]:
    root = data_dir / "documents"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_upload_stores_by_sha256_with_page_count(meeting: Meeting, settings: Settings) -> None:
    data = pdf_bytes(3)
    resp = meeting.upload(data, "bao-cao.pdf", title="Báo cáo chính trị")
    assert resp.status_code == 201, resp.text
    doc = resp.json()["document"]
    sha = hashlib.sha256(data).hexdigest()
    assert doc["title"] == "Báo cáo chính trị" and doc["current"] == 1
    assert doc["versions"][0] | {"at": 0} == {
        "version": 1, "sha256": sha, "size": len(data), "mime": "application/pdf",
        "filename": "bao-cao.pdf", "pages": 3, "at": 0, "by": "DB0002", "released": True,
    }
    assert stored_files(settings.data_dir) == [settings.data_dir / "documents" / sha[:2] / sha]
    # The same bytes again are one file on disk.
    assert meeting.upload(data, "ban-sao.pdf").status_code == 201
    assert len(stored_files(settings.data_dir)) == 1


def test_an_image_is_one_page(meeting: Meeting) -> None:
    resp = meeting.upload(png_bytes(), "so-do.png")
    assert resp.status_code == 201, resp.text
    assert resp.json()["document"]["versions"][0]["pages"] == 1


@pytest.mark.parametrize(
    ("data", "filename", "then_status", "then_code"),
    [
        (b"", "rong.pdf", 422, "empty"),
        (png_bytes(), "gia.pdf", 422, "type_mismatch"),
        (pdf_bytes(1), "gia.png", 422, "type_mismatch"),
        (b"MZ\x90\x00 an executable", "virus.pdf", 422, "type_mismatch"),
        (b"%PDF-1.7\n" + b"x" * 500, "hong.pdf", 422, "corrupt"),
        (pdf_bytes(2)[:300], "cut.pdf", 422, "corrupt"),
        (png_bytes()[:40], "cut.png", 422, "corrupt"),
        (b"%PDF-1.7\n" + b"0" * (70 * 1024), "lon.pdf", 413, "too_large"),
        (b"hello", "notes.txt", 415, "unsupported_type"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    meeting: Meeting, settings: Settings, data: bytes, filename: str, then_status: int,
    then_code: str,
) -> None:
    before = meeting.seq()
    resp = meeting.upload(data, filename)
    assert resp.status_code == then_status, resp.text
    assert resp.json()["error"]["code"] == then_code
    assert "nothing was stored" in resp.json()["error"]["message"]
    assert stored_files(settings.data_dir) == []
    assert meeting.seq() == before


def test_delegates_cannot_upload(meeting: Meeting, settings: Settings) -> None:
    resp = meeting.upload(pdf_bytes(), "x.pdf", role="delegate")
    assert resp.status_code == 403
    assert stored_files(settings.data_dir) == []


def test_a_draft_is_hidden_from_delegates_until_released(meeting: Meeting) -> None:
    data = pdf_bytes(2, "draft")
    doc_id = meeting.upload(data, "du-thao.pdf", draft="1").json()["document"]["id"]
    for path in (f"/documents/{doc_id}", f"/documents/{doc_id}/versions/1"):
        assert meeting.get(path).status_code == 404
        assert meeting.get(path, role="chair").status_code == 200
        assert meeting.get(path, role="secretary").content == data
    assert meeting.get("/documents").json()["documents"] == []
    (staff_entry,) = meeting.get("/documents", role="chair").json()["documents"]
    assert staff_entry["released"] is False
    # Nor may the chair push it to the hall.
    assert meeting.command("floor.follow", {"document": doc_id, "page": 1}).status_code == 404
    assert meeting.command("document.release", {"id": doc_id}).status_code == 200
    assert meeting.get(f"/documents/{doc_id}").content == data
    (entry,) = meeting.get("/documents").json()["documents"]
    assert entry["id"] == doc_id and entry["released"] is True


def test_a_new_version_supersedes_and_the_old_stays_downloadable(meeting: Meeting) -> None:
    v1, v2 = pdf_bytes(2, "v1"), pdf_bytes(4, "v2")
    doc_id = meeting.upload(v1, "a.pdf").json()["document"]["id"]
    resp = meeting.upload(v2, "a-v2.pdf", doc=doc_id)
    assert resp.status_code == 201, resp.text
    assert resp.json()["document"]["current"] == 2
    current = meeting.get(f"/documents/{doc_id}")
    assert current.content == v2 and current.headers["x-document-pages"] == "4"
    assert meeting.get(f"/documents/{doc_id}/versions/1").content == v1
    assert meeting.get(f"/documents/{doc_id}/versions/3").status_code == 404
    assert meeting.upload(v2, "a.pdf", doc="nope").status_code == 404


def test_etags_and_cache_headers(meeting: Meeting) -> None:
    data = pdf_bytes(2)
    sha = hashlib.sha256(data).hexdigest()
    doc_id = meeting.upload(data, "a.pdf").json()["document"]["id"]
    current = meeting.get(f"/documents/{doc_id}")
    assert current.headers["etag"] == f'"{sha}"'
    assert current.headers["cache-control"] == "private, no-cache"
    assert current.headers["content-type"] == "application/pdf"
    assert current.headers["accept-ranges"] == "bytes"
    version = meeting.get(f"/documents/{doc_id}/versions/1")
    assert "immutable" in version.headers["cache-control"]
    again = meeting.get(f"/documents/{doc_id}", **{"If-None-Match": f'"{sha}"'})
    assert again.status_code == 304 and again.content == b""
    stale = meeting.get(f"/documents/{doc_id}", **{"If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.content == data


def test_range_requests(meeting: Meeting) -> None:
    data = pdf_bytes(5)
    size = len(data)
    doc_id = meeting.upload(data, "a.pdf").json()["document"]["id"]
    path = f"/documents/{doc_id}/versions/1"
    first = meeting.get(path, Range="bytes=0-99")
    assert first.status_code == 206
    assert first.headers["content-range"] == f"bytes 0-99/{size}"
    assert first.content == data[:100]
    middle = meeting.get(path, Range="bytes=100-")
    assert middle.status_code == 206 and middle.content == data[100:]
    tail = meeting.get(path, Range="bytes=-10")
    assert tail.status_code == 206 and tail.content == data[-10:]
    beyond = meeting.get(path, Range=f"bytes={size + 10}-{size + 20}")
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"
    etag = first.headers["etag"]
    resumed = meeting.get(path, Range="bytes=10-19", **{"If-Range": etag})
    assert resumed.status_code == 206 and resumed.content == data[10:20]
    changed = meeting.get(path, Range="bytes=10-19", **{"If-Range": '"not-it"'})
    assert changed.status_code == 200 and changed.content == data


def test_manifest_lists_released_documents_for_offline_preload(meeting: Meeting) -> None:
    released = pdf_bytes(2, "r")
    doc_id = meeting.upload(released, "r.pdf", title="Điều lệ").json()["document"]["id"]
    meeting.upload(pdf_bytes(2, "d"), "d.pdf", draft="1")
    resp = meeting.get("/documents")
    assert resp.status_code == 200
    body = resp.json()
    (entry,) = body["documents"]
    sha = hashlib.sha256(released).hexdigest()
    assert entry | {"item": None} == {
        "id": doc_id, "title": "Điều lệ", "item": None, "version": 1, "released": True,
        "sha256": sha, "size": len(released), "mime": "application/pdf", "pages": 2,
        "filename": "r.pdf", "url": f"/api/meetings/{meeting.id}/documents/{doc_id}/versions/1",
        "etag": f'"{sha}"',
    }
    assert body["total_bytes"] == len(released)
    # Every URL in it fetches with the manifest's own token, and matches its ETag.
    fetched = meeting.http.get(entry["url"], headers=meeting.tokens["delegate"])
    assert fetched.content == released and fetched.headers["etag"] == entry["etag"]
    unchanged = meeting.get("/documents", **{"If-None-Match": resp.headers["etag"]})
    assert unchanged.status_code == 304
    assert len(meeting.get("/documents", role="chair").json()["documents"]) == 2


def test_download_needs_a_token_of_this_meeting(meeting: Meeting) -> None:
    doc_id = meeting.upload(pdf_bytes(), "a.pdf").json()["document"]["id"]
    resp = meeting.http.get(f"/api/meetings/{meeting.id}/documents/{doc_id}")
    assert resp.status_code == 401
    token = meeting.tokens["delegate"]["Authorization"].split()[1]
    # Only in the Authorization header: a token in the URL is refused (#14 item 5).
    by_query = meeting.http.get(f"/api/meetings/{meeting.id}/documents/{doc_id}?token={token}")
    assert by_query.status_code == 401
    by_header = meeting.http.get(f"/api/meetings/{meeting.id}/documents/{doc_id}",
                                 headers={"Authorization": f"Bearer {token}"})
    assert by_header.status_code == 200
