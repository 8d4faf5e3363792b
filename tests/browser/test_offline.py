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


def test_an_offline_ballot_is_queued_once_shown_and_changed_only_on_purpose(
    new_meeting: Any, open_page: Any, context: Any, shot: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    meeting.command("checkin.manual", {"participant": "DB0004"})
    meeting.command("poll.create", {"id": "p1", "title": "Thông qua Chương trình",
                                    "method": "yes_no_abstain",
                                    "rule": "more than 1/2 of delegates present"})
    meeting.command("poll.open", {"poll": "p1"})
    tablet = open_page(meeting.links()["DB0004"], TABLET)
    conn = tablet.locator("#conn")
    expect(conn).to_have_attribute("data-status", "online")
    ballot = tablet.locator(".ballot[data-voter='DB0004']")
    expect(ballot.locator("button[data-choice='abstain']")).to_be_visible()

    context.set_offline(True)
    try:
        # The heartbeat notices the lost link within 5 s.
        expect(conn).to_have_attribute("data-status", "reconnecting", timeout=5000)
        ballot.locator("button[data-choice='abstain']").click()
        tablet.click("#dialog-ok")
        queued = tablet.locator("#queued-DB0004")
        expect(queued).to_contain_text("Phiếu đang chờ gửi")
        expect(queued).to_contain_text("Không biểu quyết")
        expect(ballot.locator("button[data-choice]")).to_have_count(0)
        assert tablet.evaluate("() => window.phonghop.client.queued") == 1
        shot(tablet, "delegate-ballot-queued", True)

        # Changing it is a step of its own: the queued ballot is taken back, then replaced.
        tablet.click("#queued-change-DB0004")
        tablet.click("#dialog-ok")
        expect(queued).to_have_count(0)
        assert tablet.evaluate("() => window.phonghop.client.queued") == 0
        ballot.locator("button[data-choice='yes']").click()
        tablet.click("#dialog-ok")
        expect(queued).to_contain_text("Tán thành")
        assert tablet.evaluate("() => window.phonghop.client.queued") == 1
    finally:
        context.set_offline(False)

    # Back online: the one queued ballot is sent and counted, and the tablet says so.
    expect(conn).to_have_attribute("data-status", "online")
    expect(tablet.locator(".receipt-box")).to_contain_text("Tán thành")
    expect(tablet.locator("#toasts .toast-error")).to_have_count(0)
    meeting.command("poll.close", {"poll": "p1"})
    meeting.command("poll.publish", {"poll": "p1"})
    result = tablet.locator("#poll-result")
    expect(result.locator(".chart-row[data-option='yes'] .chart-value")).to_contain_text("1 ·")
    expect(result.locator(".chart-row[data-option='abstain'] .chart-value")).to_contain_text("0 ·")
    expect(result.locator(".chart-row[data-option='no'] .chart-value")).to_contain_text("0 ·")
