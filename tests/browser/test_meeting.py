"""One meeting through the web views in a real Chromium: the secretary imports the roster
through the UI and hands out links, the chair opens the meeting, delegate tablets and the hall
screen follow live, delegates check in, the secretary downloads the log; a screenshot of
every view and an accessibility check of each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, PROJECTOR, ROSTER_CSV, TABLET

pytestmark = pytest.mark.browser

DELEGATES = ("DB0004", "DB0005", "DB0006")


def join_link(page: Page, participant_id: str) -> str:
    page.fill("#roster-search", participant_id)
    link = page.locator(f"a.join-link[data-id='{participant_id}']")
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert href and "/j/" in href
    return href


def find_in_roster(page: Page, query: str, participant_id: str) -> None:
    page.fill("#roster-search", query)
    expect(page.locator(f"#participants tr[data-id='{participant_id}']")).to_be_visible()


def test_meeting_through_the_views(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any, tmp_path: Path
) -> None:
    meeting = new_meeting()

    # The secretary opens their join link and imports the roster through the UI.
    secretary = open_page(meeting.secretary_url, LAPTOP)
    expect(secretary.locator("#conn")).to_have_attribute("data-status", "online")
    secretary.click("#tab-roster")
    secretary.set_input_files("#roster-file", str(ROSTER_CSV))
    secretary.click("#roster-import")
    expect(secretary.locator("#roster-result")).to_contain_text("350")
    # The search ignores diacritics, and the list is in Vietnamese order by given name.
    find_in_roster(secretary, "duong xuan hai", "DB0001")
    secretary.fill("#roster-search", "")
    chair_url = join_link(secretary, "DB0001")
    delegate_urls = [join_link(secretary, pid) for pid in DELEGATES]
    secretary.click("#add-screen")
    screen_url = join_link(secretary, "SCREEN1")
    shot(secretary, "secretary-roster")
    axe_check(secretary, "secretary desk, roster")

    # Names are text, never markup: a name with HTML in it shows as typed.
    meeting.command("participant.add", {"id": "X1", "full_name": "<img src=x onerror=alert(1)>"})
    find_in_roster(secretary, "img src", "X1")
    expect(secretary.locator("#participants tr[data-id='X1'] td").nth(1)).to_contain_text(
        "<img src=x onerror=alert(1)>"
    )
    assert secretary.locator("#participants img").count() == 0

    chair = open_page(chair_url, LAPTOP)
    expect(chair.locator("#btn-meeting-open")).to_be_enabled()
    delegates = [open_page(url, TABLET) for url in delegate_urls]
    screen = open_page(screen_url, PROJECTOR)
    for page in delegates:
        expect(page.locator("#me-name")).not_to_be_empty()
        expect(page.locator(".me-status .status")).to_have_attribute("data-status", "scheduled")
    expect(screen.locator("#screen-status .status")).to_have_attribute("data-status", "scheduled")

    # Delegates check in from their tablets; the desk and the hall screen see it live.
    for page in delegates:
        page.click("#btn-checkin")
        expect(page.locator("#my-checkin")).to_have_attribute("data-status", "present")
    expect(screen.locator("#quorum")).to_have_attribute("data-present", "3")

    # The chair opens the meeting: every delegate tablet and the hall screen follow live.
    chair.click("#btn-meeting-open")
    for page in delegates:
        expect(page.locator(".me-status .status")).to_have_attribute("data-status", "open")
        expect(page.locator("#history li[data-kind='meeting.opened']")).to_have_count(1)
    expect(screen.locator("#screen-status .status")).to_have_attribute("data-status", "open")
    expect(chair.locator("#btn-meeting-adjourn")).to_be_enabled()

    # The agenda (imported over HTTP here) is driven from the console.
    plan = [
        {"title": "Khai mạc; giới thiệu đại biểu", "kind": "procedural", "minutes": 15},
        {"title": "Biểu quyết thông qua Chương trình Đại hội", "kind": "vote", "minutes": 10},
        {"title": "Thảo luận dự thảo Báo cáo chính trị", "kind": "discussion", "minutes": 120},
    ]
    meeting.command("agenda.import", {"items": plan})
    expect(chair.locator("#agenda-next")).to_be_enabled()
    chair.click("#agenda-next")
    expect(screen.locator("#screen-item-title")).to_have_text(plan[0]["title"])
    chair.click("#agenda-next")
    chair.click("#timer-start")
    for page in delegates:
        expect(page.locator("#current-item-title")).to_have_text(plan[1]["title"])
    expect(screen.locator("#screen-item-title")).to_have_text(plan[1]["title"])
    expect(screen.locator(".timer-value").first).to_be_visible()

    # A delegate asks to speak; the chair gives the floor; the screen shows the speaker.
    delegates[0].click("#btn-speak")
    expect(chair.locator("#speaker-queue li")).to_have_count(1)
    chair.locator("#speaker-queue li button").first.click()
    expect(screen.locator("#floor-name")).not_to_be_empty()
    expect(delegates[0].locator("#my-floor")).to_be_visible()

    # Feedback with markup in it is shown as text at the secretary's desk.
    delegates[1].fill("#feedback-text", "<b>Đề nghị</b> bổ sung số liệu năm 2024")
    delegates[1].click("#feedback-send")
    secretary.click("#tab-feedback")
    expect(secretary.locator("#feedback-list li")).to_have_count(1)
    expect(secretary.locator("#feedback-list .feedback-text")).to_have_text(
        "<b>Đề nghị</b> bổ sung số liệu năm 2024"
    )

    # Screenshots and accessibility of every view.
    shot(chair, "chair-console")
    axe_check(chair, "chair console")
    shot(delegates[0], "delegate-tablet", True)
    axe_check(delegates[0], "delegate tablet")
    shot(screen, "hall-screen")
    axe_check(screen, "hall screen")
    secretary.click("#tab-overview")
    shot(secretary, "secretary-overview")
    axe_check(secretary, "secretary overview")

    # The secretary downloads the meeting log from the desk.
    secretary.click("#tab-downloads")
    with secretary.expect_download() as info:
        secretary.click("#dl-log-json")
    path = tmp_path / "log.json"
    info.value.save_as(path)
    log = json.loads(path.read_text(encoding="utf-8"))
    kinds = [e["kind"] for e in log["events"]]
    assert "meeting.opened" in kinds and "roster.imported" in kinds

    # The language switch: the same view in English.
    delegates[2].select_option("#lang-select", "en")
    expect(delegates[2].locator(".me-status .status")).to_have_text("In session")
    shot(delegates[2], "delegate-tablet-en")


def test_kiosk_and_desk(new_meeting: Any, open_page: Any, shot: Any, axe_check: Any) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    secretary_url = meeting.secretary_url
    token = secretary_url.rsplit("/j/", 1)[1]
    kiosk = open_page(f"{meeting.base_url}/app/?t={token}&view=kiosk", LAPTOP)
    expect(kiosk.locator("#kiosk-scan")).to_be_focused()
    # A forged badge: big, unmistakable refusal; nothing recorded.
    kiosk.keyboard.type(f"{meeting.id}~DB0009~bd~zzzzzz~forgedforgedforgedforg")
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("#kiosk-result .scan-outcome")).to_have_attribute("data-outcome", "fail")
    shot(kiosk, "kiosk-refused")
    axe_check(kiosk, "kiosk")

    # The desk finds a delegate without diacritics and checks them in by hand.
    desk = open_page(secretary_url, LAPTOP)
    desk.click("#tab-checkin")
    desk.fill("#desk-search", "duong xuan hai")
    row = desk.locator("#desk-results li[data-id='DB0001']")
    expect(row).to_be_visible()
    row.locator("button.btn-primary").click()
    expect(row).to_have_class("desk-row checkin-present")
    shot(desk, "secretary-checkin-desk")
    axe_check(desk, "check-in desk")
