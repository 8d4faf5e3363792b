"""The archive never holds a ZIP whole: an archived meeting's ZIP, one file of it, and a closed
meeting's ZIP made now are sent in chunks; an import is written to its private copy as it
arrives and checked a file at a time, and so is archiving. The server's memory during each stays
below the size of what it carries. With a 32 MiB scan, the peaks traced were 0.5, 1.1, 15.7 (the
minutes' PDF), 6.1 and 12.4 MiB; with each file read whole, as before, 32.1, 109.4, 115.6, 141.5
and 141.4 MiB. Measured with tracemalloc, which counts every Python allocation of every thread
of the process while the app answers one request; the bytes that arrive are the file's, and a
client that leaves halfway leaves no file open behind it."""

from __future__ import annotations

import hashlib
import io
import os
import random
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from PIL import Image
from starlette.testclient import TestClient
from starlette.types import Message

from server.app import create_app
from server.config import Settings

SCAN = 32 * 1024**2
# The chunk (256 KiB), the response's own objects, the ZIP's directory: a few MiB at most.
BOUND = 8 * 1024**2
# A ZIP made now also holds the minutes' PDF, which is made in memory: about 16 MiB at its
# peak for any meeting, most of it fpdf2 reading the DejaVu fonts; an import reads the
# minutes' text for the index (6 MiB here). Still less than the scan, which is never in
# memory whole (before, it was held two or three times over).
BOUND_WITH_MINUTES = 24 * 1024**2


def _scan() -> bytes:
    """A photographed page as large as a scan and as incompressible: a PNG of noise."""
    side = int((SCAN / 3) ** 0.5)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), random.Random(17).randbytes(side * side * 3)).save(
        out, "PNG", compress_level=1)
    return out.getvalue()


def _small_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(out, "PNG")
    return out.getvalue()


class Download:
    """What one GET sent: status, headers, the body's length and SHA-256, and, if ``save`` is
    given, the body written there. It keeps no body in memory."""

    def __init__(self, save: Path | None = None, leave_after: int | None = None) -> None:
        self.status, self.headers, self.size = 0, dict[str, str](), 0
        self.digest = hashlib.sha256()
        self.file = save.open("wb") if save else None
        self.leave_after = leave_after

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
            return
        body: bytes = message.get("body", b"")
        self.size += len(body)
        self.digest.update(body)
        if self.file:
            self.file.write(body)
            if not message.get("more_body"):
                self.file.close()
        if self.leave_after is not None and self.size >= self.leave_after:
            raise OSError("the client went away")


def _get(client: TestClient, path: str, token: str, download: Download,
         upload: Path | None = None) -> int:
    """GET ``path`` (POST ``upload`` to it, if given, in chunks of 64 KiB as a server reads
    a body) through the app of ``client`` on its own event loop; the peak of traced memory
    over what was traced before, in bytes."""
    method = "POST" if upload else "GET"
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"},
             "http_version": "1.1", "method": method, "scheme": "http", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"test"), (b"authorization", f"Bearer {token}".encode())],
             "client": ("127.0.0.1", 50000), "server": ("test", 80),
             "state": dict(client.app_state)}
    body = upload.open("rb") if upload else io.BytesIO()
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if not done:
            chunk = body.read(64 * 1024)
            done = len(chunk) < 64 * 1024
            return {"type": "http.request", "body": chunk, "more_body": not done}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def call() -> None:
        try:
            await client.app(scope, receive, download.send)
        except Exception as exc:  # the client that left: the server's error is its own
            if download.leave_after is None:
                raise
            del exc

    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    with body:
        client.portal.call(call)  # type: ignore[union-attr]
    return tracemalloc.get_traced_memory()[1] - before


@pytest.fixture
def traced() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def _closed_meeting_with_a_scan(client: TestClient, headers: dict[str, str], scan: bytes
                                ) -> tuple[str, str]:
    made = client.post("/api/meetings", headers=headers, json={
        "title": "Hội nghị có bản chụp lớn", "starts": "2026-03-05T08:00"})
    assert made.status_code == 201, made.text
    meeting = str(made.json()["id"])
    added = client.post(f"/api/meetings/{meeting}/participants", headers=headers,
                        json={"id": "CT", "full_name": "Nguyễn Văn A", "role": "chair"})
    assert added.status_code == 201, added.text
    uploaded = client.post(f"/api/meetings/{meeting}/documents?filename=ban-chup.png"
                           "&title=Bản chụp", headers=headers, content=scan)
    assert uploaded.status_code == 201, uploaded.text
    closed = client.post(f"/api/meetings/{meeting}/commands", headers=headers,
                         json={"kind": "meeting.close"})
    assert closed.status_code == 200, closed.text
    return meeting, str(uploaded.json()["document"]["id"])


def _open_files(path: Path) -> int:
    fds = Path("/proc/self/fd")
    count = 0
    for fd in fds.iterdir():
        try:
            count += os.readlink(fd) == str(path)
        except OSError:
            continue
    return count


@pytest.mark.redis
def test_archive_downloads_stream_in_chunks_and_send_the_files_bytes(
    settings: Settings, admin_headers: dict[str, str], traced: None, tmp_path: Path
) -> None:
    scan = _scan()
    token = admin_headers["Authorization"].split()[1]
    (tmp_path / "empty").write_bytes(b"")
    with TestClient(create_app(settings)) as client:
        meeting, document = _closed_meeting_with_a_scan(client, admin_headers, scan)

        live = Download(save=tmp_path / "live.zip")
        peak_live = _get(client, f"/api/meetings/{meeting}/archive.zip", token, live)
        assert live.status == 200 and int(live.headers["content-length"]) == live.size > SCAN
        with zipfile.ZipFile(tmp_path / "live.zip") as zf:
            names = zf.namelist()
            (member,) = [n for n in names if n.startswith(f"documents/{document}")]
            assert {"log.json", "manifest.json", "minutes/bien-ban.pdf"} <= set(names)
            assert zf.read(member) == scan
        # It was made in a file without a name in the private archive directory: nothing
        # of it is left there.
        archive = settings.data_dir / "archive"
        assert sorted(p.name for p in archive.iterdir()) == ["index.sqlite3", "meetings"]
        assert list((archive / "meetings").iterdir()) == []

        imported = Download()
        peak_import = _get(client, "/api/archive/import", token, imported,
                           upload=tmp_path / "live.zip")
        assert imported.status == 201
        kept = settings.data_dir / "archive" / "meetings" / f"{meeting}.zip"
        assert kept.read_bytes() == (tmp_path / "live.zip").read_bytes()

        made = Download()
        peak_archive = _get(client, f"/api/archive/meetings/{meeting}", token, made,
                            upload=tmp_path / "empty")
        assert made.status == 201
        assert [p.name for p in kept.parent.iterdir()] == [kept.name]

        whole = Download()
        peak_zip = _get(client, f"/api/archive/meetings/{meeting}/export.zip", token, whole)
        assert whole.status == 200 and whole.size == kept.stat().st_size
        assert whole.digest.hexdigest() == hashlib.sha256(kept.read_bytes()).hexdigest()

        one = Download()
        peak_file = _get(client, f"/api/archive/meetings/{meeting}/files/{member}", token, one)
        assert one.status == 200 and one.headers["content-type"] == "image/png"
        assert (one.size, one.digest.hexdigest()) == (len(scan), hashlib.sha256(scan).hexdigest())

        left = Download(leave_after=1)
        _get(client, f"/api/archive/meetings/{meeting}/export.zip", token, left)
        assert 0 < left.size < kept.stat().st_size
        client.portal.call(anyio.sleep, 0.05)  # type: ignore[union-attr]
        assert _open_files(kept) == 0

    assert peak_zip < BOUND, f"export.zip: {peak_zip / 1024**2:.1f} MiB traced at its peak"
    assert peak_file < BOUND, f"one file: {peak_file / 1024**2:.1f} MiB traced at its peak"
    assert peak_live < BOUND_WITH_MINUTES, f"archive.zip: {peak_live / 1024**2:.1f} MiB"
    assert peak_import < BOUND_WITH_MINUTES, f"import: {peak_import / 1024**2:.1f} MiB"
    assert peak_archive < BOUND_WITH_MINUTES, f"archiving: {peak_archive / 1024**2:.1f} MiB"


@pytest.mark.redis
def test_a_file_changed_in_the_kept_zip_is_refused_before_a_byte_is_sent_and_on_import(
    settings: Settings, admin_headers: dict[str, str]
) -> None:
    token = admin_headers["Authorization"].split()[1]
    with TestClient(create_app(settings)) as client:
        meeting, document = _closed_meeting_with_a_scan(client, admin_headers, _small_png())
        assert client.post(f"/api/archive/meetings/{meeting}",
                           headers=admin_headers).status_code == 201
        kept = settings.data_dir / "archive" / "meetings" / f"{meeting}.zip"
        with zipfile.ZipFile(kept) as zf:
            (member,) = [n for n in zf.namelist() if n.startswith(f"documents/{document}")]
            files = {n: zf.read(n) for n in zf.namelist()}
        files[member] = files[member][:-1] + bytes([files[member][-1] ^ 1])
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        kept.write_bytes(out.getvalue())

        sent = Download()
        _get(client, f"/api/archive/meetings/{meeting}/files/{member}", token, sent)
        assert sent.status == 500 and sent.headers["content-type"] == "application/json"
        assert sent.size < 1000  # the error, and not a byte of the file
        refused = client.get(f"/api/archive/meetings/{meeting}/files/{member}",
                             headers=admin_headers)
        assert refused.status_code == 500
        error = refused.json()["error"]
        assert error["code"] == "corrupt"
        assert "no longer matches its SHA-256" in error["message"]

        # Imported, the same ZIP is refused, and its copy is not left in the archive.
        imported = client.post("/api/archive/import", content=kept.read_bytes(),
                               headers={**admin_headers, "Content-Type": "application/zip"})
        assert imported.status_code == 422, imported.text
        assert "does not match its SHA-256" in imported.json()["error"]["message"]
        assert [p.name for p in kept.parent.iterdir()] == [kept.name]


@pytest.mark.redis
def test_an_import_longer_than_the_limit_is_refused_as_it_arrives_and_leaves_nothing(
    settings: Settings, admin_headers: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    token = admin_headers["Authorization"].split()[1]
    upload = tmp_path / "big.zip"
    upload.write_bytes(random.Random(3).randbytes(300 * 1024))
    monkeypatch.setattr("server.archive_http.MAX_IMPORT", 200 * 1024)
    with TestClient(create_app(settings)) as client:
        # Sent in chunks with no Content-Length, so only the reader can notice.
        refused = Download()
        _get(client, "/api/archive/import", token, refused, upload=upload)
        assert refused.status == 413
        declared = client.post("/api/archive/import", content=upload.read_bytes(),
                               headers={**admin_headers, "Content-Type": "application/zip"})
        assert declared.status_code == 413
        assert declared.json()["error"]["code"] == "too_large"
    meetings = settings.data_dir / "archive" / "meetings"
    assert list(meetings.iterdir()) == []
