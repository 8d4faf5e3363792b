"""The secretary prepares a meeting at the desk by clicking: the 350-delegate roster from an
Excel file (one with a bad row first: refused, the row named, nothing imported; then the good
one, previewed before it is imported), a 3-item agenda reordered by buttons, keyboard and drag,
a document attached to an item and a prepared secret election on another; then the chair opens
the prepared election with one click when its item comes up. And a definition file imported
into the meeting from the desk before it opens, refused once it has."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from playwright.sync_api import Page, ViewportSize, expect

from server.placeholder_pdf import placeholder
from tests.browser.conftest import PROJECTOR, ROSTER_CSV

pytestmark = pytest.mark.browser

SMALL_LAPTOP: ViewportSize = {"width": 1280, "height": 800}
FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
CONGRESS = Path(str(resources.files("server").joinpath("assets/demo/congress.toml")))
BAD_ROW = 120  # the Excel row number of the broken line (the header is row 1)
ITEMS = ("Khai mạc Đại hội", "Báo cáo chính trị", "Bầu Ủy ban MTTQ tỉnh khóa XV")
CANDIDATES = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung")
SUB_ITEM = "Thảo luận tại tổ"


def roster_xlsx(path: Path, broken: bool) -> Path:
    rows = list(csv.reader(io.StringIO(ROSTER_CSV.read_text("utf-8"))))
    if broken:
        rows[BAD_ROW - 1] = [rows[BAD_ROW - 1][0] + " X", *rows[BAD_ROW - 1][1:]]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        # Seats and weights as Excel keeps typed numbers: the import reads 1, not 1.0.
        sheet.append([int(c) if c.isdigit() else c for c in row])
    book.save(path)
    return path


def participants(meeting: Any) -> int:
    response = meeting.request("GET", f"/api/meetings/{meeting.id}/participants")
    return len(response.json()["participants"])


def titles(page: Page) -> list[str]:
    return page.locator("#agenda-editor > ol > li .agenda-edit-title").all_inner_texts()


def add_item(page: Page, title: str, kind: str, minutes: int) -> None:
    page.fill("#agenda-new-title", title)
    page.select_option("#agenda-new-kind", kind)
    page.fill("#agenda-new-minutes", str(minutes))
    page.click("#agenda-add")
    expect(page.locator("#agenda-editor li", has_text=title)).to_have_count(1)


def row(page: Page, title: str) -> Any:
    return page.locator("#agenda-editor li.agenda-edit-row", has_text=title)


def import_roster(desk: Page, meeting: Any, tmp_path: Path, shot: Callable[..., Path]) -> None:
    desk.click("#tab-roster")
    desk.set_input_files("#roster-file", str(roster_xlsx(tmp_path / "bad.xlsx", True)))
    # The row's problem in the desk's language (Vietnamese here), not the server's English.
    expect(desk.locator("html")).to_have_attribute("lang", "vi")
    bad_row = desk.locator(f"#roster-bad-rows tr[data-row='{BAD_ROW}']")
    expect(bad_row).to_contain_text("Mã “DB0119 X” không hợp lệ")
    expect(bad_row).not_to_contain_text("must be")
    desk.click("#roster-import")
    expect(desk.locator("#roster-error")).to_be_visible()
    expect(desk.locator(f"#roster-bad-rows tr[data-row='{BAD_ROW}']")).to_be_visible()
    shot(desk, "prep-roster-refused-1920")
    assert participants(meeting) == 1  # the secretary only: nothing was imported

    desk.set_input_files("#roster-file", str(roster_xlsx(tmp_path / "good.xlsx", False)))
    expect(desk.locator("#roster-preview-summary")).to_contain_text("350")
    expect(desk.locator("#roster-preview-table tbody tr")).to_have_count(10)
    expect(desk.locator("#roster-preview-table")).to_contain_text("Dương Xuân Hải")
    assert participants(meeting) == 1  # a preview changes nothing
    shot(desk, "prep-roster-preview-1920")
    desk.set_viewport_size(SMALL_LAPTOP)
    shot(desk, "prep-roster-preview-1280")
    desk.set_viewport_size(FULL_HD)
    desk.click("#roster-import")
    expect(desk.locator("#roster-result")).to_contain_text("350")
    assert participants(meeting) == 351


def build_agenda(desk: Page, tmp_path: Path, shot: Callable[..., Path]) -> None:
    desk.click("#tab-agenda")
    expect(desk.locator("#agenda-empty")).to_be_visible()
    add_item(desk, ITEMS[0], "procedural", 10)
    add_item(desk, ITEMS[2], "election", 40)
    add_item(desk, ITEMS[1], "report", 30)
    add_item(desk, "Mục thừa", "discussion", 5)
    # Delete the spare item, then put the report before the election with the ↑ button.
    row(desk, "Mục thừa").locator("[data-action=delete]").click()
    desk.locator(".dialog .btn-danger").click()
    expect(row(desk, "Mục thừa")).to_have_count(0)
    row(desk, ITEMS[1]).locator("[data-action=up]").click()
    expect(desk.locator("#agenda-editor > ol > li")).to_have_count(3)
    assert_order(desk, [ITEMS[0], ITEMS[1], ITEMS[2]])
    # From the keyboard: Alt+↓ on the focused first row moves it down; focus stays on it.
    row(desk, ITEMS[0]).focus()
    desk.keyboard.press("Alt+ArrowDown")
    assert_order(desk, [ITEMS[1], ITEMS[0], ITEMS[2]])
    expect(row(desk, ITEMS[0])).to_be_focused()
    # By dragging: the opening onto the report's place.
    title = ".agenda-edit-title"
    row(desk, ITEMS[0]).locator(title).drag_to(row(desk, ITEMS[1]).locator(title))
    assert_order(desk, [ITEMS[0], ITEMS[1], ITEMS[2]])

    # A duration changed and a document uploaded for the report.
    row(desk, ITEMS[1]).locator("[data-action=edit]").click()
    expect(desk.locator("#item-heading")).to_have_text(ITEMS[1])
    desk.fill("#item-minutes", "45")
    desk.click("#item-save")
    expect(row(desk, ITEMS[1])).to_contain_text("45")
    pdf = tmp_path / "bao-cao-chinh-tri.pdf"
    pdf.write_bytes(placeholder("Dự thảo Báo cáo chính trị", "Đại hội", ITEMS[1]).data)
    desk.set_input_files("#item-doc-file", str(pdf))
    desk.click("#item-doc-upload-btn")
    expect(desk.locator("#item-doc-list li")).to_contain_text("bao-cao-chinh-tri")
    expect(row(desk, ITEMS[1]).locator("[data-count=documents]")).to_have_text("1 tài liệu")

    # The election: a secret approval vote of 4 candidates for 3 seats, prepared on its item.
    row(desk, ITEMS[2]).locator("[data-action=edit]").click()
    expect(desk.locator("#item-heading")).to_have_text(ITEMS[2])
    expect(desk.locator("#prep-poll-method")).to_have_value("approval")
    expect(desk.locator("#prep-poll-secret")).to_be_checked()
    # The last candidate left out at first, then put in with "Edit": the draft changes in
    # place (poll.update), still one prepared election.
    desk.fill("#prep-poll-options", "\n".join(CANDIDATES[:-1]))
    desk.fill("#prep-poll-seats", "3")
    desk.select_option("#prep-poll-rule", "more than 1/2 of valid ballots")
    desk.click("#prep-poll-create")
    prepared = desk.locator("#item-polls li[data-status=draft]")
    expect(prepared).to_have_count(1)
    expect(prepared).not_to_contain_text(CANDIDATES[-1])
    prepared.locator("[data-action=edit]").click()
    form = desk.locator("#prep-poll-form[data-editing]")
    expect(form).to_be_visible()
    expect(desk.locator("#prep-poll-options")).to_have_value("\n".join(CANDIDATES[:-1]))
    expect(desk.locator("#prep-poll-seats")).to_have_value("3")
    expect(desk.locator("#prep-poll-rule")).to_have_value("more than 1/2 of valid ballots")
    expect(desk.locator("#prep-poll-secret")).to_be_checked()
    desk.fill("#prep-poll-options", "\n".join(CANDIDATES))
    form.scroll_into_view_if_needed()
    shot(desk, "prep-poll-edit")
    desk.click("#prep-poll-create")
    expect(desk.locator("#prep-poll-form[data-editing]")).to_have_count(0)
    expect(prepared).to_have_count(1)
    expect(prepared).to_contain_text(CANDIDATES[-1])

    # A sub-item under the report, from the same form: "Under" names the report.
    report = row(desk, ITEMS[1]).get_attribute("data-id")
    desk.fill("#agenda-new-title", SUB_ITEM)
    desk.select_option("#agenda-new-kind", "discussion")
    desk.fill("#agenda-new-minutes", "20")
    desk.select_option("#agenda-new-parent", report)
    desk.click("#agenda-add")
    sub = desk.locator(f"#agenda-editor li[data-id='{report}'] > ol > li.agenda-edit-row")
    expect(sub).to_have_count(1)
    expect(sub).to_contain_text(SUB_ITEM)
    expect(desk.locator("#agenda-editor > ol > li")).to_have_count(3)
    expect(desk.locator("#agenda-new-parent")).to_have_value(report)  # for the next sub-item


def assert_order(page: Page, expected: list[str]) -> None:
    top = page.locator("#agenda-editor > ol > li > .agenda-edit-line .agenda-edit-title")
    expect(top).to_have_text(expected)


def test_the_secretary_prepares_and_the_chair_opens_the_prepared_election(
    new_meeting: Any, open_page: Callable[..., Page], shot: Callable[..., Path],
    axe_check: Callable[[Page, str], Any], tmp_path: Path,
) -> None:
    meeting = new_meeting()
    desk = open_page(meeting.secretary_url, PROJECTOR)
    expect(desk.locator("#conn")).to_have_attribute("data-status", "online")
    import_roster(desk, meeting, tmp_path, shot)
    build_agenda(desk, tmp_path, shot)
    shot(desk, "prep-agenda-1920", full_page=True)
    axe_check(desk, "secretary desk, agenda editor")
    desk.set_viewport_size(SMALL_LAPTOP)
    shot(desk, "prep-agenda-1280")
    shot(desk, "prep-agenda-1280-full", full_page=True)

    polls = meeting.request("GET", f"/api/meetings/{meeting.id}/polls").json()["polls"]
    [election] = polls
    assert (election["status"], election["secret"], election["seats"]) == ("draft", True, 3)
    assert [o["label"] for o in election["options"]] == list(CANDIDATES)

    # A few delegates at the check-in desk (over HTTP here: the desk is tested elsewhere).
    for pid in ("DB0004", "DB0005", "DB0006"):
        meeting.command("checkin.manual", {"participant": pid})
    chair = open_page(meeting.links()["DB0001"], PROJECTOR)
    chair.click("#btn-meeting-open")
    chair.click("#dialog-ok")  # few are present: the console says so; the chair opens anyway
    expect(chair.locator("#btn-meeting-adjourn")).to_be_enabled()
    chair.locator("#agenda-list li", has_text=ITEMS[2]).locator("button").click()
    expect(chair.locator("#agenda-list li.is-current")).to_contain_text(ITEMS[2])
    card = chair.locator(f"article.poll-card[data-poll='{election['poll']}']")
    expect(card).to_have_attribute("data-status", "draft")
    card.locator("button[data-action='poll.open']").click()
    expect(card).to_have_attribute("data-status", "open")
    shot(chair, "prep-chair-opened-1920")
    opened = meeting.request("GET", f"/api/meetings/{meeting.id}/polls").json()["polls"]
    assert opened[0]["status"] == "open"


def test_a_definition_is_imported_into_the_meeting_until_it_opens(
    new_meeting: Any, open_page: Callable[..., Page], shot: Callable[..., Path],
) -> None:
    meeting = new_meeting()
    desk = open_page(meeting.secretary_url, SMALL_LAPTOP)
    expect(desk.locator("#conn")).to_have_attribute("data-status", "online")
    desk.click("#tab-agenda")
    desk.set_input_files("#definition-file", str(CONGRESS))
    desk.click("#definition-import")
    expect(desk.locator("#definition-ok")).to_contain_text("9")
    expect(desk.locator("#agenda-editor > ol > li")).to_have_count(9)
    expect(row(desk, "Hiệp thương cử Ủy ban MTTQ tỉnh")).to_contain_text("1 biểu quyết")

    meeting.command("meeting.open")
    desk.set_input_files("#definition-file", str(CONGRESS))
    desk.click("#definition-import")
    desk.locator(".dialog .btn-danger").click()  # "the file's agenda replaces this one"
    expect(desk.locator("#definition-error")).to_contain_text("Hội nghị đã khai mạc")
    shot(desk, "prep-definition-refused-1280")
    expect(desk.locator("#agenda-editor > ol > li")).to_have_count(9)


def test_a_prepared_poll_is_edited_in_english_and_leaves_the_form_once_opened(
    new_meeting: Any, open_page: Callable[..., Page], shot: Callable[..., Path],
) -> None:
    meeting = new_meeting()
    meeting.command("agenda.add", {"item": {"id": "5", "title": "Resolution", "kind": "vote"}})
    meeting.command("poll.create", {"id": "r1", "title": "Adopt the resolution",
                                    "method": "yes_no_abstain", "agenda_item": "5",
                                    "rule": "more than 1/2 of valid ballots"})
    desk = open_page(f"{meeting.secretary_url}?lang=en", SMALL_LAPTOP)
    expect(desk.locator("#conn")).to_have_attribute("data-status", "online")
    desk.click("#tab-agenda")
    expect(desk.locator("label[for=agenda-new-parent]")).to_have_text("Under")
    expect(desk.locator("#agenda-new-parent option").first).to_have_text("— an item of its own —")
    row(desk, "Resolution").locator("[data-action=edit]").click()
    draft = desk.locator("#item-polls li[data-poll=r1]")
    expect(draft.locator("[data-action=edit]")).to_have_text("Edit")
    draft.locator("[data-action=edit]").click()
    heading = desk.locator("#prep-poll-form h5")
    expect(heading).to_have_text("Edit the prepared vote “Adopt the resolution”")
    expect(desk.locator("#prep-poll-create")).to_have_text("Save changes")
    # Cancel leaves the draft as it was and the form for a new poll.
    desk.click("#prep-poll-cancel-edit")
    expect(desk.locator("#prep-poll-create")).to_have_text("Prepare")
    draft.locator("[data-action=edit]").click()
    desk.fill("#prep-poll-title", "Adopt the amended resolution")
    desk.locator("#prep-poll-form").scroll_into_view_if_needed()
    shot(desk, "prep-poll-edit-en-1280")
    desk.click("#prep-poll-create")
    expect(draft).to_contain_text("Adopt the amended resolution")
    # Opened by the chair while the secretary edits it again: the form lets go of it, and
    # the server would refuse the change anyway.
    draft.locator("[data-action=edit]").click()
    expect(desk.locator("#prep-poll-form[data-editing=r1]")).to_be_visible()
    meeting.import_roster()
    meeting.command("checkin.manual", {"participant": "DB0004"})
    meeting.command("meeting.open")
    meeting.command("poll.open", {"poll": "r1"})
    expect(desk.locator("#prep-poll-form[data-editing]")).to_have_count(0)
    expect(draft).to_have_attribute("data-status", "open")
    expect(draft.locator("[data-action=edit]")).to_have_count(0)
