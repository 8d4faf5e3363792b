"""The roll call of named polls in the results spreadsheet, through the real app and a real
Redis: a sheet per closed named poll in the XLSX and ``results.csv?named=POLL``, read back with
openpyxl and the csv module, in the minutes annex's order and words. A secret poll gets no
sheet, and asking for its roll call is refused with nothing changed."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Settings
from server.exports.i18n import t
from server.exports.tables import POLL_COLUMNS, roll_call_sheet_name

pytestmark = pytest.mark.redis

ROSTER = """code,full_name,delegation,seat,role,weight
C1,Trần Thị Loan,Đoàn Hà Nội,A01,chair,1
S1,Lê Văn Hùng,Đoàn Hà Nội,A02,secretary,1
D1,Nguyễn Văn Ánh,Đoàn Huế,B01,delegate,1
D2,Phạm Thị Đào,Đoàn Huế,B02,delegate,2
D3,Đỗ Minh Quân,Đoàn Cần Thơ,C01,delegate,1
D4,Vũ Thị Bình,Đoàn Cần Thơ,C02,delegate,1
D5,Hoàng Văn Nam,Đoàn Cần Thơ,C03,delegate,1
"""

# Every voter of p1's snapshot (present C1 S1 D1 D2 D3, absent D4 represented by D2) in
# Vietnamese name order (Ánh, Bình, Đào, Hùng, Loan, Quân); D5 is absent with no proxy and is
# not a voter. Written out by hand: code, name, delegation, seat, choice, weight, note.
EXPECTED: dict[str, list[tuple[Any, ...]]] = {
    "vi": [
        ("D1", "Nguyễn Văn Ánh", "Đoàn Huế", "B01", "Tán thành", 1, ""),
        ("D4", "Vũ Thị Bình", "Đoàn Cần Thơ", "C02", "Không biểu quyết", 1,
         "do Phạm Thị Đào bỏ phiếu thay"),
        ("D2", "Phạm Thị Đào", "Đoàn Huế", "B02", "Không tán thành", 2, ""),
        ("S1", "Lê Văn Hùng", "Đoàn Hà Nội", "A02", "Không bỏ phiếu", 1, ""),
        ("C1", "Trần Thị Loan", "Đoàn Hà Nội", "A01", "Tán thành", 1, ""),
        ("D3", "Đỗ Minh Quân", "Đoàn Cần Thơ", "C01", "Không bỏ phiếu", 1, ""),
    ],
    "en": [
        ("D1", "Nguyễn Văn Ánh", "Đoàn Huế", "B01", "Yes", 1, ""),
        ("D4", "Vũ Thị Bình", "Đoàn Cần Thơ", "C02", "Abstain", 1,
         "cast by Phạm Thị Đào as proxy"),
        ("D2", "Phạm Thị Đào", "Đoàn Huế", "B02", "No", 2, ""),
        ("S1", "Lê Văn Hùng", "Đoàn Hà Nội", "A02", "Did not vote", 1, ""),
        ("C1", "Trần Thị Loan", "Đoàn Hà Nội", "A01", "Yes", 1, ""),
        ("D3", "Đỗ Minh Quân", "Đoàn Cần Thơ", "C01", "Did not vote", 1, ""),
    ],
}
HEADER = {
    "vi": ["Mã đại biểu", "Họ và tên", "Đoàn", "Ghế", "Lựa chọn", "Trọng số", "Ghi chú"],
    "en": ["Delegate code", "Full name", "Delegation", "Seat", "Choice", "Weight", "Note"],
}


class Meeting:
    def __init__(self, client: TestClient, admin: dict[str, str]) -> None:
        self.client = client
        self.admin = admin
        resp = client.post("/api/meetings", json={"title": "Hội nghị"}, headers=admin)
        assert resp.status_code == 201, resp.text
        self.id = resp.json()["id"]
        resp = client.post(f"/api/meetings/{self.id}/roster", content=ROSTER.encode(),
                           headers=admin)
        assert resp.status_code == 200, resp.text
        people = client.get(f"/api/meetings/{self.id}/participants", headers=admin).json()
        self.tokens = {p["id"]: p["join_url"].rsplit("/j/", 1)[1]
                       for p in people["participants"]}

    def headers(self, who: str) -> dict[str, str]:
        return self.admin if who == "admin" else {"Authorization": f"Bearer {self.tokens[who]}"}

    def ok(self, who: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = self.client.post(f"/api/meetings/{self.id}/commands",
                                json={"kind": kind, "body": body}, headers=self.headers(who))
        assert resp.status_code == 200, (kind, resp.text)
        result: dict[str, Any] = resp.json()["result"]
        return result

    def download(self, path: str, who: str = "S1") -> Any:
        return self.client.get(f"/api/meetings/{self.id}{path}", headers=self.headers(who))

    def log_size(self) -> int:
        resp = self.client.get(f"/api/meetings/{self.id}/log.json", headers=self.admin)
        return len(resp.json()["events"])


@pytest.fixture
def meeting(settings: Settings, admin_headers: dict[str, str]) -> Iterator[Meeting]:
    """A named vote p1 (one ballot cast by proxy, two voters who cast nothing) and a secret
    election e1, closed first so that p1 is poll 2 of section III."""
    with TestClient(create_app(settings)) as client:
        m = Meeting(client, admin_headers)
        m.ok("C1", "meeting.open", {})
        for pid in ("C1", "S1", "D1", "D2", "D3"):
            m.ok("S1", "checkin.manual", {"participant": pid})
        m.ok("S1", "proxy.grant", {"from": "D4", "to": "D2"})

        m.ok("C1", "poll.create", {"id": "e1", "title": "Bầu Ban kiểm phiếu",
                                   "method": "approval", "secret": True, "seats": 1,
                                   "candidates": ["Hoàng Văn Nam", "Bùi Thị Hạnh"],
                                   "rule": "more than 1/2 of valid ballots"})
        m.ok("C1", "poll.open", {"poll": "e1"})
        for who, choice in (("D1", ["o1"]), ("D3", ["o2"]), ("C1", ["o1"])):
            m.ok(who, "ballot.cast", {"poll": "e1", "choice": choice, "ballot_id": f"e-{who}"})
        m.ok("C1", "poll.close", {"poll": "e1"})

        m.ok("C1", "poll.create", {"id": "p1", "title": "Thông qua Nghị quyết",
                                   "method": "yes_no_abstain",
                                   "rule": "more than 1/2 of all delegates"})
        m.ok("C1", "poll.open", {"poll": "p1"})
        m.ok("D1", "ballot.cast", {"poll": "p1", "choice": "yes", "ballot_id": "p-D1"})
        m.ok("D2", "ballot.cast", {"poll": "p1", "choice": "no", "ballot_id": "p-D2"})
        m.ok("D2", "ballot.cast", {"poll": "p1", "choice": "abstain", "ballot_id": "p-D4",
                                   "on_behalf_of": "D4"})
        m.ok("C1", "ballot.cast", {"poll": "p1", "choice": "yes", "ballot_id": "p-C1"})
        m.ok("C1", "poll.close", {"poll": "p1"})
        yield m


def _rows(ws: Any) -> list[tuple[Any, ...]]:
    return [tuple("" if v is None else v for v in row) for row in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_xlsx_has_a_frozen_roll_call_sheet_per_named_poll_only(
    meeting: Meeting, lang: str
) -> None:
    resp = meeting.download(f"/results.xlsx?lang={lang}")
    assert resp.status_code == 200, resp.text
    wb = openpyxl.load_workbook(io.BytesIO(resp.content))
    totals = "Kết quả biểu quyết" if lang == "vi" else "Poll results"
    # The secret election (poll 1) has no sheet; the named vote is poll 2.
    # Named for a human: the poll's number in section III and its title, not its id.
    assert wb.sheetnames == [totals, "2 Thông qua Nghị quyết"]
    ws = wb["2 Thông qua Nghị quyết"]
    rows = _rows(ws)
    assert list(rows[0]) == HEADER[lang]
    assert rows[1:] == EXPECTED[lang]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    # The weight is a number a formula can sum, not text.
    assert sum(r[5] for r in rows[1:]) == 7
    # The totals sheet is still there, both polls' options in it.
    titles = {r[0] for r in _rows(wb[totals])[1:]}
    assert titles == {"Bầu Ban kiểm phiếu", "Thông qua Nghị quyết"}
    # No candidate's name sits next to a voter anywhere in the workbook but the totals.
    cells = {str(v) for row in rows for v in row}
    assert not cells & {"Hoàng Văn Nam", "Bùi Thị Hạnh"}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_roll_call_csv_matches_the_sheet_and_the_minutes(meeting: Meeting, lang: str) -> None:
    resp = meeting.download(f"/results.csv?named=p1&lang={lang}")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-disposition"] == (
        f'attachment; filename="ket-qua-{meeting.id}-p1.csv"'
    )
    assert resp.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for diacritics
    records = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert records[0] == HEADER[lang]
    assert records[1:] == [[str(v) for v in row] for row in EXPECTED[lang]]
    # The same voters, choices and proxy holders as the minutes' annex.
    minutes = meeting.download(f"/minutes.json?lang={lang}").json()
    [named] = [p for p in minutes["polls"] if not p["secret"]]
    assert [(v["code"], v["cast_by"] or "") for v in named["named_votes"]] == [
        (r[0], "Phạm Thị Đào" if r[6] else "") for r in EXPECTED[lang]
    ]


def test_the_totals_csv_is_unchanged_by_default(meeting: Meeting) -> None:
    resp = meeting.download("/results.csv")
    assert resp.status_code == 200
    records = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert records[0] == [t("vi", f"h_{c}") for c in POLL_COLUMNS]
    assert {r[0] for r in records[1:]} == {"Bầu Ban kiểm phiếu", "Thông qua Nghị quyết"}
    assert not any(code in row for row in records for code in ("D1", "D4", "Không bỏ phiếu"))


def test_a_secret_polls_roll_call_is_refused_and_changes_nothing(meeting: Meeting) -> None:
    before = meeting.log_size()
    resp = meeting.download("/results.csv?named=e1")
    assert resp.status_code == 403
    error = resp.json()["error"]
    assert error["code"] == "forbidden" and error["details"]["reason"] == "secret_poll"
    assert "secret" in error["message"]
    assert meeting.log_size() == before


def test_other_roll_call_requests_are_refused(meeting: Meeting) -> None:
    meeting.ok("C1", "poll.create", {"id": "p2", "title": "Chưa biểu quyết",
                                     "method": "yes_no_abstain",
                                     "rule": "more than 1/2 of all delegates"})
    cases = {
        "unknown poll": meeting.download("/results.csv?named=nope"),
        "not closed": meeting.download("/results.csv?named=p2"),
        "xlsx": meeting.download("/results.xlsx?named=p1"),
        "a delegate": meeting.download("/results.csv?named=p1", who="D1"),
    }
    got = {why: (r.status_code, r.json()["error"]["code"]) for why, r in cases.items()}
    assert got == {
        "unknown poll": (404, "not_found"),
        "not closed": (409, "invalid_state"),
        "xlsx": (422, "bad_field"),
        "a delegate": (403, "forbidden"),
    }


def test_sheet_names_fit_excel() -> None:
    assert roll_call_sheet_name(2, "Thông qua Nghị quyết") == "2 Thông qua Nghị quyết"
    title = "Thông qua Nghị quyết Đại hội đại biểu Mặt trận Tổ quốc tỉnh lần thứ XV"
    long = roll_call_sheet_name(120, title)
    assert long == "120 Thông qua Nghị quyết Đại…" and len(long) <= 31
    names = [roll_call_sheet_name(n, title) for n in range(1, 200)]
    assert len({n.casefold() for n in names}) == len(names)  # unique, as Excel compares them
    assert all(len(n) <= 31 and not re.search(r"[\\/?*\[\]:]", n) for n in names)
    assert roll_call_sheet_name(3, "a/b:c?d*e[f]g\\h") == "3 a_b_c_d_e_f_g_h"
    assert roll_call_sheet_name(4, "'x'") == "4 x"
    assert roll_call_sheet_name(5, "  Bầu\tBan\n kiểm phiếu ") == "5 Bầu Ban kiểm phiếu"
    assert roll_call_sheet_name(6, "") == "6"
