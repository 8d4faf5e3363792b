"""The archive section of the organiser page (/admin), by clicking: a closed meeting archived
from the list appears in the archive, filters by year and status, a search without diacritics
finds the page of the document and opens it there, and the meeting's ZIP downloads whole."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_TOKEN, PROJECTOR
from tests.server.archive_support import vietnamese_pdf


def _closed_meeting(admin: httpx.Client) -> str:
    made = admin.post("/api/meetings", json={
        "title": "Hội nghị Ban Thường trực tháng 3", "organisation": "Ủy ban MTTQ tỉnh Quảng Ninh",
        "starts": "2026-03-05T08:00"})
    assert made.status_code == 201, made.text
    meeting = str(made.json()["id"])
    uploaded = admin.post(f"/api/meetings/{meeting}/documents?filename=bao-cao.pdf"
                          "&title=Báo cáo tổng kết", content=vietnamese_pdf())
    assert uploaded.status_code == 201, uploaded.text
    closed = admin.post(f"/api/meetings/{meeting}/commands", json={"kind": "meeting.close"})
    assert closed.status_code == 200, closed.text
    return meeting


def test_the_organiser_archives_searches_and_downloads(
    server: Any, admin: httpx.Client, open_page: Callable[..., Page],
    shot: Callable[..., Path], axe_check: Callable[[Page, str], Any], tmp_path: Path,
) -> None:
    meeting = _closed_meeting(admin)
    page = open_page(f"{server.base_url}/admin", viewport=PROJECTOR)
    page.fill("#admin-token", ADMIN_TOKEN)
    page.click("#admin-signin")
    expect(page.locator("#admin-archive")).to_contain_text("Chưa có hội nghị nào")

    page.locator(f"#admin-table tr[data-meeting='{meeting}'] [data-action=archive]").click()
    row = page.locator(f"#archive-table tr[data-archived='{meeting}']")
    expect(row).to_contain_text("Hội nghị Ban Thường trực tháng 3")
    expect(row).to_contain_text("Đã bế mạc")
    page.select_option("#archive-year", "2026")
    expect(row).to_be_visible()
    page.select_option("#archive-status", "signed")
    expect(row).to_have_count(0)
    expect(page.locator("#archive-list")).to_contain_text("Chưa có hội nghị nào")
    page.select_option("#archive-status", "")

    page.fill("#archive-q", "nong thon moi")
    page.click("#archive-search-submit")
    hit = page.locator("#archive-hits .archive-hit[data-kind=document]")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("trang 2")
    expect(hit.locator(".archive-snippet")).to_contain_text("nông thôn mới")
    link = hit.locator("a.archive-hit-link")
    expect(link).to_have_attribute("data-page", "2")
    assert re.fullmatch(rf"/api/archive/meetings/{meeting}/files/documents/d[0-9a-f]+-v1\.pdf"
                        "#page=2", link.get_attribute("href") or "")
    shot(page, "archive-1920", full_page=True)
    axe_check(page, "organiser page with the archive")
    with page.context.expect_page() as opened:
        link.click()
    document = opened.value
    # The PDF fetched with the token, opened at its page.
    document.wait_for_url(re.compile(r"^blob:.*#page=2$"))
    document.close()

    with page.expect_download() as info:
        row.locator("[data-action=zip]").click()
    saved = tmp_path / "archive.zip"
    info.value.save_as(saved)
    with zipfile.ZipFile(saved) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["meeting"] == meeting and "log.json" in manifest["files"]

    page.select_option("#lang-select", "en")
    expect(page.locator("#admin-archive-h")).to_have_text("Meeting archive")
    page.fill("#archive-q", "hoi nghi ban thuong truc")
    page.click("#archive-search-submit")
    expect(page.locator("#archive-hits .archive-hit").first).to_contain_text("Meeting")
