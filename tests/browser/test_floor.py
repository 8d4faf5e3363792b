"""The meeting floor in a real Chromium: Q&A (delegates ask and upvote, the secretary
approves and hides, the hall screen shows only approved questions by votes) and the speaker's
name on views that have no roster."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LAPTOP, PROJECTOR, TABLET

pytestmark = pytest.mark.browser

Q_KEEP = "Đề nghị làm rõ nguồn kinh phí cho <b>chương trình</b> 2025?"
Q_HIDE = "Câu hỏi không phù hợp, cần ẩn"


def floor_meeting(new_meeting: Any) -> tuple[Any, dict[str, str]]:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("participant.add", {"id": "SCREEN1", "full_name": "Màn hình 1",
                                        "role": "screen"})
    meeting.command("meeting.open")
    meeting.command("agenda.import", {"items": [
        {"title": "Thảo luận dự thảo Báo cáo chính trị", "kind": "discussion", "minutes": 60},
    ]})
    meeting.command("agenda.set_current", {"id": "1"})
    return meeting, meeting.links()


def question_row(page: Page, text: str) -> Any:
    return page.locator("#question-moderation > li", has_text=text)


def test_questions_moderated_upvoted_and_ranked_on_the_screen(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting, links = floor_meeting(new_meeting)
    asker, voter1, voter2 = (open_page(links[p], TABLET) for p in ("DB0004", "DB0005", "DB0006"))
    screen = open_page(links["SCREEN1"], PROJECTOR)
    secretary = open_page(meeting.secretary_url, LAPTOP)
    expect(screen.locator("#screen-status .status")).to_have_attribute("data-status", "open")

    # A delegate asks two questions; until approved they are theirs and the staff's only.
    for text in (Q_KEEP, Q_HIDE):
        asker.fill("#question-text", text)
        asker.click("#question-send")
        expect(asker.locator("#my-questions li", has_text=text)).to_have_attribute(
            "data-status", "pending")
    expect(asker.locator("#my-questions li").first).to_contain_text("Chờ duyệt")
    expect(voter1.locator("#question-list li")).to_have_count(0)
    expect(screen.locator("#screen-qa")).to_be_hidden()

    # The secretary approves one and hides the other.
    secretary.click("#tab-questions")
    expect(secretary.locator("#question-moderation > li")).to_have_count(2)
    expect(question_row(secretary, Q_KEEP)).to_have_attribute("data-status", "pending")
    question_row(secretary, Q_KEEP).locator("button[data-action='approve']").click()
    expect(question_row(secretary, Q_KEEP)).to_have_attribute("data-status", "approved")
    question_row(secretary, Q_HIDE).locator("button[data-action='hide']").click()
    expect(question_row(secretary, Q_HIDE)).to_have_attribute("data-status", "hidden")
    qid = question_row(secretary, Q_KEEP).get_attribute("data-id")
    assert qid
    expect(asker.locator("#my-questions li", has_text=Q_HIDE)).to_contain_text("Đã ẩn")

    # Delegates see the approved one only, as text (markup stays text), and upvote it.
    for page in (voter1, voter2):
        expect(page.locator("#question-list li")).to_have_count(1)
        expect(page.locator("#question-list .question-text")).to_have_text(Q_KEEP)
        assert page.locator("#question-list b").count() == 0
    for page in (voter1, voter2):
        button = page.locator(f"#question-list li[data-id='{qid}'] .q-vote")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
    screen_row = screen.locator(f"#screen-questions li[data-id='{qid}']")
    expect(screen_row).to_have_attribute("data-votes", "2")
    expect(screen_row.locator(".q-count")).to_contain_text("2")

    # The vote is a toggle, one per delegate: taking it back and giving it again.
    toggle = voter2.locator(f"#question-list li[data-id='{qid}'] .q-vote")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(screen_row).to_have_attribute("data-votes", "1")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(screen_row).to_have_attribute("data-votes", "2")
    expect(voter1.locator(f"#question-list li[data-id='{qid}']")).to_have_attribute(
        "data-votes", "2")

    # The screen: only the approved question, with its count; never the hidden one.
    expect(screen.locator("#screen-questions li")).to_have_count(1)
    expect(screen.locator("#screen-questions .q-text")).to_have_text(Q_KEEP)
    expect(screen.locator("#screen-qa")).not_to_contain_text(Q_HIDE)
    expect(question_row(secretary, Q_KEEP)).to_contain_text("2 lượt bình chọn")

    # A screen that connects now (snapshot, not events) shows the same.
    late = open_page(links["SCREEN1"], PROJECTOR)
    expect(late.locator(f"#screen-questions li[data-id='{qid}']")).to_have_attribute(
        "data-votes", "2")
    expect(late.locator("#screen-questions li")).to_have_count(1)
    late.close()

    shot(voter2, "delegate-questions", True)
    axe_check(voter2, "delegate tablet, questions")
    shot(secretary, "secretary-questions")
    axe_check(secretary, "secretary desk, questions")
    shot(screen, "hall-screen-questions")
    axe_check(screen, "hall screen, questions")


def test_the_screen_and_tablets_name_the_speaker(
    new_meeting: Any, open_page: Any, shot: Any
) -> None:
    meeting, links = floor_meeting(new_meeting)
    speaker = open_page(links["DB0004"], TABLET)
    other = open_page(links["DB0005"], TABLET)
    screen = open_page(links["SCREEN1"], PROJECTOR)
    chair = open_page(links["DB0001"], LAPTOP)

    speaker.click("#btn-speak")
    expect(chair.locator("#speaker-queue li")).to_have_count(1)
    expect(chair.locator("#speaker-queue .speaker-name")).to_have_text("Trần Thị Loan")
    chair.locator("#speaker-queue li button").first.click()

    # Neither the screen nor another delegate has the roster: the name came with the event.
    expect(screen.locator("#floor-name")).to_have_text("Trần Thị Loan")
    expect(screen.locator("#floor-delegation")).to_have_text("Đoàn Chủ tịch")
    expect(other.locator("#floor-name")).to_have_text("Trần Thị Loan")
    expect(other.locator("#history li[data-kind='speakers.floor_given']")).to_contain_text(
        "Trần Thị Loan")
    assert "DB0004" not in (screen.locator("#floor").inner_text())
    shot(screen, "hall-screen-speaker")

    # A screen that joins while she speaks gets the name from the snapshot.
    late = open_page(links["SCREEN1"], PROJECTOR)
    expect(late.locator("#floor-name")).to_have_text("Trần Thị Loan")
    late.close()
