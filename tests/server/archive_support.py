"""Helpers of the archive tests: a real PDF with Vietnamese text drawn in DejaVu (fpdf2, as
the minutes are), and a closed meeting with that document, made through the HTTP API."""

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


def closed_meeting(client: TestClient, headers: dict[str, str], title: str = "Hội nghị "
                   "Ban Thường trực Ủy ban MTTQ tỉnh") -> str:
    """A meeting with a three-page Vietnamese report, a feedback-free log, closed."""
    made = client.post("/api/meetings", headers=headers, json={
        "title": title, "organisation": "Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh",
        "starts": "2026-03-05T08:00"})
    assert made.status_code == 201, made.text
    meeting = str(made.json()["id"])
    uploaded = client.post(
        f"/api/meetings/{meeting}/documents?filename=bao-cao.pdf&title=Báo cáo tổng kết",
        headers=headers, content=vietnamese_pdf())
    assert uploaded.status_code == 201, uploaded.text
    closed = client.post(f"/api/meetings/{meeting}/commands", headers=headers,
                         json={"kind": "meeting.close"})
    assert closed.status_code == 200, closed.text
    return meeting
