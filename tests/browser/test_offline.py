"""Documents read offline on a tablet served over plain http (not a secure context): the
released documents are kept in IndexedDB and rendered from there once the network is gone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import HALL_HOST, TABLET
from tests.browser.test_meeting import two_page_pdf

pytestmark = pytest.mark.browser


def upload(meeting: Any, title: str, filename: str) -> str:
    response = meeting.request(
        "POST", f"/api/meetings/{meeting.id}/documents",
        params={"filename": filename, "title": title},
        content=two_page_pdf(), headers={"Content-Type": "application/pdf"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["document"]["id"])


def test_released_documents_render_offline_over_plain_http(
    new_meeting: Any, open_page: Any, context: Any, shot: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    first = upload(meeting, "Dự thảo Báo cáo chính trị", "bao-cao.pdf")
    url = meeting.links()["DB0004"].replace("//127.0.0.1:", f"//{HALL_HOST}:")
    assert HALL_HOST in url
    tablet = open_page(url, TABLET)
    expect(tablet.locator("#conn")).to_have_attribute("data-status", "online")
    insecure = tablet.evaluate(
        "() => ({secure: isSecureContext, caches: typeof caches, sw: 'serviceWorker' in navigator})"
    )
    assert insecure == {"secure": False, "caches": "undefined", "sw": False}

    # Preloading fills the shelf, and again when another document is released.
    shelf = tablet.locator("#doc-offline")
    expect(shelf).to_have_attribute("data-stored", "1")
    second = upload(meeting, "Dự thảo Chương trình hành động", "chuong-trinh.pdf")
    expect(tablet.locator("#doc-list li[data-doc]")).to_have_count(2)
    expect(shelf).to_have_attribute("data-stored", "2")
    expect(shelf).to_have_attribute("data-done", "1")
    expect(shelf).to_contain_text("Đã lưu 2 tài liệu")
    kept = tablet.evaluate(
        """() => new Promise((resolve) => {
            const req = indexedDB.open("phonghop-offline");
            req.onsuccess = () => {
                const keys = req.result.transaction("files").objectStore("files").getAllKeys();
                keys.onsuccess = () => resolve(keys.result);
            };
        })"""
    )
    assert sorted(kept) == sorted(
        f"/api/meetings/{meeting.id}/documents/{d}/versions/1" for d in (first, second)
    )

    # The network goes away; the documents open and turn pages from the tablet's copy.
    context.set_offline(True)
    try:
        assert tablet.evaluate("() => navigator.onLine") is False
        tablet.locator(f"#doc-list li[data-doc='{second}'] button").click()
        viewer = tablet.locator("#doc-viewer")
        expect(viewer).to_have_attribute("data-doc", second)
        expect(viewer.locator("canvas[data-page='1']")).to_be_visible()
        tablet.click("#doc-next")
        expect(viewer.locator("canvas[data-page='2']")).to_be_visible()
        tablet.locator(f"#doc-list li[data-doc='{first}'] button").click()
        expect(viewer).to_have_attribute("data-doc", first)
        expect(viewer.locator("canvas[data-page='1']")).to_be_visible()
        expect(tablet.locator("#toasts .toast-error")).to_have_count(0)
        shot(tablet, "delegate-document-offline", True)
    finally:
        context.set_offline(False)
