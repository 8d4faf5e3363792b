"""The signing step in the browser: after the meeting closes, the secretary and then the chair
each upload their own .p12 in the "Ký biên bản" panel; the panel says who has signed, and the
file the server keeps carries both signatures, valid under the test CA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAPTOP
from tests.integration.test_minutes import run_cli
from tests.signing_fixtures import PASSWORD, make_keys

pytestmark = pytest.mark.browser


def test_secretary_then_chair_sign_with_an_uploaded_p12(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any, tmp_path: Path
) -> None:
    keys = make_keys(tmp_path)
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    links = meeting.links()
    desk = open_page(meeting.secretary_url, LAPTOP)
    chair = open_page(links["DB0001"], LAPTOP)
    desk.click("#tab-downloads")
    expect(desk.locator("#sec-signing")).to_be_hidden()  # the minutes are not final yet
    meeting.command("meeting.close")

    panel = desk.locator("#sec-signing")
    expect(panel).to_be_visible()
    expect(desk.locator("#sign-status")).to_have_text("Biên bản chưa được ký.")
    desk.set_input_files("#sign-p12", str(keys.secretary_p12))
    desk.fill("#sign-password", "sai mật khẩu")
    desk.click("#sign-submit")
    expect(desk.locator(".toast-error")).to_contain_text("tệp .p12 hoặc mật khẩu không đúng")
    desk.fill("#sign-password", PASSWORD)
    desk.click("#sign-submit")
    expect(desk.locator("#sign-status")).to_have_text("Đã ký: thư ký", timeout=60_000)
    expect(desk.locator("#sign-download")).to_be_visible()
    shot(desk, "secretary-signed-minutes")
    axe_check(desk, "secretary, sign the minutes")

    chair.reload()  # the chair's panel asks the server who has signed when it first shows
    expect(chair.locator("#sign-status")).to_have_text("Đã ký: thư ký")
    chair.set_input_files("#sign-p12", str(keys.chair_p12))
    chair.fill("#sign-password", PASSWORD)
    chair.click("#sign-submit")
    expect(chair.locator("#sign-status")).to_have_text("Đã ký: thư ký, chủ tọa", timeout=60_000)

    signed = meeting.request("GET", f"/api/meetings/{meeting.id}/minutes.signed.pdf")
    assert signed.status_code == 200
    # In a subprocess: Playwright's loop runs in this thread, and pyHanko's sync API makes its own.
    (tmp_path / "signed.pdf").write_bytes(signed.content)
    done = run_cli("verify-minutes", str(tmp_path / "signed.pdf"), "--trust", str(keys.ca_pem))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1. secretary: Common Name: Lê Văn Hùng" in done.stdout
    assert "2. chair: Common Name: Trần Thị Loan" in done.stdout
