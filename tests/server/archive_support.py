"""Helpers of the archive tests: a real PDF with Vietnamese text drawn in DejaVu (fpdf2, as
the minutes are), and a closed meeting with that document and feedback on it, made through
the HTTP API."""

from __future__ import annotations

from fpdf import FPDF
from starlette.testclient import TestClient

from server.exports.pdf_minutes import FONTS

PAGES = (
    "Báo cáo tổng kết công tác Mặt trận Tổ quốc năm 2026 của tỉnh Quảng Ninh.",
    "Phong trào toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh được đẩy mạnh.",
    "Hội nghị thống nhất thông qua nghị quyết về công tác đại đoàn kết.",
)


def vietnamese_pdf(pages: tuple[str, ...] = PAGES) -> bytes:
    pdf = FPDF(format="A4")
    pdf.add_font("DejaVuSans", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.set_font("DejaVuSans", "", 12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


FEEDBACK = "Đề nghị bổ sung số liệu về nhà đại đoàn kết ở trang này"


def _add(client: TestClient, headers: dict[str, str], meeting: str, pid: str, role: str) -> str:
    added = client.post(f"/api/meetings/{meeting}/participants", headers=headers,
                        json={"id": pid, "full_name": f"Nguyễn Văn {pid}", "role": role})
    assert added.status_code == 201, added.text
    return token_of_participant(client, headers, meeting, pid)


def closed_meeting(client: TestClient, headers: dict[str, str], title: str = "Hội nghị "
                   "Ban Thường trực Ủy ban MTTQ tỉnh") -> str:
    """A meeting with a chair (CT), a delegate (D1), a three-page Vietnamese report and the
    delegate's feedback on its page 3; closed."""
    made = client.post("/api/meetings", headers=headers, json={
        "title": title, "organisation": "Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh",
        "starts": "2026-03-05T08:00"})
    assert made.status_code == 201, made.text
    meeting = str(made.json()["id"])
    _add(client, headers, meeting, "CT", "chair")
    delegate = _add(client, headers, meeting, "D1", "delegate")
    uploaded = client.post(
        f"/api/meetings/{meeting}/documents?filename=bao-cao.pdf&title=Báo cáo tổng kết",
        headers=headers, content=vietnamese_pdf())
    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()["document"]["id"]
    said = client.post(f"/api/meetings/{meeting}/commands",
                       headers={"Authorization": f"Bearer {delegate}"},
                       json={"kind": "feedback.submit", "body": {
                           "text": FEEDBACK, "document": document, "page": 3}})
    assert said.status_code == 200, said.text
    closed = client.post(f"/api/meetings/{meeting}/commands", headers=headers,
                         json={"kind": "meeting.close"})
    assert closed.status_code == 200, closed.text
    return meeting


def token_of_participant(client: TestClient, headers: dict[str, str], meeting: str,
                         pid: str) -> str:
    people = client.get(f"/api/meetings/{meeting}/participants", headers=headers).json()
    url = next(p["join_url"] for p in people["participants"] if p["id"] == pid)
    return str(url.rsplit("/j/", 1)[1])
