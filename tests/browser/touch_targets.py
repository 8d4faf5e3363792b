"""Measuring touch targets in a page: every visible interactive element's box, and those under
44×44 CSS px (WCAG 2.5.5, target size). A checkbox or radio inside its label is measured as
the label, which is what a finger presses."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, ViewportSize

MIN_SIZE = 44
TABLET_LANDSCAPE: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
SIZES: dict[str, ViewportSize] = {"tablet 1280×800": TABLET_LANDSCAPE, "phone 390×844": PHONE}

# Returns [{what, width, height}] for each visible interactive element smaller than `min`.
SMALL_TARGETS = """(min) => {
    const selector = "button, a[href], input, select, textarea, [role=button], summary, label";
    const describe = (el) => {
        const id = el.id ? `#${el.id}` : "";
        const cls = typeof el.className === "string" && el.className
            ? "." + el.className.trim().split(/\\s+/).join(".") : "";
        const text = (el.textContent || el.getAttribute("aria-label") || el.value || "")
            .trim().replace(/\\s+/g, " ").slice(0, 40);
        const type = el.type && el.tagName === "INPUT" ? `[type=${el.type}]` : "";
        return `${el.tagName.toLowerCase()}${type}${id}${cls} "${text}"`;
    };
    const found = [];
    for (const el of document.querySelectorAll(selector)) {
        const box = el.tagName === "INPUT" && (el.type === "checkbox" || el.type === "radio");
        if (box && el.closest("label")) continue; // measured as its label
        // A plain label names a field; the field is the target.
        const boxes = "input[type=checkbox], input[type=radio]";
        if (el.tagName === "LABEL" && !el.querySelector(boxes)) continue;
        if (el.type === "hidden" || !el.getClientRects().length) continue;
        if (getComputedStyle(el).visibility === "hidden") continue;
        const r = el.getBoundingClientRect();
        if (r.width < min || r.height < min) {
            found.push({what: describe(el), width: Math.round(r.width * 10) / 10,
                        height: Math.round(r.height * 10) / 10});
        }
    }
    return found;
}"""

# How many interactive elements were measured: a walk that found nothing to measure proves
# nothing, so the tests assert a floor on it.
COUNT_TARGETS = """() => [...document.querySelectorAll(
    "button, a[href], input, select, textarea, [role=button], summary, label")]
    .filter((el) => el.getClientRects().length).length"""


def small_targets(page: Page) -> list[dict[str, Any]]:
    return list(page.evaluate(SMALL_TARGETS, MIN_SIZE))


def walk_sizes(page: Page, state: str, offenders: list[str]) -> int:
    """Measure the page at each size; add "state @ size: element w×h" to `offenders`. Returns
    the fewest interactive elements seen at any size."""
    fewest = 10**6
    for size_name, size in SIZES.items():
        page.set_viewport_size(size)
        # A layout pass after the resize, before measuring.
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r()))")
        fewest = min(fewest, int(page.evaluate(COUNT_TARGETS)))
        offenders.extend(
            f"{state} @ {size_name}: {t['what']} {t['width']}×{t['height']}"
            for t in small_targets(page)
        )
    return fewest
