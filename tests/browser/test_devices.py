"""Pairing a check-in kiosk from the secretary desk: the desk shows a pairing link (never the
secretary's own token); opened on another device it shows the kiosk and only the kiosk, and
the code printed on a badge typed there checks its delegate in — in vi and in en."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import LAPTOP, TABLET

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "button", "title"), [
    ("vi", "Kết nối quầy điểm danh", "Quầy điểm danh"),
    ("en", "Pair a check-in kiosk", "Check-in"),
])
def test_a_kiosk_paired_from_the_desk_shows_only_the_kiosk(
    new_meeting: Any, open_page: Any, browser: Browser, shot: Any, lang: str, button: str,
    title: str,
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    secretary = meeting.secretary_url.rsplit("/j/", 1)[1]
    desk = open_page(f"{meeting.base_url}/app/?t={secretary}&lang={lang}", LAPTOP)
    desk.click("#tab-roster")
    expect(desk.locator("#pair-kiosk")).to_have_text(button)
    desk.click("#pair-kiosk")
    link = desk.locator("#pair-link")
    expect(link).to_be_visible()
    url = link.get_attribute("href")
    assert url and "/j/" in url and url.rsplit("/j/", 1)[1] != secretary
    shot(desk, f"desk-pair-kiosk-{lang}")

    # The kiosk is another device: its own browser storage.
    device = browser.new_context(viewport={"width": TABLET["width"], "height": TABLET["height"]})
    try:
        kiosk = device.new_page()
        kiosk.goto(f"{meeting.base_url}/app/?t={url.rsplit('/j/', 1)[1]}&lang={lang}")
        expect(kiosk.locator("body")).to_have_attribute("data-view", "kiosk")
        expect(kiosk.locator("h1.view-title")).to_contain_text(title)
        expect(kiosk.locator("#kiosk-scan")).to_be_focused()
        kiosk.keyboard.type("db0004")  # the code printed on Trần Thị Loan's badge
        kiosk.keyboard.press("Enter")
        outcome = kiosk.locator("#kiosk-result .scan-outcome")
        expect(outcome).to_have_attribute("data-outcome", "ok")
        expect(outcome).to_contain_text("Trần Thị Loan")
        shot(kiosk, f"kiosk-paired-{lang}")
        # Asking this tablet for the desk still shows the kiosk: it holds nothing more.
        kiosk.goto(f"{meeting.base_url}/app/?view=secretary&lang={lang}")
        expect(kiosk.locator("body")).to_have_attribute("data-view", "kiosk")
        expect(kiosk.locator("#tab-roster")).to_have_count(0)
    finally:
        device.close()
    people = meeting.request("GET", f"/api/meetings/{meeting.id}/attendance.json").json()
    assert any(p.get("id", p.get("code")) == "DB0004" and p.get("status") == "present"
               for p in people["participants"]), people["participants"][:3]
