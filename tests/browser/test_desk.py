"""The secretary's desk beyond check-in: proxies (granted, refused with the server's reason,
revoked, seen by the chair), feedback moderation (tags, merging duplicates), the kiosk when
the camera is refused, and badges printed for the participants a search shows."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP, ROSTER_CSV, TABLET
from tests.browser.test_meeting import badge_token

pytestmark = pytest.mark.browser


def test_proxies_granted_refused_and_revoked(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    meeting.command("checkin.manual", {"participant": "DB0005"})  # Vũ Mạnh Cường, present
    links = meeting.links()
    desk = open_page(meeting.secretary_url, LAPTOP)
    chair = open_page(links["DB0001"], LAPTOP)
    expect(chair.locator("#proxy-none")).to_be_visible()

    desk.click("#tab-checkin")
    # Trần Thị Loan (absent) gives her vote to Vũ Mạnh Cường (present).
    desk.select_option("#proxy-from", "DB0004")
    desk.select_option("#proxy-to", "DB0005")
    desk.click("#proxy-grant")
    expect(desk.locator("#proxy-ok")).to_contain_text("Trần Thị Loan")
    row = desk.locator("#proxy-list li[data-from='DB0004']")
    expect(row).to_have_attribute("data-to", "DB0005")
    expect(row).to_contain_text("Vũ Mạnh Cường")
    # The chair sees who holds what, live.
    chair_row = chair.locator("#chair-proxies li[data-from='DB0004']")
    expect(chair_row).to_contain_text("Trần Thị Loan")
    expect(chair_row).to_contain_text("Vũ Mạnh Cường")

    # Refused: Ngô Công Nghĩa (DB0007) is not checked in, so cannot hold a proxy. The desk
    # says why, in words, and nothing is recorded.
    desk.select_option("#proxy-from", "DB0006")
    desk.select_option("#proxy-to", "DB0007")
    desk.click("#proxy-grant")
    error = desk.locator("#proxy-error")
    expect(error).to_have_attribute("data-reason", "holder_absent")
    expect(error).to_contain_text("Ngô Công Nghĩa chưa điểm danh")
    expect(desk.locator("#proxy-list li")).to_have_count(1)
    desk.locator("#sec-proxies").scroll_into_view_if_needed()
    shot(desk, "secretary-proxy-refused")
    axe_check(desk, "secretary desk, proxies")

    # Another refusal: the giver is present and votes in person.
    desk.select_option("#proxy-from", "DB0005")
    desk.select_option("#proxy-to", "DB0004")
    desk.click("#proxy-grant")
    expect(desk.locator("#proxy-error")).to_have_attribute("data-reason", "giver_present")
    expect(desk.locator("#proxy-error")).to_contain_text("Vũ Mạnh Cường đã điểm danh")
    shot(chair, "chair-proxies")

    # Revoked: gone from both lists.
    row.locator("button[data-action='revoke']").click()
    expect(desk.locator("#proxy-list li")).to_have_count(0)
    expect(chair.locator("#chair-proxies li")).to_have_count(0)


def test_feedback_tagged_and_duplicates_merged(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    meeting.command("agenda.import", {"items": [
        {"title": "Thảo luận dự thảo Báo cáo chính trị", "kind": "discussion", "minutes": 60},
    ]})
    meeting.command("agenda.set_current", {"id": "1"})
    links = meeting.links()
    texts = {
        "DB0004": "Đề nghị bổ sung số liệu kinh tế năm 2024",
        "DB0005": "Cần bổ sung số liệu năm 2024 vào báo cáo",
        "DB0006": "Sửa lỗi chính tả ở trang 3",
    }
    for pid, text in texts.items():
        tablet = open_page(links[pid], TABLET)
        tablet.fill("#feedback-text", text)
        tablet.click("#feedback-send")
        expect(tablet.locator("#feedback-text")).to_have_value("")
        tablet.close()
    desk = open_page(meeting.secretary_url, LAPTOP)
    desk.click("#tab-feedback")
    roots = desk.locator("#feedback-list > li")
    expect(roots).to_have_count(3)
    # (The merge choices name the other entries too: find each by its own text.)
    first = roots.filter(has=desk.locator("p.feedback-text", has_text=texts["DB0004"]))
    second = roots.filter(has=desk.locator("p.feedback-text", has_text=texts["DB0005"]))
    first_id = first.get_attribute("data-id")
    second_id = second.get_attribute("data-id")
    assert first_id and second_id

    # Tags: typed in a dialog, comma-separated; shown as tags.
    first.locator("button[data-action='tag']").click()
    desk.fill("#dialog-input", "số liệu, kinh tế")
    desk.click("#dialog-ok")
    tags = desk.locator(f"#feedback-list > li[data-id='{first_id}'] .tag")
    expect(tags).to_have_text(["số liệu", "kinh tế"])

    # Merge the duplicate into the first: it moves under it and counts as support.
    desk.select_option(f"#merge-{second_id}", first_id)
    desk.locator(f"#feedback-list > li[data-id='{second_id}'] button[data-action='merge']").click()
    expect(roots).to_have_count(2)
    root = desk.locator(f"#feedback-list > li[data-id='{first_id}']")
    expect(root).to_have_attribute("data-supporters", "1")
    expect(root.locator(f".feedback-merged li[data-id='{second_id}']")).to_contain_text(
        texts["DB0005"])
    expect(root.locator(".pill-support")).to_contain_text("1 góp ý trùng")
    shot(desk, "secretary-feedback-moderation")
    axe_check(desk, "secretary desk, feedback moderation")

    # The server's summary agrees: two distinct points, the first with one supporter.
    summary = meeting.request("GET", f"/api/meetings/{meeting.id}/feedback/summary").json()
    points = [p for item in summary["items"] for p in item["points"]]
    assert len(points) == 2
    merged = next(p for p in points if p["id"] == first_id)
    assert merged["tags"] == ["số liệu", "kinh tế"]
    assert merged["supporters"] == ["DB0004", "DB0005"]  # the author, then the duplicate's


REFUSE_CAMERA = """
(() => {
  const refuse = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
  if (navigator.mediaDevices) navigator.mediaDevices.getUserMedia = refuse;
  else Object.defineProperty(navigator, "mediaDevices", { value: { getUserMedia: refuse } });
})();
"""


def test_kiosk_says_the_camera_was_refused_and_the_scanner_still_works(
    new_meeting: Any, open_page: Any, context: Any, shot: Any, axe_check: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    context.add_init_script(REFUSE_CAMERA)
    token = meeting.secretary_url.rsplit("/j/", 1)[1]
    kiosk = open_page(f"{meeting.base_url}/app/?t={token}&view=kiosk", LAPTOP)
    expect(kiosk.locator("#kiosk-scan")).to_be_focused()

    kiosk.click("#camera-toggle")
    status = kiosk.locator("#camera-status")
    expect(status).to_have_attribute("data-state", "denied")
    expect(status.locator(".camera-problem")).to_have_attribute("data-problem", "refused")
    expect(status).to_contain_text("Không được phép dùng camera")
    expect(status).to_contain_text("máy quét cầm tay")
    expect(kiosk.locator("#camera-toggle")).to_have_text("Thử lại camera")
    # The focus is back on the field, where a handheld scanner types.
    expect(kiosk.locator("#kiosk-scan")).to_be_focused()
    kiosk.keyboard.type(badge_token(meeting, "DB0012"))
    kiosk.keyboard.press("Enter")
    outcome = kiosk.locator("#kiosk-result .scan-outcome")
    expect(outcome).to_have_attribute("data-outcome", "ok")
    shot(kiosk, "kiosk-camera-refused")
    axe_check(kiosk, "kiosk, camera refused")


def test_badges_of_the_participants_the_search_shows(
    new_meeting: Any, open_page: Any, shot: Any, tmp_path: Path
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    rows = list(csv.DictReader(ROSTER_CSV.read_text(encoding="utf-8").splitlines()))
    mong_cai = {r["full_name"] for r in rows if r["delegation"] == "TP. Móng Cái"}
    others = {r["full_name"] for r in rows} - mong_cai
    desk = open_page(meeting.secretary_url, LAPTOP)
    desk.click("#tab-roster")
    button = desk.locator("#print-shown-badges")
    # Without a search the whole roster is under Downloads: nothing to select here.
    expect(button).to_be_disabled()
    desk.fill("#roster-search", "mong cai")  # without diacritics, as typed on a laptop
    expect(button).to_be_enabled()
    expect(button).to_have_text(f"In thẻ của {len(mong_cai)} người đang hiện")
    shot(desk, "secretary-badges-of-a-delegation")
    with desk.expect_download() as info:
        button.click()
    pdf = tmp_path / "badges.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert all(name in text for name in mong_cai), mong_cai
    assert not [name for name in others if name in text and not any(name in m for m in mong_cai)]
