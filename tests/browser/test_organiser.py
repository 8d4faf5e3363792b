"""The organiser page (/admin) as an organiser uses it, by clicking: sign in with the admin
token, create a meeting, import the congress definition and see its 9 agenda items, export the
definition and find it equal to the file, open the secretary desk, close and archive."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from rooms.definition import loads_toml
from tests.browser.conftest import ADMIN_TOKEN, PROJECTOR

CONGRESS = resources.files("server").joinpath("assets/demo/congress.toml")
PHONE = {"width": 390, "height": 844}


def _sign_in(page: Page) -> None:
    expect(page.locator("#admin-signin-form")).to_be_visible()
    page.fill("#admin-token", "not-the-token")
    page.click("#admin-signin")
    expect(page.locator("#admin-signin-error")).to_be_visible()
    page.fill("#admin-token", ADMIN_TOKEN)
    page.click("#admin-signin")
    expect(page.locator("#admin-meetings")).to_be_visible()


def test_the_organiser_prepares_a_congress_by_clicking(
    server: Any, open_page: Callable[..., Page], shot: Callable[..., Path],
    axe_check: Callable[[Page, str], Any], tmp_path: Path,
) -> None:
    page = open_page(f"{server.base_url}/admin", viewport=PROJECTOR)
    _sign_in(page)
    # The token is this tab's session: not in the address bar, not in localStorage.
    assert ADMIN_TOKEN not in page.url
    assert page.evaluate("() => JSON.stringify(localStorage)").find(ADMIN_TOKEN) < 0
    page.reload()
    expect(page.locator("#admin-meetings")).to_be_visible()

    page.fill("#new-title", "Hội nghị Ban Thường trực mở rộng")
    page.fill("#new-organisation", "Ủy ban MTTQ tỉnh Quảng Ninh")
    page.fill("#new-place", "Hạ Long")
    page.select_option("#new-majority", "at least 2/3 of all delegates")
    page.check("#setting-hybrid")
    page.click("#admin-create-submit")
    row = page.locator("tr[data-meeting]", has_text="Hội nghị Ban Thường trực mở rộng")
    expect(row).to_be_visible()
    expect(row.locator("[data-count=agenda]")).to_have_text("0")

    page.set_input_files("#admin-import-file", str(CONGRESS))
    page.click("#admin-import-submit")
    congress = page.locator("tr[data-meeting]", has_text="Đại hội đại biểu Mặt trận")
    expect(congress.locator("[data-count=agenda]")).to_have_text("9")
    expect(page.locator("#admin-agenda > li")).to_have_count(9)
    expect(page.locator("#admin-agenda")).to_contain_text("Hiệp thương cử Ủy ban MTTQ tỉnh")
    shot(page, "organiser-1920", full_page=True)
    axe_check(page, "organiser page")

    with page.expect_download() as info:
        congress.locator("[data-action=export]").click()
    saved = tmp_path / "exported.toml"
    info.value.save_as(saved)
    exported = loads_toml(saved.read_text("utf-8"))
    original = loads_toml(CONGRESS.read_text("utf-8"))
    assert exported.agenda == original.agenda and exported.polls == original.polls
    assert exported.meeting.settings == original.meeting.settings

    with page.context.expect_page() as desk_info:
        congress.locator("[data-action=desk]").click()
    desk = desk_info.value
    expect(desk.locator("#who")).to_contain_text("Thư ký", timeout=20_000)
    desk.close()

    meeting_row = page.locator("tr[data-meeting]", has_text="Hội nghị Ban Thường trực mở rộng")
    meeting_row.locator("[data-action=close]").click()
    page.locator(".dialog .btn-danger").click()
    expect(meeting_row).to_have_attribute("data-status", "closed")
    meeting_row.locator("[data-action=archive]").click()
    expect(meeting_row).to_have_count(0)
    page.check("#admin-show-archived")
    expect(meeting_row).to_contain_text("Đã lưu trữ")


def test_a_bad_file_is_refused_field_by_field_on_a_phone(
    server: Any, open_page: Callable[..., Page], shot: Callable[..., Path], tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(CONGRESS.read_text("utf-8").replace("seats = 11", "seats = 40"), "utf-8")
    page = open_page(f"{server.base_url}/admin?lang=en", viewport=PHONE)
    _sign_in(page)
    page.set_input_files("#admin-import-file", str(bad))
    page.click("#admin-import-submit")
    errors = page.locator("#admin-import-errors")
    expect(errors).to_contain_text("Not imported, nothing was created")
    expect(errors).to_contain_text("agenda[7].poll")
    expect(page.locator("#admin-list")).to_contain_text("No meetings yet.")
    shot(page, "organiser-390", full_page=True)
    page.click("#admin-signout")
    expect(page.locator("#admin-signin-form")).to_be_visible()
