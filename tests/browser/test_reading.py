"""Reading in a real Chromium: the delegate's document reader zooms (buttons and a two-finger
pinch), fits the page to the width and goes full screen; the page the chair presents is drawn
on the hall screen, whole and without scrolling at 1920x1080 and 1280x720, and the chair's
console shows a preview of it; a delegate sees their own questions and feedback with their
state and the answers, and an empty question, feedback or upload is said, not ignored."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, PROJECTOR, TABLET
from tests.browser.test_meeting import two_page_pdf

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
HD = {"width": 1280, "height": 720}
CANVAS_WIDTH = "() => document.querySelector('#doc-viewer canvas').getBoundingClientRect().width"
# The viewer's content box: its client width less its padding.
CONTENT_WIDTH = """() => { const v = document.querySelector('#doc-viewer');
  const cs = getComputedStyle(v);
  return v.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight); }"""


def meeting_with_document(new_meeting: Any) -> Any:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("participant.add", {"id": "SCREEN1", "full_name": "Màn hình 1",
                                        "role": "screen"})
    meeting.command("meeting.open")
    meeting.command("agenda.import", {"items": [
        {"title": "Thảo luận dự thảo Báo cáo chính trị", "kind": "discussion", "minutes": 60},
    ]})
    meeting.command("agenda.set_current", {"id": "1"})
    response = meeting.request(
        "POST", f"/api/meetings/{meeting.id}/documents",
        params={"filename": "bao-cao.pdf", "title": "Dự thảo Báo cáo chính trị"},
        content=two_page_pdf(), headers={"Content-Type": "application/pdf"},
    )
    assert response.status_code == 201, response.text
    return meeting


def pinch(page: Page, selector: str, start: float, end: float) -> None:
    """Two touch pointers put down ``start`` px apart and moved to ``end`` px apart."""
    page.evaluate(
        """([selector, start, end]) => {
            const el = document.querySelector(selector);
            const r = el.getBoundingClientRect();
            const cx = r.left + r.width / 2, cy = r.top + 100;
            const fire = (type, id, x) => el.dispatchEvent(new PointerEvent(type, {
                pointerId: id, pointerType: "touch", isPrimary: id === 1, clientX: x,
                clientY: cy, bubbles: true, cancelable: true }));
            fire("pointerdown", 1, cx - start / 2);
            fire("pointerdown", 2, cx + start / 2);
            for (let i = 1; i <= 5; i++) {
                const d = start + (end - start) * i / 5;
                fire("pointermove", 1, cx - d / 2);
                fire("pointermove", 2, cx + d / 2);
            }
            fire("pointerup", 1, cx - end / 2);
            fire("pointerup", 2, cx + end / 2);
        }""",
        [selector, start, end],
    )


def test_the_reader_zooms_fits_the_width_pinches_and_goes_full_screen(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting = meeting_with_document(new_meeting)
    delegate = open_page(meeting.links()["DB0004"], TABLET)
    delegate.locator("#doc-list li[data-doc] button").click()
    expect(delegate.locator("#doc-viewer canvas[data-page='1']")).to_be_visible()
    fit = delegate.evaluate(CANVAS_WIDTH)
    assert abs(fit - delegate.evaluate(CONTENT_WIDTH)) <= 1

    delegate.click("#doc-zoom-in")
    expect(delegate.locator("#doc-viewer")).to_have_attribute("data-zoom", "1.25")
    delegate.wait_for_function(f"() => ({CANVAS_WIDTH})() > {fit} * 1.2")
    expect(delegate.locator("#doc-zoom")).to_have_text("125%")
    delegate.click("#doc-zoom-out")
    delegate.click("#doc-zoom-out")
    expect(delegate.locator("#doc-viewer")).to_have_attribute("data-zoom", "0.8")
    delegate.wait_for_function(f"() => ({CANVAS_WIDTH})() < {fit} * 0.85")

    delegate.click("#doc-fit-width")
    expect(delegate.locator("#doc-viewer")).to_have_attribute("data-zoom", "1")
    delegate.wait_for_function(f"() => Math.abs(({CANVAS_WIDTH})() - ({CONTENT_WIDTH})()) <= 1")

    # Two fingers moved from 80 to 200 px apart: 2.5 times the fit, drawn again sharp.
    pinch(delegate, "#doc-viewer", 80, 200)
    expect(delegate.locator("#doc-viewer")).to_have_attribute("data-zoom", "2.5")
    delegate.wait_for_function(
        f"() => Math.abs(({CANVAS_WIDTH})() - 2.5 * ({CONTENT_WIDTH})()) <= 3")
    shot(delegate, "reader-zoomed")
    axe_check(delegate, "delegate reader, zoomed")
    delegate.click("#doc-fit-width")

    delegate.click("#doc-fullscreen")
    delegate.wait_for_function("() => document.fullscreenElement?.id === 'doc-reader'")
    expect(delegate.locator("#doc-fullscreen")).to_have_attribute("aria-pressed", "true")
    # In full screen the page is as wide as the screen's reader.
    delegate.wait_for_function(f"() => Math.abs(({CANVAS_WIDTH})() - ({CONTENT_WIDTH})()) <= 1"
                               f" && ({CONTENT_WIDTH})() > innerWidth - 40")
    delegate.click("#doc-fullscreen")
    delegate.wait_for_function("() => document.fullscreenElement === null")


def assert_one_screen(page: Page) -> None:
    fits = page.evaluate(
        """() => { const e = document.scrollingElement;
            const c = document.querySelector('#screen-doc canvas').getBoundingClientRect();
            const box = document.querySelector('#screen-doc').getBoundingClientRect();
            return {scroll: e.scrollHeight <= innerHeight && e.scrollWidth <= innerWidth,
                    inBox: c.top >= box.top - 1 && c.bottom <= box.bottom + 1
                        && c.left >= box.left - 1 && c.right <= box.right + 1,
                    onScreen: c.bottom <= innerHeight && c.right <= innerWidth,
                    big: c.height >= box.height - 2 || c.width >= box.width - 2}; }"""
    )
    assert fits == {"scroll": True, "inBox": True, "onScreen": True, "big": True}, fits


def test_the_presented_page_is_on_the_hall_screen_and_in_the_chairs_preview(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting = meeting_with_document(new_meeting)
    links = meeting.links()
    chair = open_page(links["DB0001"], LAPTOP)
    screen = open_page(links["SCREEN1"], PROJECTOR)
    expect(screen.locator("#screen")).to_have_attribute("data-mode", "meeting")

    chair.locator("#chair-docs li[data-doc] button").click()
    chair.click("#present-next")
    expect(chair.locator("#presenting")).to_contain_text("trang 2")
    expect(screen.locator("#screen")).to_have_attribute("data-mode", "document")
    expect(screen.locator("#screen-doc canvas[data-page='2']")).to_be_visible()
    expect(screen.locator("#screen-doc-caption")).to_contain_text("Trang 2 / 2")
    expect(screen.locator("#screen-item-title")).to_contain_text("Thảo luận dự thảo")
    assert_one_screen(screen)
    shot(screen, "screen-document-1920")
    # The chair sees what the hall sees.
    expect(chair.locator("#present-preview-box canvas[data-page='2']")).to_be_visible()
    shot(chair, "chair-present-preview")
    axe_check(screen, "hall screen with a presented page")
    axe_check(chair, "chair console with the preview")

    # A smaller projector: the page is drawn again to fit.
    first = screen.evaluate("() => document.querySelector('#screen-doc canvas').height")
    screen.set_viewport_size(HD)
    screen.wait_for_function(
        f"() => document.querySelector('#screen-doc canvas[data-page=\"2\"]')?.height < {first}")
    assert_one_screen(screen)
    shot(screen, "screen-document-1280")

    chair.click("#present-stop")
    expect(screen.locator("#screen")).to_have_attribute("data-mode", "meeting")
    expect(screen.locator("#screen-doc canvas")).to_have_count(0)
    expect(chair.locator("#present-preview")).to_have_count(0)


def test_a_delegate_sees_their_questions_and_feedback_with_state_and_answers(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting = meeting_with_document(new_meeting)
    delegate = open_page(meeting.links()["DB0004"], PHONE)
    secretary = open_page(meeting.secretary_url, LAPTOP)
    expect(delegate.locator("#conn")).to_have_attribute("data-status", "online")

    # Nothing typed: said in words, and nothing is sent.
    delegate.click("#question-send")
    expect(delegate.locator("#toasts")).to_contain_text("Câu hỏi đang để trống")
    delegate.click("#feedback-send")
    expect(delegate.locator("#toasts")).to_contain_text("Góp ý đang để trống")
    expect(delegate.locator("#my-questions li")).to_have_count(0)

    question = "Đề nghị làm rõ nguồn kinh phí cho chương trình 2025?"
    feedback = "Đề nghị bổ sung chỉ tiêu về chuyển đổi số tại trang 2."
    delegate.fill("#question-text", question)
    delegate.click("#question-send")
    delegate.fill("#feedback-text", feedback)
    delegate.click("#feedback-send")
    mine_q = delegate.locator("#my-questions li", has_text=question)
    mine_f = delegate.locator("#my-feedback li", has_text=feedback)
    expect(mine_q).to_have_attribute("data-status", "pending")
    expect(mine_q).to_contain_text("Chờ duyệt")
    expect(mine_f).to_have_attribute("data-status", "new")
    expect(mine_f).to_contain_text("Đã nhận, chờ xử lý")

    # The secretary approves the question and marks it answered; the feedback is answered.
    secretary.click("#tab-questions")
    row = secretary.locator("#question-moderation > li", has_text=question)
    row.locator("button[data-action='approve']").click()
    expect(mine_q).to_have_attribute("data-status", "approved")
    expect(mine_q).to_contain_text("Đã duyệt")
    row.locator("button[data-action='answer']").click()
    expect(mine_q).to_have_attribute("data-answered", "1")
    expect(mine_q).to_contain_text("Đã trả lời")
    feedback_id = mine_f.get_attribute("data-id")
    answer = "Ban soạn thảo đã bổ sung chỉ tiêu này vào mục III."
    meeting.command("feedback.mark", {"id": feedback_id, "status": "answered", "answer": answer})
    expect(mine_f).to_have_attribute("data-status", "answered")
    expect(mine_f.locator(".feedback-answer")).to_contain_text(answer)

    # An upload without a file is said too, at the secretary's desk.
    secretary.click("#tab-documents")
    secretary.click("#doc-upload-btn")
    expect(secretary.locator("#toasts")).to_contain_text("Chưa chọn tệp")

    # A reload starts from the snapshot and the personal list: the same states.
    delegate.reload()
    expect(delegate.locator("#my-feedback li", has_text=feedback)).to_have_attribute(
        "data-status", "answered")
    expect(delegate.locator("#my-questions li", has_text=question)).to_have_attribute(
        "data-answered", "1")
    delegate.locator("#sec-questions").scroll_into_view_if_needed()
    shot(delegate, "phone-my-questions")
    delegate.locator("#my-feedback").scroll_into_view_if_needed()
    shot(delegate, "phone-my-feedback")
    axe_check(delegate, "phone with my questions and feedback")
