"""Attendance through the app in-process (TestClient, real Redis): badges decoded by zbar and
scanned back, each check-in path, bad badges, double presence, proxies, search, exports."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import redis
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode
from starlette.testclient import TestClient

from rooms.model import Role
from server.app import create_app
from server.config import Settings
from tests.conftest import server_signer
from tests.redis_bytes import as_bytes

pytestmark = pytest.mark.redis

ROSTER = """code,full_name,delegation,title,seat,weight,role
C1,Dương Xuân Hải,Đoàn Chủ tịch,Chủ tịch,A01,1,chair
S1,Trần Kim Yến,Đoàn Thư ký,Thư ký,A02,1,secretary
D1,Nguyễn Văn Hùng,Đoàn Hạ Long,Bí thư,B12,1,delegate
D2,Lê Thị Hoa,Đoàn Cẩm Phả,,B13,1,delegate
D3,Phạm Đức Anh,Đoàn Uông Bí,,B14,1,delegate
D4,Nguyễn Văn Hưng,Đoàn Hạ Long,,B15,1,delegate
H1,Màn hình hội trường,,,,1,screen
"""
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


class Desk:
    """One meeting and its people, driven over HTTP as the secretary's desk would."""

    def __init__(self, client: TestClient, admin: dict[str, str], **settings: Any) -> None:
        self.client = client
        resp = client.post("/api/meetings", headers=admin, json={
            "title": "Đại hội đại biểu", "settings": settings,
            "quorum": "more than 1/2 of delegates present"})
        assert resp.status_code == 201, resp.text
        self.id = resp.json()["id"]
        resp = client.post(f"/api/meetings/{self.id}/roster", headers=admin,
                           content=ROSTER.encode())
        assert resp.status_code == 200, resp.text
        people = client.get(f"/api/meetings/{self.id}/participants", headers=admin).json()
        self.tokens = {p["id"]: p["join_url"].rsplit("/j/", 1)[1] for p in people["participants"]}

    def auth(self, pid: str = "S1") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[pid]}"}

    def get(self, path: str, pid: str = "S1", **params: str) -> Any:
        return self.client.get(f"/api/meetings/{self.id}{path}", headers=self.auth(pid),
                               params=params)

    def cmd(self, kind: str, body: dict[str, Any], pid: str = "S1") -> Any:
        return self.client.post(f"/api/meetings/{self.id}/commands", headers=self.auth(pid),
                                json={"kind": kind, "body": body})

    def log_kinds(self) -> list[str]:
        events = self.get("/log.json").json()["events"]
        return [e["kind"] for e in events]


@pytest.fixture
def client(settings: Settings) -> Any:
    with TestClient(create_app(settings)) as c:
        yield c


def qr_texts(image: Image.Image) -> list[str]:
    return [s.data.decode("ascii") for s in decode(image, symbols=[ZBarSymbol.QRCODE])]


def svg_image(svg: bytes) -> Image.Image:
    """Paint the SVG's module squares (no SVG rasteriser is installed) for zbar to read."""
    text = svg.decode()
    size = float(re.search(r'viewBox="0 0 ([\d.]+)', text).group(1))  # type: ignore[union-attr]
    scale = 8
    image = Image.new("L", (round(size * scale),) * 2, 255)
    for x1, y1, x2, y2 in re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", text):
        box = [round(float(v) * scale) for v in (x1, y1, x2, y2)]
        image.paste(0, (box[0], box[1], box[2], box[3]))
    return image


def hhmm(ms: int) -> str:
    return f"{datetime.fromtimestamp(ms / 1000, HANOI):%H:%M}"


# ---- badges ----------------------------------------------------------------------------------


def test_a_badge_png_decodes_to_a_token_the_kiosk_accepts_once(
    client: TestClient, admin_headers: dict[str, str], redis_db: redis.Redis
) -> None:
    desk = Desk(client, admin_headers)
    resp = desk.get("/participants/D1/badge.png")
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/png"
    assert resp.headers["cache-control"] == "no-store"
    [token] = qr_texts(Image.open(io.BytesIO(resp.content)))
    assert "~b" in token  # a badge token, not a join link or a delegate number

    first = desk.cmd("checkin.scan", {"token": token})
    assert first.status_code == 200, first.text
    result = first.json()["result"]
    assert (result["full_name"], result["seat"]) == ("Nguyễn Văn Hùng", "B12")
    assert result["attendance"]["status"] == "present"

    again = desk.cmd("checkin.scan", {"token": token + "\n"})  # a wedge scanner's Enter
    assert again.status_code == 409
    error = again.json()["error"]
    at = result["attendance"]["at"]
    assert error["code"] == "duplicate"
    assert error["details"]["reason"] == "already_checked_in"
    assert error["details"]["time"] == hhmm(at)
    assert f"already checked in at {hhmm(at)}" in error["message"]
    assert f"đã điểm danh lúc {hhmm(at)}" in error["message"]

    assert desk.log_kinds().count("attendance.checked_in") == 1
    assert redis_db.hkeys(f"ph:{{{desk.id}}}:att") == [b"D1"]
    assert as_bytes(redis_db.hget(f"ph:{{{desk.id}}}:att", "D1")).startswith(b"present|")


def test_a_badge_svg_decodes_and_scans_and_a_card_png_decodes(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    desk = Desk(client, admin_headers)
    svg = desk.get("/participants/D2/badge.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    [token] = qr_texts(svg_image(svg.content))
    assert desk.cmd("checkin.scan", {"token": token}).status_code == 200
    card = desk.get("/participants/D3/badge.png", card="1")
    [card_token] = qr_texts(Image.open(io.BytesIO(card.content)))
    assert desk.cmd("checkin.scan", {"token": card_token}).json()["result"]["participant"] == "D3"
    assert desk.get("/participants/H1/badge.png").status_code == 404
    assert desk.get("/participants/D1/badge.png", pid="D1").status_code == 403


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler's pdftoppm")
def test_the_badge_sheet_pdf_decodes_to_every_participants_token(
    client: TestClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    desk = Desk(client, admin_headers)
    resp = desk.get("/badges.pdf")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/pdf"
    (tmp_path / "b.pdf").write_bytes(resp.content)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "b.pdf"),
                    str(tmp_path / "p")], check=True)
    tokens = []
    for page in sorted(tmp_path.glob("p-*.png")):
        with Image.open(page) as image:
            tokens += qr_texts(image)
    assert sorted(t.split("~")[1] for t in tokens) == ["C1", "D1", "D2", "D3", "D4", "S1"]
    for token in tokens:
        assert desk.cmd("checkin.scan", {"token": token}).status_code == 200
    assert desk.get("/quorum").json()["present"] == 6


def test_bad_badges_get_a_clear_message_and_nothing_is_recorded(
    client: TestClient, admin_headers: dict[str, str], redis_db: redis.Redis,
    settings: Settings,
) -> None:
    desk = Desk(client, admin_headers)
    other = Desk(client, admin_headers)
    signer = server_signer(settings.key_path)
    good = signer.issue(desk.id, "D1", Role.DELEGATE, int(time.time()) + 3600, purpose="b")
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    expired = signer.issue(desk.id, "D1", Role.DELEGATE, int(time.time()) - 60, purpose="b")
    foreign = other.get("/participants/D1/badge.png")
    [foreign_token] = qr_texts(Image.open(io.BytesIO(foreign.content)))
    unknown = signer.issue(desk.id, "ZZ9", Role.DELEGATE, int(time.time()) + 3600, purpose="b")
    seq = desk.get("/log.json").json()["events"][-1]["seq"]
    cases = {
        forged: ("bad_token", "not a valid badge"),
        expired: ("token_expired", "expired"),
        foreign_token: ("wrong_meeting", "another meeting"),
        desk.tokens["D1"]: ("bad_token", "not a valid badge"),  # a join link is not a badge
        "DB0001": ("bad_token", "not a valid badge"),  # a delegate number is not a badge
        unknown: ("not_found", "no longer on the roster"),
    }
    for token, (code, words) in cases.items():
        resp = desk.cmd("checkin.scan", {"token": token})
        assert resp.status_code in (401, 403, 404, 400), (token, resp.text)
        error = resp.json()["error"]
        assert error["code"] == code, (token, error)
        assert words in error["message"]
    assert desk.get("/log.json").json()["events"][-1]["seq"] == seq
    assert redis_db.hlen(f"ph:{{{desk.id}}}:att") == 0


# ---- check-in paths ----------------------------------------------------------------------------


@contextlib.contextmanager
def ws_hello(client: TestClient, desk: Desk, pid: str) -> Iterator[tuple[Any, dict[str, Any]]]:
    with client.websocket_connect(f"/ws/{desk.id}") as ws:
        ws.send_text(json.dumps({"v": 1, "type": "hello", "token": desk.tokens[pid]}))
        welcome = json.loads(ws.receive_text())
        assert welcome["type"] == "welcome"
        snapshot = json.loads(ws.receive_text())
        assert snapshot["type"] == "snapshot"
        yield ws, snapshot


def receive_until(ws: Any, predicate: Any, limit: int = 50) -> dict[str, Any]:
    for _ in range(limit):
        msg = json.loads(ws.receive_text())
        if predicate(msg):
            return msg  # type: ignore[no-any-return]
    raise AssertionError("message not received")


def test_a_delegate_is_checked_in_when_their_tablet_connects(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    desk = Desk(client, admin_headers, device_checkin="connect")
    with ws_hello(client, desk, "S1") as (secretary, _), ws_hello(client, desk, "D2") as (
        tablet, snapshot
    ):
        assert snapshot["state"]["attendance"]["me"]["status"] in ("pending", "present")
        me = receive_until(tablet, lambda m: m["type"] == "live" and m["kind"] == "me"
                           and m["body"]["attendance"]["status"] == "present")
        assert me["body"]["attendance"]["via"] == "device"
        event = receive_until(secretary, lambda m: m["type"] == "event")
        assert (event["kind"], event["body"]["participant"]) == ("attendance.checked_in", "D2")
    # A reconnect is not a second check-in.
    with ws_hello(client, desk, "D2") as (_, snapshot):
        assert snapshot["state"]["attendance"]["me"]["status"] == "present"
    assert desk.log_kinds().count("attendance.checked_in") == 1


def test_self_check_in_by_tap_and_a_second_tablet_is_flagged_and_counted_once(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    desk = Desk(client, admin_headers)
    with ws_hello(client, desk, "S1") as (secretary, _):
        first = desk.cmd("checkin.self", {"device": "tab-A"}, pid="D3")
        assert first.status_code == 200
        assert first.json()["result"]["attendance"]["via"] == "device"
        second = desk.cmd("checkin.self", {"device": "tab-B"}, pid="D3")
        assert second.status_code == 200 and second.json()["result"]["double_presence"] is True
        flagged = receive_until(secretary,
                                lambda m: m.get("kind") == "attendance.double_presence")
        assert flagged["body"] == {"participant": "D3", "devices": ["tab-A", "tab-B"]}
    assert desk.cmd("checkin.self", {"device": "tab-A"}, pid="D3").status_code == 409
    assert desk.get("/quorum").json()["present"] == 1
    records = desk.get("/attendance.json").json()["participants"]
    assert next(r for r in records if r["code"] == "D3")["double_presence"] is True


def test_the_secretary_finds_people_without_diacritics_and_checks_them_in_and_out(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    desk = Desk(client, admin_headers, hybrid=True)
    found = desk.get("/attendance/search", q="nguyen van hung").json()["results"]
    assert [r["id"] for r in found] == ["D1", "D4"]
    assert found[0]["attendance"]["status"] == "pending"
    assert desk.get("/attendance/search", pid="D1", q="hung").status_code == 403

    with ws_hello(client, desk, "D1") as (tablet, _):
        assert desk.cmd("checkin.manual", {"participant": "D1"}).status_code == 200
        me = receive_until(tablet, lambda m: m["type"] == "live" and m["kind"] == "me"
                           and m["body"]["attendance"]["status"] == "present")
        assert me["body"]["attendance"]["via"] == "manual"
        online = desk.cmd("checkin.manual", {"participant": "D2", "mode": "online"})
        assert online.status_code == 200
        assert desk.cmd("checkin.out", {"participant": "D1"}).status_code == 200
        receive_until(tablet, lambda m: m["type"] == "live" and m["kind"] == "me"
                      and m["body"]["attendance"]["status"] == "out")
        # delegates get counts, never other people's check-ins
        counts = receive_until(tablet, lambda m: m.get("kind") == "presence"
                               and m["body"]["present"] == 1)
        assert set(counts["body"]) == {"present", "entitled", "met"}
    assert desk.cmd("checkin.out", {"participant": "D1"}).status_code == 409
    absent = desk.cmd("checkin.absent", {"participant": "D3", "reason": "ốm"})
    assert absent.status_code == 200
    assert desk.cmd("checkin.absent", {"participant": "D2"}).status_code == 409
    q = desk.get("/quorum").json()
    assert (q["present"], q["online"], q["entitled"]) == (1, 1, 6)


def test_proxies_over_the_api(client: TestClient, admin_headers: dict[str, str]) -> None:
    desk = Desk(client, admin_headers)
    for pid in ("D1", "D2"):
        assert desk.cmd("checkin.manual", {"participant": pid}).status_code == 200
    refusals = {
        ("D3", "D3"): "proxy_to_self",
        ("D3", "D4"): "holder_absent",
        ("D1", "D2"): "giver_present",
    }
    for (giver, holder), reason in refusals.items():
        resp = desk.cmd("proxy.grant", {"from": giver, "to": holder})
        assert resp.json()["error"]["details"]["reason"] == reason, resp.text
    assert desk.cmd("proxy.grant", {"from": "D3", "to": "D1"}, pid="D1").status_code == 403
    ok = desk.cmd("proxy.grant", {"from": "D3", "to": "D1"})
    assert ok.status_code == 200, ok.text
    held = desk.cmd("proxy.grant", {"from": "D4", "to": "D1"})
    assert held.json()["error"]["details"]["reason"] == "proxy_limit"
    exported = desk.get("/attendance.json").json()
    assert [(p["from"], p["to"]) for p in exported["proxies"]] == [("D3", "D1")]
    rows = {r["code"]: r for r in exported["participants"]}
    assert rows["D1"]["proxies_held"] == ["D3"] and rows["D3"]["proxy_to"] == "D1"
    # The giver arrives after all: the proxy lapses with the check-in.
    assert desk.cmd("checkin.manual", {"participant": "D3"}).status_code == 200
    exported = desk.get("/attendance.json").json()
    assert exported["proxies"] == []
    assert exported["proxies_ended"][0]["end_reason"] == "arrived"


def test_attendance_csv_and_xlsx_read_back_with_vietnamese_headers(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    desk = Desk(client, admin_headers)
    at = desk.cmd("checkin.manual", {"participant": "D1"}).json()["result"]["attendance"]["at"]
    desk.cmd("checkin.absent", {"participant": "D2", "reason": "đi công tác"})
    desk.cmd("proxy.grant", {"from": "D2", "to": "D1"})

    resp = desk.get("/attendance.csv")
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    header, lines = table[0], {row[0]: row for row in table[1:]}
    assert "Họ và tên" in header
    assert set(lines) == {"C1", "S1", "D1", "D2", "D3", "D4"}
    name = header.index("Họ và tên")
    assert lines["D1"][name] == "Nguyễn Văn Hùng"
    stamp = datetime.fromtimestamp(at / 1000, HANOI).strftime("%Y-%m-%d %H:%M:%S")
    assert stamp in lines["D1"]
    assert "đi công tác" in lines["D2"] and "Nguyễn Văn Hùng" in lines["D2"]

    xlsx = desk.get("/attendance.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == header
    by_code = {row[0]: row for row in values[1:]}
    assert by_code["D2"][name] == "Lê Thị Hoa"
    assert datetime.fromtimestamp(at / 1000, HANOI).replace(tzinfo=None, microsecond=0) in (
        by_code["D1"]
    )


def test_quorum_at_a_past_moment_is_rebuilt_from_the_log(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    desk = Desk(client, admin_headers)
    stamps = []
    for pid in ("D1", "D2", "D3", "D4"):
        stamps.append(desk.cmd("checkin.manual", {"participant": pid}).json()["result"]
                      ["attendance"]["at"])
        time.sleep(0.005)
    assert desk.get("/quorum").json()["met"] is True
    assert desk.get("/quorum", at=str(stamps[2])).json()["present"] == 3
    assert desk.get("/quorum", at=str(stamps[2])).json()["met"] is False
    assert desk.get("/quorum", at=str(stamps[3])).json()["met"] is True
    iso = datetime.fromtimestamp(stamps[0] / 1000 + 0.001, HANOI).isoformat()
    assert desk.get("/quorum", at=iso).json()["present"] == 1
    assert desk.get("/quorum", at="yesterday").status_code == 422
