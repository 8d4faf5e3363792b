"""Signed minutes end to end: a real server on a real Redis runs and closes a meeting; the
chair then the secretary upload their .p12 to ``POST .../minutes/sign`` (timestamped by a
local TSA through ``PHONGHOP_TSA_URL``); the signed file downloads, is kept 0600, and
``run.py verify-minutes`` passes with the meeting's log.json and the test CA, then fails on
another log and on a changed byte. The command line signs the same way with ``--sign``."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.conftest import StartServer
from tests.integration.test_minutes import ROSTER, Meeting, run_cli, run_meeting
from tests.signing_fixtures import PASSWORD, SigningKeys, local_tsa, make_keys

pytestmark = pytest.mark.redis


@pytest.fixture
def keys(tmp_path: Path) -> SigningKeys:
    return make_keys(tmp_path)


def _meeting(http: httpx.Client) -> Meeting:
    resp = http.post("/api/meetings", json={
        "title": "Hội nghị Ủy ban MTTQ tỉnh", "place": "Hội trường A",
        "organisation": "Ủy ban MTTQ tỉnh Quảng Ninh"})
    assert resp.status_code == 201, resp.text
    meeting_id = resp.json()["id"]
    assert http.post(f"/api/meetings/{meeting_id}/roster", content=ROSTER.encode()).is_success
    people = http.get(f"/api/meetings/{meeting_id}/participants").json()["participants"]
    return Meeting(http, meeting_id, {p["id"]: p["join_url"].rsplit("/j/", 1)[1] for p in people})


def _sign(m: Meeting, who: str, p12: Path, password: str = PASSWORD) -> httpx.Response:
    return m.http.post(
        f"/api/meetings/{m.id}/minutes/sign",
        headers={"Authorization": f"Bearer {m.tokens[who]}"},
        files={"p12": (p12.name, p12.read_bytes(), "application/x-pkcs12")},
        data={"password": password},
    )


def _verify(pdf: Path, *extra: str) -> Any:
    return run_cli("verify-minutes", str(pdf), *extra)


def test_chair_then_secretary_sign_over_http_with_a_timestamp(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str],
    keys: SigningKeys, tmp_path: Path,
) -> None:
    with local_tsa(keys.ca) as (tsa_url, answered):
        server = start_server(env={"PHONGHOP_TSA_URL": tsa_url})
        with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=120) as http:
            m = _meeting(http)
            run_meeting(m, close=False)
            assert _sign(m, "C1", keys.chair_p12).status_code == 409  # not closed yet
            m.do("meeting.close", who="C1")
            assert _sign(m, "D1", keys.chair_p12).status_code == 403  # a delegate
            assert _sign(m, "C1", keys.chair_p12, "sai").status_code == 422  # wrong password
            assert m.get("minutes.signed.pdf", who="C1").status_code == 404

            first = _sign(m, "C1", keys.chair_p12)
            assert first.status_code == 200, first.text
            assert first.json()["signed_by"] == ["chair"]
            assert _sign(m, "C1", keys.chair_p12).status_code == 409  # signs once
            second = _sign(m, "S1", keys.secretary_p12)
            assert second.status_code == 200, second.text
            assert second.json()["signed_by"] == ["chair", "secretary"]
            # pyHanko asks the TSA once to size the signature's room, then for the token.
            assert len(answered) >= 2

            signed = m.get("minutes.signed.pdf", who="S1")
            assert signed.status_code == 200 and signed.content.startswith(b"%PDF")
            assert signed.headers["x-signed-by"] == "chair,secretary"
            log = m.get("log.json").json()
    kept = server.data_dir / "signed-minutes" / m.id / f"{second.json()['sha256']}.pdf"
    assert kept.read_bytes() == signed.content
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    meta = redis_db.hgetall(f"ph:{{{m.id}}}:minutes:signed")
    stored_hash = meta[b"log_hash"]
    assert isinstance(stored_hash, bytes)
    assert stored_hash.decode() == log["final_hash"] == second.json()["log_hash"]

    pdf, log_path = tmp_path / "signed.pdf", tmp_path / "log.json"
    pdf.write_bytes(signed.content)
    log_path.write_text(json.dumps(log, ensure_ascii=False), encoding="utf-8")
    ok = _verify(pdf, "--log", str(log_path), "--trust", str(keys.ca_pem))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Trần Thị Loan" in ok.stdout and "Lê Văn Hùng" in ok.stdout
    assert ok.stdout.count("timestamped by a TSA") == 2 and "log: matches" in ok.stdout

    other = dict(log, events=log["events"][:-1], final_hash=log["events"][-2]["hash"])
    log_path.write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    mismatch = _verify(pdf, "--log", str(log_path))
    assert mismatch.returncode == 1 and "DOES NOT MATCH" in mismatch.stdout

    at = signed.content.index(b"/Title")
    pdf.write_bytes(signed.content[:at] + b"/Titlf" + signed.content[at + 6:])
    changed = _verify(pdf, "--trust", str(keys.ca_pem))
    assert changed.returncode == 1 and "intact: NO" in changed.stdout
    assert _verify(tmp_path / "missing.pdf").returncode == 2


def test_the_command_line_signs_in_turn(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str],
    redis_url: str, keys: SigningKeys, tmp_path: Path,
) -> None:
    server = start_server()
    with httpx.Client(base_url=server.base_url, headers=admin_headers, timeout=60) as http:
        m = _meeting(http)
        m.do("meeting.open", who="C1")
        m.do("meeting.close", who="C1")
        log = m.get("log.json").json()
    chair_pdf, both_pdf = tmp_path / "chair.pdf", tmp_path / "both.pdf"
    common = ("--data-dir", str(server.data_dir), "--password-file", str(keys.password_file))
    done = run_cli("minutes", m.id, "--format", "pdf", "--out", str(chair_pdf),
                   "--sign", str(keys.chair_p12), "--as", "chair", *common, redis_url=redis_url)
    assert done.returncode == 0, done.stderr
    done = run_cli("minutes", m.id, "--format", "pdf", "--out", str(both_pdf), "--onto",
                   str(chair_pdf), "--sign", str(keys.secretary_p12), "--as", "secretary",
                   *common, redis_url=redis_url)
    assert done.returncode == 0, done.stderr
    (tmp_path / "log.json").write_text(json.dumps(log), encoding="utf-8")
    ok = _verify(both_pdf, "--log", str(tmp_path / "log.json"), "--trust", str(keys.ca_pem))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    again = run_cli("minutes", m.id, "--format", "pdf", "--out", str(tmp_path / "x.pdf"),
                    "--onto", str(both_pdf), "--sign", str(keys.chair_p12), "--as", "chair",
                    *common, redis_url=redis_url)
    assert again.returncode == 1 and "already" in again.stderr
