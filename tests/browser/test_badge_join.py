"""Signing in at the seat by badge: /app/ opened without a join link shows the badge sign-in
screen; the badge's QR (decoded from the real badge PNG) typed as a handheld scanner types it
signs the delegate in; forged, removed-from-the-roster and camera-refused cases are said in
words while the field keeps the focus; and the camera path (jsQR) reads a badge held up to it."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TABLET
from tests.browser.test_desk import REFUSE_CAMERA
from tests.browser.test_meeting import badge_token

pytestmark = pytest.mark.browser


def forge(token: str) -> str:
    """The same badge text with its signature altered."""
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


def test_badge_signs_a_delegate_in_and_a_forged_one_is_refused(
    new_meeting: Any, open_page: Any, shot: Any, axe_check: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    # By default a badge signs in only a delegate already checked in at the desk.
    meeting.command("checkin.manual", {"participant": "DB0004"})
    token = badge_token(meeting, "DB0004")  # Trần Thị Loan
    assert "~b" in token  # a badge (check-in) token, not a join link

    tablet = open_page(f"{meeting.base_url}/app/", TABLET)
    expect(tablet.locator("body")).to_have_attribute("data-view", "signin")
    expect(tablet.locator("#signin h1")).to_have_text("Đăng nhập bằng thẻ đại biểu")
    field = tablet.locator("#badge-input")
    expect(field).to_be_focused()
    shot(tablet, "signin-badge")
    axe_check(tablet, "badge sign-in")

    # A forged badge: refused, big and red, with the reason in words; the field keeps the focus.
    tablet.keyboard.type(forge(token))
    tablet.keyboard.press("Enter")
    refused = tablet.locator("#badge-refused")
    expect(refused).to_have_attribute("data-code", "bad_token")
    expect(refused).to_have_attribute("data-outcome", "fail")
    expect(refused).to_contain_text("Không đăng nhập được")
    expect(refused).to_contain_text("Thẻ không hợp lệ")
    # Only the catalogue's Vietnamese: no English sentence of the server under it.
    expect(refused.locator(".signin-server")).to_have_count(0)
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    assert tablet.evaluate("() => !window.phonghop.client")  # nothing connected
    shot(tablet, "signin-badge-forged")
    axe_check(tablet, "badge sign-in, refused")

    # The real badge, as a handheld scanner types it: the delegate view for her.
    tablet.keyboard.type(token)
    tablet.keyboard.press("Enter")
    expect(tablet.locator("body")).to_have_attribute("data-view", "delegate")
    expect(tablet.locator("#who")).to_contain_text("Trần Thị Loan")
    expect(tablet.locator("#me-name")).to_have_text("Trần Thị Loan")
    expect(tablet.locator("#conn")).to_have_attribute("data-status", "online")
    # What is kept is a device session of this tablet (purpose J), as a join link leaves
    # it; never the badge, nor a join link.
    kept = tablet.evaluate("() => sessionStorage.getItem('phonghop.token')")
    assert kept and kept.split("~")[2][0] == "J" and kept != token
    shot(tablet, "signin-badge-delegate")

    # Opened again later, the tablet goes straight back to her view.
    tablet.reload()
    expect(tablet.locator("#who")).to_contain_text("Trần Thị Loan")


def test_badge_of_someone_removed_from_the_roster_is_refused_in_english(
    new_meeting: Any, open_page: Any, shot: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    token = badge_token(meeting, "DB0013")
    meeting.command("participant.remove", {"id": "DB0013"})

    tablet = open_page(f"{meeting.base_url}/app/?lang=en", TABLET)
    expect(tablet.locator("#signin h1")).to_have_text("Sign in with your badge")
    field = tablet.locator("#badge-input")
    field.fill(token)
    tablet.click("#badge-submit")
    refused = tablet.locator("#badge-refused")
    expect(refused).to_have_attribute("data-code", "forbidden")
    expect(refused).to_contain_text("Cannot sign in")
    expect(refused).to_contain_text("not on this meeting's roster")
    expect(field).to_be_focused()
    shot(tablet, "signin-badge-not-on-roster-en")

    # The language switch re-renders the screen in Vietnamese.
    tablet.select_option("#lang-select", "vi")
    expect(tablet.locator("#signin h1")).to_have_text("Đăng nhập bằng thẻ đại biểu")


@pytest.mark.parametrize(("lang", "title", "reason"), [
    ("vi", "Không đăng nhập được", "điểm danh tại bàn tiếp đón trước"),
    ("en", "Cannot sign in", "check in at the reception desk first"),
])
def test_a_badge_of_a_delegate_not_checked_in_signs_nobody_in(
    new_meeting: Any, open_page: Any, shot: Any, lang: str, title: str, reason: str
) -> None:
    """A photo of a badge, typed at a seat before its delegate reached the desk: refused,
    said in words, and nothing is connected (no ballot can be cast from this tablet)."""
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    token = badge_token(meeting, "DB0007")
    tablet = open_page(f"{meeting.base_url}/app/?lang={lang}", TABLET)
    field = tablet.locator("#badge-input")
    expect(field).to_be_focused()
    tablet.keyboard.type(token)
    tablet.keyboard.press("Enter")
    refused = tablet.locator("#badge-refused")
    expect(refused).to_have_attribute("data-code", "forbidden")
    expect(refused).to_have_attribute("data-reason", "not_checked_in")
    expect(refused).to_contain_text(title)
    expect(refused).to_contain_text(reason)
    expect(field).to_be_focused()
    expect(tablet.locator("body")).to_have_attribute("data-view", "signin")
    assert tablet.evaluate("() => !window.phonghop.client")  # nothing connected
    assert tablet.evaluate("() => sessionStorage.getItem('phonghop.token')") is None
    shot(tablet, f"signin-badge-not-checked-in-{lang}")
    log = meeting.request("GET", f"/api/meetings/{meeting.id}/log.json").json()["events"]
    assert "participant.signed_in" not in [e["kind"] for e in log]


def test_camera_refused_says_so_and_typing_still_signs_in(
    new_meeting: Any, open_page: Any, context: Any, shot: Any, axe_check: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("checkin.manual", {"participant": "DB0005"})
    context.add_init_script(REFUSE_CAMERA)
    tablet = open_page(f"{meeting.base_url}/app/", TABLET)
    tablet.click("#camera-toggle")
    status = tablet.locator("#camera-status")
    expect(status).to_have_attribute("data-state", "denied")
    expect(status.locator(".camera-problem")).to_have_attribute("data-problem", "refused")
    expect(status).to_contain_text("Không được phép dùng camera")
    expect(status).to_contain_text("Vẫn đăng nhập được")
    expect(tablet.locator("#badge-input")).to_be_focused()
    shot(tablet, "signin-badge-camera-refused")
    axe_check(tablet, "badge sign-in, camera refused")

    tablet.keyboard.type(badge_token(meeting, "DB0005"))
    tablet.keyboard.press("Enter")
    expect(tablet.locator("#who")).to_contain_text("Vũ Mạnh Cường")


# A camera that films the badge: getUserMedia returns a canvas stream with the badge image
# drawn on it, so the page's own jsQR loop has to find and read the QR code.
FAKE_CAMERA = """
(() => {
  const src = %s;
  const fake = async () => {
    const img = new Image();
    img.src = src;
    await img.decode();
    const canvas = document.createElement("canvas");
    canvas.width = 640; canvas.height = 480;
    const g = canvas.getContext("2d");
    const draw = () => {
      g.fillStyle = "#fff"; g.fillRect(0, 0, 640, 480);
      const side = 400;
      g.imageSmoothingEnabled = false;
      g.drawImage(img, (640 - side) / 2, (480 - side) / 2, side, side);
    };
    draw();
    setInterval(draw, 100);
    return canvas.captureStream(10);
  };
  if (navigator.mediaDevices) navigator.mediaDevices.getUserMedia = fake;
  else Object.defineProperty(navigator, "mediaDevices", { value: { getUserMedia: fake } });
})();
"""


def test_camera_reads_the_badge_with_jsqr(
    new_meeting: Any, open_page: Any, context: Any, shot: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("checkin.manual", {"participant": "DB0006"})
    png = meeting.request(
        "GET", f"/api/meetings/{meeting.id}/participants/DB0006/badge.png").content
    data_url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    context.add_init_script(FAKE_CAMERA % f'"{data_url}"')
    tablet = open_page(f"{meeting.base_url}/app/", TABLET)
    tablet.click("#camera-toggle")
    expect(tablet.locator("body")).to_have_attribute("data-view", "delegate")
    expect(tablet.locator("#me-name")).not_to_have_text("")
    name = tablet.locator("#me-name").inner_text()
    roster = {p["id"]: p["full_name"] for p in meeting.request(
        "GET", f"/api/meetings/{meeting.id}/participants").json()["participants"]}
    assert name == roster["DB0006"]
    shot(tablet, "signin-badge-camera-delegate")


def test_a_refused_join_link_offers_the_badge_sign_in(
    new_meeting: Any, open_page: Any, shot: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("checkin.manual", {"participant": "DB0004"})
    join = meeting.links()["DB0004"].rsplit("/j/", 1)[1]
    tablet = open_page(f"{meeting.base_url}/app/?t={forge(join)}", TABLET)
    banner = tablet.locator("#banner")
    expect(banner).to_contain_text("Không vào được phòng họp")
    expect(tablet.locator("#signin-again")).to_have_text("Đăng nhập bằng thẻ đại biểu")
    # The badge sign-in is right below the banner: a badge works where the link did not.
    expect(tablet.locator("body")).to_have_attribute("data-view", "signin")
    expect(tablet.locator("#badge-input")).to_be_focused()
    shot(tablet, "signin-join-link-refused")
    tablet.keyboard.type(badge_token(meeting, "DB0004"))
    tablet.keyboard.press("Enter")
    expect(tablet.locator("#me-name")).to_have_text("Trần Thị Loan")
    expect(banner).to_be_hidden()

    # The banner's button forgets a refused link kept on the tablet and starts over.
    again = open_page(f"{meeting.base_url}/app/?t={forge(join)}", TABLET)
    again.click("#signin-again")
    expect(again.locator("body")).to_have_attribute("data-view", "signin")
    expect(again.locator("#badge-input")).to_be_focused()
    assert again.evaluate("() => localStorage.getItem('phonghop.token')") is None
    expect(again.locator("#banner")).to_be_hidden()
