"""The hall screen always fits the projector (1920×1080 and 1280×720, no scrolling) with a long
title, a published 14-candidate election and approved questions; and a result reads the same on
the chair's console, a delegate's tablet and the hall screen: one verdict, and per candidate
elected / not elected / tied."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from tests.browser.conftest import LAPTOP, PROJECTOR, TABLET
from tests.browser.hall import CANDIDATES, busy_meeting

pytestmark = pytest.mark.browser

SMALL_PROJECTOR: ViewportSize = {"width": 1280, "height": 720}
EXPECTED_MARKS = {"c1": "elected", "c2": "tied", "c3": "tied", "c4": "tied",
                  **{f"c{n}": "not_elected" for n in range(5, len(CANDIDATES) + 1)}}

# After two frames the resize handler has refitted; then: does the page scroll, and is every
# part the screen must show inside the viewport and not clipped by its column?
LAYOUT = """async (selectors) => {
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const out = {scroll: document.scrollingElement.scrollHeight, inner: innerHeight,
                 scrollW: document.scrollingElement.scrollWidth, innerW: innerWidth, outside: []};
    for (const sel of selectors) {
        const els = [...document.querySelectorAll(sel)];
        if (!els.length) out.outside.push(sel + " (missing)");
        for (const el of els) {
            const r = el.getBoundingClientRect();
            const box = el.closest(".screen-box, .screen-head").getBoundingClientRect();
            if (el.closest("[hidden]") || r.height === 0) out.outside.push(sel + " (hidden)");
            else if (r.top < 0 || r.bottom > innerHeight + 0.5 || r.right > innerWidth + 0.5 ||
                     r.bottom > box.bottom + 0.5 || r.right > box.right + 0.5)
                out.outside.push(sel + " " + JSON.stringify([r.top, r.bottom, box.bottom]));
        }
    }
    out.font = getComputedStyle(document.querySelector("#screen-left")).fontSize;
    return out;
}"""
MUST_SHOW = ["#screen-title", "#screen-status .status", "#screen-item-title", "#screen-poll-title",
             "#screen-outcome", "#screen-result .chart-row", "#floor-name", ".floor-timer",
             "#screen-next li"]


def marks(page: Page, chart: str) -> dict[str, str]:
    rows = page.locator(f"{chart} .chart-row[data-mark]")
    expect(rows).to_have_count(len(CANDIDATES))
    return {attribute(row, "data-option"): attribute(row, "data-mark") for row in rows.all()}


def attribute(element: Locator, name: str) -> str:
    value = element.get_attribute(name)
    assert value is not None, name
    return value


def test_hall_screen_fits_and_the_result_reads_the_same_everywhere(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting, links = busy_meeting(new_meeting)
    screen = open_page(links["SCREEN1"], PROJECTOR)
    expect(screen.locator("#screen-outcome")).to_be_visible()
    expect(screen.locator("#screen-questions li")).not_to_have_count(0)
    for size, name in ((PROJECTOR, "1920x1080"), (SMALL_PROJECTOR, "1280x720")):
        screen.set_viewport_size(size)
        layout = screen.evaluate(LAYOUT, MUST_SHOW)
        shot(screen, f"hall-screen-election-{name}")
        assert layout["scroll"] <= layout["inner"], layout
        assert layout["scrollW"] <= layout["innerW"], layout
        assert not layout["outside"], layout
        # Readable: the results column is not shrunk to nothing to make it fit.
        assert float(layout["font"].removesuffix("px")) >= size["height"] / 60, layout
        # At least the two most-voted questions stay on the screen.
        shown = screen.locator("#screen-questions li:not([hidden])")
        assert shown.count() >= 2, layout
    axe_check(screen, "hall screen, published election")

    # One result language: the same marks and the same verdict on every view.
    chair = open_page(links["DB0001"], LAPTOP)
    tablet = open_page(links["DB0004"], TABLET)
    assert marks(screen, "#screen-result") == EXPECTED_MARKS
    assert marks(chair, "article[data-poll='bau'] #poll-result") == EXPECTED_MARKS
    assert marks(tablet, "#poll-result") == EXPECTED_MARKS
    verdict = screen.locator("#screen-outcome .outcome-text").text_content()
    assert verdict == "1/3 người trúng cử"
    chair_verdict = chair.locator("article[data-poll='bau'] #poll-outcome .outcome-text")
    expect(chair_verdict).to_have_text(verdict)
    expect(tablet.locator("#poll-outcome .outcome-text")).to_have_text(verdict)
    expect(tablet.locator(".chart-row[data-option='c1'] .chart-mark")).to_contain_text("Trúng cử")
    expect(tablet.locator(".chart-row[data-option='c2'] .chart-mark")).to_contain_text("Bằng phiếu")
    expect(tablet.locator(".chart-row[data-option='c9'] .chart-mark")).to_contain_text(
        "Không trúng cử")
    # Bars on one scale, the rule's base: 6 of 6 valid ballots is a full bar, 4 of 6 two thirds.
    widths = {opt: tablet.locator(f".chart-row[data-option='{opt}'] .chart-fill")
              .evaluate("el => el.style.width") for opt in ("c1", "c2", "c5")}
    assert widths["c1"] == "100%" and widths["c5"] == "0%", widths
    assert widths["c2"].startswith("66.6"), widths
    shot(tablet, "delegate-election-result", True)
    shot(chair, "chair-election-result", True)
