"""Prompts reach a delegate on a phone wherever the page was scrolled: a vote that opens takes
over the screen (its ballot in the viewport within 1 s of `poll.opened` arriving) until the
delegate votes or dismisses it; "you have the floor" likewise until acknowledged."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.hall import as_participant

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Resolves with the milliseconds from the poll.opened frame's arrival to the first choice
# button lying wholly inside the viewport (checked every animation frame).
WATCH_VOTE = """() => { window.votePromptSeen = new Promise((resolve) => {
    let t0 = null;
    window.phonghop.client.ws.addEventListener("message", (e) => {
        if (t0 === null && String(e.data).includes('"poll.opened"')) t0 = performance.now();
    });
    const check = () => {
        const b = document.querySelector("#sec-poll .ballot button[data-choice]");
        const r = b && b.getBoundingClientRect();
        if (t0 !== null && r && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight
            && r.left >= 0 && r.right <= innerWidth
            && document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === b) {
            resolve(performance.now() - t0);
            return;
        }
        requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
}); }"""


def test_vote_and_floor_prompts_take_over_the_phone(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    meeting.command(
        "agenda.import", {"items": [{"title": "Biểu quyết Chương trình", "kind": "vote"}]}
    )
    meeting.command("agenda.set_current", {"id": "1"})
    meeting.command("checkin.manual", {"participant": "DB0004"})
    link = meeting.links()["DB0004"]
    phone = open_page(link, PHONE)
    expect(phone.locator("#conn")).to_have_attribute("data-status", "online")
    expect(phone.locator("#sec-history")).to_be_visible()
    # The delegate is reading further down the page.
    phone.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    assert phone.evaluate("() => scrollY") > 500

    phone.evaluate(WATCH_VOTE)
    meeting.command(
        "poll.create",
        {
            "id": "p1",
            "title": "Thông qua Chương trình",
            "method": "yes_no_abstain",
            "rule": "more than 1/2 of delegates present",
        },
    )
    meeting.command("poll.open", {"poll": "p1"})
    elapsed = phone.evaluate("() => window.votePromptSeen")
    assert elapsed < 1000, elapsed
    expect(phone.locator("#sec-poll")).to_have_class("card takeover")
    expect(phone.locator("#vote-prompt-title")).to_be_in_viewport()
    shot(phone, "phone-vote-prompt")
    axe_check(phone, "phone, vote prompt")

    # Dismissed, it steps back into the page; the ballot is still there to cast.
    phone.click("#vote-prompt-dismiss")
    expect(phone.locator("#sec-poll")).not_to_have_class("card takeover")
    expect(phone.locator("#sec-poll .ballot button[data-choice='yes']")).to_be_visible()

    # Another vote takes over again; voting ends the takeover.
    meeting.command("poll.cancel", {"poll": "p1"})
    meeting.command(
        "poll.create",
        {
            "id": "p2",
            "title": "Thông qua Quy chế",
            "method": "yes_no_abstain",
            "rule": "more than 1/2 of delegates present",
        },
    )
    meeting.command("poll.open", {"poll": "p2"})
    expect(phone.locator("#sec-poll")).to_have_class("card takeover")
    phone.click("#sec-poll .ballot button[data-choice='yes']")
    phone.click("#dialog-ok")
    expect(phone.locator(".receipt-box .receipt")).not_to_be_empty()
    expect(phone.locator("#sec-poll")).not_to_have_class("card takeover")

    # The floor: a full-screen notice with the time left, until acknowledged.
    phone.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    # She asks from the phone, with its session: once the phone holds her voting session,
    # her plain link opens nothing beside it (docs/security.md, "One voting device").
    session = phone.evaluate("() => sessionStorage.getItem('phonghop.token')")
    as_participant(meeting, f"{meeting.base_url}/j/{session}", "speakers.request", {})
    meeting.command("speakers.give_floor", {"participant": "DB0004"})
    prompt = phone.locator("#floor-prompt")
    expect(prompt).to_be_visible()
    expect(phone.locator("#floor-prompt-ok")).to_be_in_viewport()
    expect(prompt.locator(".prompt-timer")).to_have_text(re.compile(r"^[0-9]+:[0-9]{2}$"))
    shot(phone, "phone-floor-prompt")
    axe_check(phone, "phone, floor prompt")
    phone.click("#floor-prompt-ok")
    expect(prompt).to_be_hidden()
    expect(phone.locator("#my-floor")).to_be_attached()
