"""The delegate's feedback form while no agenda item is current: the server would refuse
``feedback.submit`` (rooms/feedback.py), so the form says so first and its send button is
disabled; when the chair sets an item, live, the hint goes and what was typed can be sent."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TABLET

pytestmark = pytest.mark.browser

HINT_VI = ("Chưa có nội dung đang thảo luận — góp ý sẽ gửi được khi chủ tọa chuyển sang một mục"
           " của chương trình.")
HINT_EN = ("No agenda item is under discussion yet — feedback can be sent once the chair moves"
           " to an item.")
TEXT = "Đề nghị bổ sung số liệu <b>kinh tế</b> năm 2024"


def test_feedback_waits_for_a_current_item(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    meeting.command("agenda.import", {"items": [
        {"title": "Thảo luận dự thảo Báo cáo chính trị", "kind": "discussion", "minutes": 60},
    ]})
    tablet = open_page(meeting.links()["DB0004"], TABLET)
    hint = tablet.locator("#feedback-hint")
    text = tablet.locator("#feedback-text")
    send = tablet.locator("#feedback-send")

    # No current item: the hint, tied to the field and the button, and a really disabled button.
    expect(tablet.locator(".current-item.empty")).to_be_visible()
    expect(hint).to_be_visible()
    expect(hint).to_have_text(HINT_VI)
    expect(send).to_be_disabled()
    expect(text).to_have_attribute("aria-describedby", "feedback-hint")
    expect(send).to_have_attribute("aria-describedby", "feedback-hint")
    expect(text).to_be_editable()
    # Questions do not need an item (rooms/questions.py): that form stays as it was.
    expect(tablet.locator("#question-send")).to_be_enabled()
    tablet.locator("#sec-feedback").scroll_into_view_if_needed()
    shot(tablet, "delegate-feedback-no-current-item")
    axe_check(tablet, "delegate tablet, feedback waiting for an item")

    # In English too (the language switch re-renders the view).
    tablet.select_option("#lang-select", "en")
    expect(tablet.locator("#feedback-hint")).to_have_text(HINT_EN)
    expect(tablet.locator("#feedback-send")).to_be_disabled()
    tablet.select_option("#lang-select", "vi")
    expect(hint).to_have_text(HINT_VI)

    # Typing is allowed and kept; pressing the disabled button sends nothing.
    text.fill(TEXT)
    send.click(force=True)
    expect(text).to_have_value(TEXT)
    expect(send).to_be_disabled()

    # The chair sets an item: live, without a reload, the hint goes and the button works.
    meeting.command("agenda.set_current", {"id": "1"})
    expect(tablet.locator("#current-item-title")).to_have_text(
        "Thảo luận dự thảo Báo cáo chính trị")
    expect(hint).to_be_hidden()
    expect(send).to_be_enabled()
    expect(text).not_to_have_attribute("aria-describedby", "feedback-hint")
    expect(send).not_to_have_attribute("aria-describedby", "feedback-hint")
    expect(text).to_have_value(TEXT)

    # Sending works: the server acks (the toast comes after the ack) and has it on item 1.
    send.click()
    expect(tablet.locator("#toasts .toast-ok", has_text="Đã gửi góp ý.")).to_be_visible()
    expect(text).to_have_value("")
    summary = meeting.request("GET", f"/api/meetings/{meeting.id}/feedback/summary").json()
    points = [(item["item"], p["text"], p["author"]) for item in summary["items"]
              for p in item["points"]]
    assert points == [("1", TEXT, "DB0004")]

    # The chair leaves the item: the hint and the disabled button come back, live.
    meeting.command("agenda.set_current", {"id": None})
    expect(hint).to_be_visible()
    expect(send).to_be_disabled()
