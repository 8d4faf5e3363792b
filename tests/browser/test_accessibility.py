"""axe-core (from `axe-playwright-python`) finds no serious or critical violation in any view,
in Vietnamese and in English: the delegate's tablet (the vote prompt, then the whole page), the
chair's console, every tab of the secretary's desk, the check-in kiosk after a refused badge,
the hall screen and the organiser page. Each view is looked at in a meeting with every panel
filled (tests/browser/full_meeting.py), so that what axe checks is what people see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_TOKEN, LAPTOP, PROJECTOR, axe_violations, serious
from tests.browser.full_meeting import DELEGATE, SCREEN, full_meeting
from tests.browser.touch_targets import TABLET_LANDSCAPE

OpenPage = Callable[..., Page]  # the open_page fixture

pytestmark = pytest.mark.browser

CHAIR = "DB0001"


def app_url(meeting: Any, join_url: str, lang: str, **params: str) -> str:
    token = join_url.rstrip("/").rsplit("/j/", 1)[1]
    query = "&".join(f"{k}={v}" for k, v in {"t": token, "lang": lang, **params}.items())
    return f"{meeting.base_url}/app/?{query}"


class Findings:
    """Serious and critical violations, per state of the view looked at."""

    def __init__(self, view: str, lang: str) -> None:
        self.where = f"{view} ({lang})"
        self.found: list[str] = []
        self.looked = 0

    def look(self, page: Page, state: str) -> None:
        # The page speaks the language it was asked for: axe's own check of <html lang> only
        # sees that there is one.
        lang = self.where.rsplit("(", 1)[1].rstrip(")")
        assert page.evaluate("() => document.documentElement.lang") == lang
        self.looked += 1
        self.found.extend(f"{state}: {v}" for v in serious(axe_violations(page)))

    def assert_clean(self, states: int) -> None:
        assert self.looked >= states
        assert not self.found, (
            f"axe-core: serious or critical violations in {self.where}:\n" + "\n".join(self.found)
        )


def look_at_delegate(meeting: Any, links: dict[str, str], lang: str, open_page: OpenPage,
                     seen: Findings) -> int:
    page = open_page(app_url(meeting, links[DELEGATE], lang), TABLET_LANDSCAPE)
    expect(page.locator("#vote-prompt-title")).to_be_visible()
    seen.look(page, "vote prompt")
    page.click("#vote-prompt-dismiss")
    expect(page.locator("#doc-viewer canvas[data-page='1']")).to_be_visible()
    expect(page.locator("#question-list .q-vote")).to_have_count(3)
    seen.look(page, "whole page")
    page.locator("#sec-poll label.choice").first.click()
    page.locator("#sec-poll button[type=submit]").click()
    expect(page.locator("dialog #dialog-ok")).to_be_visible()
    seen.look(page, "ballot confirmation")
    return 3


def look_at_chair(meeting: Any, links: dict[str, str], lang: str, open_page: OpenPage,
                  seen: Findings) -> int:
    page = open_page(app_url(meeting, links[CHAIR], lang), PROJECTOR)
    expect(page.locator("#chair-docs li[data-doc]")).to_have_count(1)
    expect(page.locator("#speaker-queue li")).to_have_count(2)
    seen.look(page, "console")
    return 1


def look_at_secretary(meeting: Any, links: dict[str, str], lang: str, open_page: OpenPage,
                      seen: Findings) -> int:
    page = open_page(app_url(meeting, meeting.secretary_url, lang), LAPTOP)
    tabs = page.locator("[role=tab]")
    expect(tabs.first).to_be_visible()
    count = tabs.count()
    assert count >= 3
    for i in range(count):
        tab = tabs.nth(i)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        seen.look(page, f"tab {tab.inner_text().strip()!r}")
    return count


def look_at_kiosk(meeting: Any, links: dict[str, str], lang: str, open_page: OpenPage,
                  seen: Findings) -> int:
    page = open_page(app_url(meeting, meeting.secretary_url, lang, view="kiosk"),
                     TABLET_LANDSCAPE)
    expect(page.locator("#kiosk-scan")).to_be_focused()
    seen.look(page, "waiting for a badge")
    page.keyboard.type(f"{meeting.id}~DB0009~bd~zzzzzz~forgedforgedforgedforg")
    page.keyboard.press("Enter")
    expect(page.locator("#kiosk-result .scan-outcome")).to_have_attribute("data-outcome", "fail")
    seen.look(page, "a refused badge")
    return 2


def look_at_screen(meeting: Any, links: dict[str, str], lang: str, open_page: OpenPage,
                   seen: Findings) -> int:
    page = open_page(app_url(meeting, links[SCREEN], lang), PROJECTOR)
    expect(page.locator("#screen-questions li")).to_have_count(3)
    seen.look(page, "running vote")
    meeting.command("poll.close", {"poll": "bau"})
    meeting.command("poll.publish", {"poll": "bau"})
    expect(page.locator("#screen-outcome")).to_be_visible()
    seen.look(page, "published result")
    return 2


def look_at_admin(meeting: Any, links: dict[str, str], lang: str, open_page: OpenPage,
                  seen: Findings) -> int:
    page = open_page(f"{meeting.base_url}/admin?lang={lang}", PROJECTOR)
    expect(page.locator("#admin-signin-form")).to_be_visible()
    # axe runs in these pages despite their CSP: a button without a name is found.
    page.evaluate("""() => document.querySelector("main").append(
        Object.assign(document.createElement("button"), {id: "planted"}))""")
    assert "button-name" in {v["id"] for v in serious(axe_violations(page))}
    page.evaluate("() => document.getElementById('planted').remove()")
    seen.look(page, "sign-in")
    page.fill("#admin-token", ADMIN_TOKEN)
    page.click("#admin-signin")
    expect(page.locator(f"tr[data-meeting='{meeting.id}']")).to_be_visible()
    seen.look(page, "meetings")
    return 2


VIEWS: dict[str, Callable[..., int]] = {
    "delegate": look_at_delegate,
    "chair": look_at_chair,
    "secretary": look_at_secretary,
    "kiosk": look_at_kiosk,
    "screen": look_at_screen,
    "admin": look_at_admin,
}


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_no_serious_violations(view: str, lang: str, new_meeting: Any, open_page: OpenPage) -> None:
    meeting, links = full_meeting(new_meeting)
    seen = Findings(view, lang)
    states = VIEWS[view](meeting, links, lang, open_page, seen)
    seen.assert_clean(states)
