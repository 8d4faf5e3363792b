"""Every interactive element a delegate or a door attendant touches is at least 44×44 CSS px,
on a tablet held landscape (1280×800) and on a phone (390×844): the delegate's tablet with an
election open (the vote prompt, then the whole page with the document, the floor, questions
and feedback), the ballot's confirmation, the receipt after publication, the "you have the
floor" prompt; and the check-in kiosk before and after a scan."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.full_meeting import DELEGATE, full_meeting
from tests.browser.touch_targets import SIZES, TABLET_LANDSCAPE, walk_sizes

pytestmark = pytest.mark.browser


def report(offenders: list[str]) -> str:
    return f"{len(offenders)} touch targets under 44×44 CSS px:\n" + "\n".join(offenders)


def test_delegate_touch_targets(new_meeting: Any, open_page: Any, shot: Any) -> None:
    meeting, links = full_meeting(new_meeting)
    tablet = open_page(links[DELEGATE], TABLET_LANDSCAPE)
    offenders: list[str] = []

    expect(tablet.locator("#vote-prompt-title")).to_be_visible()
    assert walk_sizes(tablet, "vote prompt", offenders) >= 8
    tablet.click("#vote-prompt-dismiss")
    expect(tablet.locator("#doc-viewer canvas[data-page='1']")).to_be_visible()
    expect(tablet.locator("#question-list .q-vote")).to_have_count(3)
    expect(tablet.locator("#my-questions li")).to_have_count(1)
    # The page with everything on it: ballot, document reader, floor, questions, feedback.
    assert walk_sizes(tablet, "delegate page", offenders) >= 20
    for size in SIZES.values():
        tablet.set_viewport_size(size)
        shot(tablet, f"touch-delegate-{size['width']}x{size['height']}", True)

    tablet.set_viewport_size(TABLET_LANDSCAPE)
    tablet.locator("#sec-poll label.choice").first.click()
    tablet.locator("#sec-poll button[type=submit]").click()
    expect(tablet.locator("dialog #dialog-ok")).to_be_visible()
    walk_sizes(tablet, "ballot confirmation", offenders)
    tablet.click("dialog #dialog-ok")
    expect(tablet.locator(f"#receipt-{DELEGATE}")).to_be_visible()
    meeting.command("poll.close", {"poll": "bau"})
    meeting.command("poll.publish", {"poll": "bau"})
    expect(tablet.locator(f"#receipt-{DELEGATE} button")).to_be_visible()
    walk_sizes(tablet, "published result with receipt", offenders)

    meeting.command("speakers.end", {})
    meeting.command("speakers.give_floor", {"participant": DELEGATE})
    expect(tablet.locator("#floor-prompt-ok")).to_be_visible()
    walk_sizes(tablet, "floor prompt", offenders)
    assert not offenders, report(offenders)


def test_kiosk_touch_targets(new_meeting: Any, open_page: Any) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    token = meeting.secretary_url.rsplit("/j/", 1)[1]
    kiosk = open_page(f"{meeting.base_url}/app/?t={token}&view=kiosk", TABLET_LANDSCAPE)
    expect(kiosk.locator("#kiosk-scan")).to_be_focused()
    offenders: list[str] = []
    assert walk_sizes(kiosk, "kiosk", offenders) >= 4
    kiosk.keyboard.type(f"{meeting.id}~DB0009~bd~zzzzzz~forgedforgedforgedforg")
    kiosk.keyboard.press("Enter")
    expect(kiosk.locator("#kiosk-result .scan-outcome")).to_have_attribute("data-outcome", "fail")
    walk_sizes(kiosk, "kiosk after a refused badge", offenders)
    assert not offenders, report(offenders)
