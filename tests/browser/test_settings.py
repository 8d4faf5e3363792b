"""Meeting settings in a real Chromium: the secretary turns "open only with the quorum" on in
the settings panel, the chair's console follows live and its "open" is then refused while the
quorum is absent; a bad value is refused with the server's message and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP

pytestmark = pytest.mark.browser


def test_secretary_requires_the_quorum_and_the_chair_cannot_open(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting = new_meeting()
    meeting.command("participant.add", {"id": "CT01", "full_name": "Dương Xuân Hải",
                                        "role": "chair"})
    for i in range(1, 4):
        meeting.command("participant.add", {"id": f"D{i}", "full_name": f"Đại biểu {i}",
                                            "role": "delegate"})
    chair_url = meeting.links()["CT01"]

    secretary = open_page(meeting.secretary_url, LAPTOP)
    expect(secretary.locator("#conn")).to_have_attribute("data-status", "online")
    panel = secretary.locator("#sec-settings")
    expect(panel.locator("h2")).to_have_text("Cài đặt cuộc họp")
    box = secretary.locator("#setting-require_quorum_to_open")
    expect(box).not_to_be_checked()
    expect(secretary.locator("#setting-require_check_in")).to_be_checked()
    expect(secretary.locator("#setting-proxy_limit")).to_have_value("1")
    expect(secretary.locator("#setting-device_checkin")).to_have_value("tap")
    axe_check(secretary, "secretary desk, meeting settings")

    box.check()
    secretary.click("#settings-save")
    expect(secretary.locator(".toast-ok").last).to_contain_text("Đã lưu cài đặt cuộc họp")
    shown = meeting.request("GET", f"/api/meetings/{meeting.id}").json()
    assert shown["settings"]["require_quorum_to_open"] is True
    assert shown["settings"]["hybrid"] is False  # only what was changed

    chair = open_page(chair_url, LAPTOP)
    expect(chair.locator("#conn")).to_have_attribute("data-status", "online")
    expect(chair.locator("#setting-require_quorum_to_open")).to_be_checked()
    chair.click("#btn-meeting-open")
    # The console warns with the quorum figure first; opening anyway, the server refuses.
    expect(chair.locator("dialog p")).to_contain_text("0/")
    chair.click("#dialog-ok")
    # The figures in the page's language (views/common.js errorText), not the server's English.
    refusal = chair.locator(".toast-error").last
    expect(refusal).to_contain_text("Chưa đủ số đại biểu theo quy định: mới có 0/5 đại biểu")
    expect(refusal).not_to_contain_text("quorum not met")
    expect(chair.locator("#lifecycle [data-status]")).to_have_attribute("data-status",
                                                                        "scheduled")
    shot(chair, "chair-settings-quorum-refused")

    # A change made elsewhere shows in an untouched form at once.
    meeting.command("meeting.update", {"settings": {"hybrid": True}})
    expect(secretary.locator("#setting-hybrid")).to_be_checked()

    # A refused value: the server names the setting; nothing changes.
    secretary.fill("#setting-proxy_limit", "")
    secretary.click("#settings-save")
    refusal = secretary.locator(".toast-error").last
    expect(refusal).to_contain_text("«Số ủy quyền tối đa một đại biểu được nhận»")
    expect(refusal).not_to_contain_text("setting 'proxy_limit'")
    assert meeting.request("GET", f"/api/meetings/{meeting.id}").json()["settings"][
        "proxy_limit"] == 1
    secretary.click("#settings-reset")
    expect(secretary.locator("#setting-proxy_limit")).to_have_value("1")

    # Turned off again, the chair opens the meeting.
    chair.locator("#setting-require_quorum_to_open").uncheck()
    chair.click("#settings-save")
    expect(secretary.locator("#setting-require_quorum_to_open")).not_to_be_checked()
    chair.click("#btn-meeting-open")
    expect(chair.locator("dialog p")).to_contain_text("0/")  # still warned: nobody is present
    chair.click("#dialog-ok")
    expect(chair.locator("#lifecycle [data-status]")).to_have_attribute("data-status", "open")
    shot(secretary, "secretary-settings")
