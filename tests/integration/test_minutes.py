"""Minutes and exports end to end: a real run.py server on a real Redis runs a short meeting
(check-ins, an absence, a proxy, agenda, a note, a named vote and a secret election cast by
the delegates' own tokens); then the minutes come out of the log as DOCX, PDF, Markdown and
JSON, the result table as CSV/XLSX, and the exported log verifies with ``run.py verify``
until one byte of one event is changed.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import unicodedata
import uuid
from pathlib import Path
from typing import Any

import docx
import httpx
import openpyxl
import pypdf
import pytest
import redis

from protocol.event_check import check_event_body
from tests.conftest import ROOT, StartServer

pytestmark = pytest.mark.redis

ROSTER = """code,full_name,delegation,role,weight
C1,Trần Thị Loan,Đoàn Chủ tịch,chair,1
S1,Lê Văn Hùng,Thư ký đoàn,secretary,1
D1,Nguyễn Văn Ánh,Hạ Long,delegate,1
D2,Phạm Thị Đào,Cẩm Phả,delegate,1
D3,Đỗ Minh Quân,Uông Bí,delegate,1
D4,Vũ Thị Ênh,Móng Cái,delegate,1
"""
ABSENCE = "Ốm, có giấy xin phép"
NOTE = "Đại biểu thống nhất cao với báo cáo."


def run_cli(*args: str, redis_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


class Meeting:
    def __init__(self, http: httpx.Client, meeting: str, tokens: dict[str, str]) -> None:
        self.http, self.id, self.tokens = http, meeting, tokens

    def do(self, kind: str, body: dict[str, Any] | None = None, who: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else None
        resp = self.http.post(
            f"/api/meetings/{self.id}/commands",
            json={"kind": kind, "id": uuid.uuid4().hex, "body": body or {}},
            headers=headers,
        )
        assert resp.status_code == 200, (kind, resp.text)
        return resp.json()

    def get(self, path: str, who: str | None = None, **params: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else None
        return self.http.get(f"/api/meetings/{self.id}/{path}", headers=headers, params=params)


def run_meeting(m: Meeting, *, close: bool) -> None:
    m.do("agenda.import", {"items": [
        {"id": "1", "title": "Khai mạc Đại hội"},
        {"id": "2", "title": "Thảo luận báo cáo chính trị", "kind": "discussion"},
        {"id": "3", "title": "Bầu Ủy ban MTTQ khóa mới", "kind": "election"},
    ]})
    for pid in ("C1", "S1", "D1", "D2"):
        m.do("checkin.manual", {"participant": pid})
    m.do("checkin.absent", {"participant": "D3", "reason": ABSENCE})
    m.do("proxy.grant", {"from": "D3", "to": "D1"})
    m.do("meeting.open", who="C1")
    m.do("agenda.set_current", {"id": "1"}, who="C1")
    m.do("agenda.set_current", {"id": "2"}, who="C1")
    m.do("note.add", {"item": "2", "text": NOTE}, who="S1")
    m.do("poll.create", {"id": "p1", "title": "Thông qua báo cáo chính trị",
                         "method": "yes_no_abstain", "rule": "more than 1/2 of valid ballots",
                         "agenda_item": "2"}, who="S1")
    m.do("poll.open", {"poll": "p1"}, who="C1")
    named = {"C1": "yes", "S1": "yes", "D1": "yes", "D2": "no"}
    for voter, choice in named.items():
        m.do("ballot.cast", {"poll": "p1", "choice": choice, "ballot_id": uuid.uuid4().hex},
             who=voter)
    m.do("ballot.cast", {"poll": "p1", "choice": "abstain", "ballot_id": uuid.uuid4().hex,
                         "on_behalf_of": "D3"}, who="D1")
    m.do("poll.close", {"poll": "p1"}, who="C1")
    m.do("agenda.set_current", {"id": "3"}, who="C1")
    m.do("poll.create", {"id": "p2", "title": "Bầu Ủy viên Ủy ban", "method": "approval",
                         "secret": True, "seats": 2, "agenda_item": "3",
                         "rule": "more than 1/2 of valid ballots",
                         "candidates": [{"id": "k1", "label": "Hoàng Văn Nam"},
                                        {"id": "k2", "label": "Bùi Thị Hạnh"},
                                        {"id": "k3", "label": "Ngô Đức Long"}]}, who="S1")
    m.do("poll.open", {"poll": "p2"}, who="C1")
    secret = {"C1": ["k1", "k2"], "S1": ["k1"], "D1": ["k1", "k3"], "D2": ["k2", "k3"]}
    for voter, picks in secret.items():
        m.do("ballot.cast", {"poll": "p2", "choice": picks, "ballot_id": uuid.uuid4().hex},
             who=voter)
    m.do("ballot.cast", {"poll": "p2", "choice": ["k1", "k2"], "ballot_id": uuid.uuid4().hex,
                         "on_behalf_of": "D3"}, who="D1")
    m.do("poll.close", {"poll": "p2"}, who="C1")
    if close:
        m.do("meeting.close", who="C1")


@pytest.fixture
def meeting(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> Any:
    server = start_server()
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=60) as http:
        resp = http.post("/api/meetings", json={
            "title": "Đại hội đại biểu MTTQ tỉnh", "title_en": "Provincial Front Congress",
            "place": "Hội trường A", "organisation": "Ủy ban MTTQ tỉnh Quảng Ninh"})
        assert resp.status_code == 201, resp.text
        meeting_id = resp.json()["id"]
        assert http.post(f"/api/meetings/{meeting_id}/roster",
                         content=ROSTER.encode()).status_code == 200
        people = http.get(f"/api/meetings/{meeting_id}/participants").json()["participants"]
        tokens = {p["id"]: p["join_url"].rsplit("/j/", 1)[1] for p in people}
        yield server, Meeting(http, meeting_id, tokens)


def test_minutes_in_every_format_hold_the_meeting(
    meeting: Any, tmp_path: Path, redis_url: str
) -> None:
    server, m = meeting
    run_meeting(m, close=False)
    draft = m.get("minutes.json", who="S1")
    assert draft.status_code == 200 and draft.json()["status"] == "draft"
    m.do("meeting.close", who="C1")

    data = m.get("minutes.json", who="C1").json()
    assert data["status"] == "final"
    vote, election = data["polls"]
    # The counts are the poll's own result, as the server published it.
    poll = m.get("polls/p1").json()
    result = poll.get("result") or poll["poll"]["result"]
    counts = {o["key"]: o["count"] for o in vote["options"]}
    assert counts == {"yes": 3, "no": 1, "abstain": 1}
    assert counts["yes"] == next(o["count"] for o in result["options"] if o["option"] == "yes")
    assert (vote["cast"], vote["valid"]) == (result["cast"]["count"], result["valid"]["count"])
    assert vote["outcome"]["decision"] == "passed"
    assert {o["label"]: o["count"] for o in election["options"]} == {
        "Hoàng Văn Nam": 4, "Bùi Thị Hạnh": 3, "Ngô Đức Long": 2}
    assert election["outcome"]["elected"] == ["k1", "k2"]
    log = m.get("log.json").json()
    assert data["log"]["final_hash"] == log["final_hash"]
    # Every body the real server logged is what protocol/event_bodies.py says.
    assert [p for e in log["events"] for p in check_event_body(e["kind"], e["body"])] == []

    resp = m.get("minutes.docx", who="S1")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    document = docx.Document(io.BytesIO(resp.content))
    text = "\n".join(p.text for p in document.paragraphs)
    text += "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "BIÊN BẢN", "Trần Thị Loan",
                     "Lê Văn Hùng", "Đỗ Minh Quân", ABSENCE, "Thảo luận báo cáo chính trị",
                     "Bầu Ủy ban MTTQ khóa mới", NOTE, "Hoàng Văn Nam", "Bùi Thị Hạnh",
                     log["final_hash"]):
        assert expected in text, expected

    pdf = m.get("minutes.pdf", who="C1")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    pdf_text = "\n".join(page.extract_text() for page in reader.pages)
    pdf_text = " ".join(pdf_text.split())
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "Trần Thị Loan", "Nguyễn Văn Ánh", "Bầu Ủy ban MTTQ khóa mới"):
        nfc = unicodedata.normalize("NFC", expected)
        assert nfc in unicodedata.normalize("NFC", pdf_text), expected
    # And the text as it is in the PDF is already NFC (not decomposed marks).
    assert "Trần Thị Loan" in pdf_text

    md = m.get("minutes.md", who="S1", lang="en")
    assert md.status_code == 200 and "Provincial Front Congress" in md.text
    assert "MINUTES" in md.text.upper()

    csv = m.get("results.csv", who="S1")
    assert csv.status_code == 200 and "Hoàng Văn Nam" in csv.content.decode("utf-8-sig")
    xlsx = m.get("results.xlsx", who="S1")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "Bùi Thị Hạnh" in values and 4 in values

    out = tmp_path / "bien-ban.docx"
    done = run_cli("minutes", m.id, "--format", "docx", "--out", str(out),
                   "--data-dir", str(server.data_dir), redis_url=redis_url)
    assert done.returncode == 0, done.stderr
    cli_doc = docx.Document(str(out))
    assert any("Hoàng Văn Nam" in c.text for t in cli_doc.tables for r in t.rows for c in r.cells)


def test_only_chair_secretary_and_admin_get_the_minutes(meeting: Any) -> None:
    _server, m = meeting
    m.do("meeting.open", who="C1")
    assert m.get("minutes.md", who="D1").status_code == 403
    assert m.get("results.csv", who="D1").status_code == 403
    assert m.get("minutes.md").status_code == 200  # the admin
    assert m.get("minutes.txt", who="S1").status_code == 404
    assert m.get("minutes.md", who="S1", lang="fr").status_code == 422


def test_a_secret_poll_leaves_no_delegate_to_choice_link_in_any_export(meeting: Any) -> None:
    _server, m = meeting
    run_meeting(m, close=True)
    log = m.get("log.json").json()
    closing = next(e["body"] for e in log["events"]
                   if e["kind"] == "poll.closed" and e["body"]["poll"] == "p2")
    assert "ballots" not in closing  # who voted, yes; what they chose, no
    assert sorted(closing["voted"]) == ["C1", "D1", "D2", "D3", "S1"]
    for e in log["events"]:
        if e["kind"] != "poll.closed" or e["body"]["poll"] != "p2":
            assert "p2" not in json.dumps(e["body"]) or e["kind"] in (
                "poll.created", "poll.opened", "poll.published"), e["kind"]
    text = m.get("results.csv", who="S1").content.decode("utf-8-sig")
    for pid in ("C1", "S1", "D1", "D2", "D3"):
        assert f",{pid}," not in text, pid
    # The named vote is traceable in the minutes; the secret election lists nobody.
    named, election = m.get("minutes.json", who="S1").json()["polls"]
    assert election["secret"] and election["named_votes"] == []
    assert [(v["code"], v["choice"], v["cast_by"]) for v in named["named_votes"]] == [
        ("D1", ["yes"], None), ("D2", ["no"], None), ("S1", ["yes"], None),
        ("C1", ["yes"], None), ("D3", ["abstain"], "Nguyễn Văn Ánh")]
    md = m.get("minutes.md", who="S1").text
    annex = md[md.index("# PHỤ LỤC"):]
    assert "Bầu Ủy viên Ủy ban" not in annex
    assert not any(c in annex for c in ("Hoàng Văn Nam", "Bùi Thị Hạnh", "Ngô Đức Long"))
    assert "| D3 | Đỗ Minh Quân | Uông Bí | Không biểu quyết | do Nguyễn Văn Ánh" in annex


def test_verify_passes_then_names_the_changed_event(meeting: Any, tmp_path: Path) -> None:
    _server, m = meeting
    run_meeting(m, close=True)
    log = m.get("log.json").json()
    path = tmp_path / "log.json"
    path.write_text(json.dumps(log, ensure_ascii=False), encoding="utf-8")
    ok = run_cli("verify", str(path))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == log["final_hash"]
    minutes = m.get("minutes.json", who="S1").json()
    assert run_cli("verify", str(path), "--expect", minutes["log"]["final_hash"]).returncode == 0

    # One byte of one event: "Ốm" becomes "Ộm" in the absence's reason, in the file's bytes.
    raw = path.read_bytes()
    before, after = "Ốm".encode(), "Ộm".encode()
    assert raw.count(before) == 1 and len(before) == len(after)
    path.write_bytes(raw.replace(before, after))
    seq = next(e["seq"] for e in log["events"] if e["kind"] == "attendance.absent")
    bad = run_cli("verify", str(path))
    assert bad.returncode == 1
    assert f"seq {seq}" in bad.stderr and "attendance.absent" in bad.stderr
    assert bad.stdout == ""


def test_minutes_cli_reads_the_embedded_redis_of_a_running_server(
    start_server: StartServer, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    server = start_server(embedded_redis=True)
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=60) as http:
        meeting_id = http.post("/api/meetings", json={"title": "Hội nghị"}).json()["id"]
    out = tmp_path / "bien-ban.md"
    done = run_cli("minutes", meeting_id, "--format", "md", "--out", str(out),
                   "--data-dir", str(server.data_dir))
    assert done.returncode == 0, done.stderr
    assert "Hội nghị" in out.read_text(encoding="utf-8")
    missing = run_cli("minutes", "nope", "--format", "md", "--out", str(out),
                      "--data-dir", str(server.data_dir))
    assert missing.returncode == 2
