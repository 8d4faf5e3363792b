"""One meeting through the web views in a real Chromium: the secretary imports the roster
through the UI and hands out links, the chair opens the meeting, delegate tablets and the hall
screen follow live, delegates check in, the secretary downloads the log; a screenshot of
every view and an accessibility check of each."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, PROJECTOR, ROOT, ROSTER_CSV, TABLET

pytestmark = pytest.mark.browser

DELEGATES = ("DB0004", "DB0005", "DB0006")


def badge_token(meeting: Any, participant_id: str) -> str:
    """The text in a participant's badge QR, decoded from the badge PNG with zbar."""
    from PIL import Image
    from pyzbar.pyzbar import decode

    response = meeting.request(
        "GET", f"/api/meetings/{meeting.id}/participants/{participant_id}/badge.png"
    )
    assert response.status_code == 200, response.text
    found = decode(Image.open(io.BytesIO(response.content)))
    assert found, "no QR code in the badge image"
    return str(found[0].data.decode("ascii"))


def join_link(page: Page, participant_id: str) -> str:
    """The participant's link as the desk hands it out: read from the roster for a hall
    screen or an observer, issued anew (revoking the one before) for anyone who votes or
    runs the meeting."""
    page.fill("#roster-search", participant_id)
    reissue = page.locator(f"button.reissue[data-id='{participant_id}']")
    page.locator(f"a.join-link[data-id='{participant_id}'], button.reissue"
                 f"[data-id='{participant_id}']").first.wait_for()
    if reissue.count():
        page.once("dialog", lambda dialog: dialog.accept())
        reissue.click()
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
    # The hall screen is paired from the desk: its own credential, read-only.
    secretary.click("#pair-screen")
    screen_url = secretary.locator("#pair-link").get_attribute("href")
    assert screen_url and "/j/" in screen_url
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
    # 3 present of the whole roster: the chair is told the quorum figure and opens anyway.
    expect(chair.locator("dialog p")).to_contain_text("Mới có 3/")
    chair.click("#dialog-ok")
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

    # The chair opens a vote on the current item; three tablets vote, each with a
    # confirmation and a receipt; the hall screen shows progress, then the result.
    chair.fill("#poll-title", "Thông qua Chương trình Đại hội")
    chair.click("#poll-create-open")
    for page in delegates:
        expect(page.locator("#poll-title-d")).to_have_text("Thông qua Chương trình Đại hội")
    expect(screen.locator("#screen-poll-title")).to_have_text("Thông qua Chương trình Đại hội")
    for page, choice in zip(delegates, ("yes", "yes", "no"), strict=True):
        page.click(f".ballot button[data-choice='{choice}']")
        expect(page.locator("#dialog-title")).to_be_visible()
        page.click("#dialog-ok")
        expect(page.locator(".receipt-box .receipt")).not_to_be_empty()
    shot(delegates[0], "delegate-ballot-receipt", True)
    expect(chair.locator(".poll-progress").first).to_have_attribute("data-voted", "3")
    shot(screen, "hall-screen-voting")
    chair.click("article[data-status='open'] button[data-action='poll.close']")
    # Closing a vote asks first, with the turnout.
    expect(chair.locator("dialog p")).to_contain_text("3/")
    chair.click("#dialog-ok")
    chair.click("article[data-status='closed'] button[data-action='poll.publish']")
    expect(screen.locator("#screen-outcome")).to_be_visible()
    expect(screen.locator("#screen-result .chart-row[data-option='yes']")).to_contain_text("2")
    expect(screen.locator("#screen-result .chart-row[data-option='no']")).to_contain_text("1")
    shot(screen, "hall-screen-result")
    expect(delegates[0].locator("#poll-result")).to_be_visible()

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
    with secretary.expect_download() as info:
        secretary.click("#dl-minutes-docx")
    docx = tmp_path / "minutes.docx"
    info.value.save_as(docx)
    assert docx.read_bytes()[:2] == b"PK"

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

    # A real badge, as a handheld scanner reads it: its QR decoded from the badge image.
    token = badge_token(meeting, "DB0010")
    kiosk.keyboard.type(token)
    kiosk.keyboard.press("Enter")
    outcome = kiosk.locator("#kiosk-result .scan-outcome")
    expect(outcome).to_have_attribute("data-outcome", "ok")
    expect(outcome).to_contain_text("Ghế")
    shot(kiosk, "kiosk-checked-in")
    # The same badge again: "already checked in", nothing changes.
    kiosk.keyboard.type(token)
    kiosk.keyboard.press("Enter")
    expect(outcome).to_have_attribute("data-outcome", "already")

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


def two_page_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(ROOT / "server" / "assets" / "fonts" / "DejaVuSans.ttf"))
    pdf.set_font("DejaVu", size=28)
    for n in (1, 2):
        pdf.add_page()
        pdf.cell(0, 20, f"Dự thảo Báo cáo chính trị — trang {n}")
    return bytes(pdf.output())


def test_documents_follow_the_chair(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    response = meeting.request(
        "POST", f"/api/meetings/{meeting.id}/documents",
        params={"filename": "bao-cao.pdf", "title": "Dự thảo Báo cáo chính trị"},
        content=two_page_pdf(), headers={"Content-Type": "application/pdf"},
    )
    assert response.status_code == 201, response.text
    links = meeting.links()
    chair = open_page(links["DB0001"], LAPTOP)
    delegate = open_page(links["DB0004"], TABLET)
    expect(delegate.locator("#doc-list li[data-doc]")).to_have_count(1)

    chair.locator("#chair-docs li[data-doc] button").click()
    viewer = delegate.locator("#doc-viewer")
    expect(viewer).to_have_attribute("data-page", "1")
    expect(viewer.locator("canvas[data-page='1']")).to_be_visible()
    expect(delegate.locator("#doc-page")).to_have_text("Trang 1 / 2")
    chair.click("#present-next")
    expect(viewer.locator("canvas[data-page='2']")).to_be_visible()
    shot(delegate, "delegate-document", True)
    axe_check(delegate, "delegate document viewer")

    # Turning a page by hand leaves follow mode: the chair's next move does not pull it back.
    delegate.click("#doc-prev")
    expect(viewer.locator("canvas[data-page='1']")).to_be_visible()
    expect(delegate.locator("#doc-follow")).not_to_be_checked()
    chair.click("#present-stop")
    chair.locator("#chair-docs li[data-doc] button").click()
    chair.click("#present-next")
    delegate.wait_for_timeout(500)
    expect(viewer.locator("canvas[data-page='1']")).to_be_visible()
