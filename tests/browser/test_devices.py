"""Pairing a check-in kiosk from the secretary desk: the desk shows a pairing QR code and link
(never the secretary's own token); the QR, read from the desk's screen and opened on another
device, pairs it for a session of its own that shows the kiosk and only the kiosk, and the
code printed on a badge typed there checks its delegate in — in vi and in en. The code pairs
one device. A shared seat tablet paired the same way shows the seat sign-in page, where a
badge's QR signs a delegate in (only there, when the meeting says so) and "Sign out" returns
it to the page for the next delegate. And a delegate signing in at the seat with their link:
the link leaves the address bar, and the same link opened on a second device signs the first
one out, which the delegate and the desk are told."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from pyzbar.pyzbar import ZBarSymbol, decode

from tests.browser.conftest import LAPTOP, TABLET
from tests.browser.test_meeting import badge_token

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "button", "title"), [
    ("vi", "Kết nối quầy điểm danh", "Quầy điểm danh"),
    ("en", "Pair a check-in kiosk", "Check-in"),
])
def test_a_kiosk_paired_from_the_desk_shows_only_the_kiosk(
    new_meeting: Any, open_page: Any, browser: Browser, shot: Any, lang: str, button: str,
    title: str,
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    secretary = meeting.secretary_url.rsplit("/j/", 1)[1]
    desk = open_page(f"{meeting.base_url}/app/?t={secretary}&lang={lang}", LAPTOP)
    desk.click("#tab-roster")
    expect(desk.locator("#pair-kiosk")).to_have_text(button)
    desk.click("#pair-kiosk")
    link = desk.locator("#pair-link")
    expect(link).to_be_visible()
    url = link.get_attribute("href")
    assert url and "/j/" in url and url.rsplit("/j/", 1)[1] != secretary
    # The QR code on the desk's screen, read as a device's camera reads it, is that link.
    assert qr_on_screen(desk, "#pair-qr") == url
    shot(desk, f"desk-pair-kiosk-{lang}")

    # The kiosk is another device: its own browser storage.
    device = browser.new_context(viewport={"width": TABLET["width"], "height": TABLET["height"]})
    try:
        kiosk = device.new_page()
        kiosk.goto(f"{url}?lang={lang}")
        expect(kiosk.locator("body")).to_have_attribute("data-view", "kiosk")
        # Paired: the code is out of the address bar, and the tablet keeps its own session.
        assert url.rsplit("/j/", 1)[1] not in kiosk.url
        kept = kiosk.evaluate("() => localStorage.getItem('phonghop.token')")
        assert kept.split("~")[1:3] == ["KIOSK", "Ko"] and kept not in url
        expect(kiosk.locator("h1.view-title")).to_contain_text(title)
        expect(kiosk.locator("#kiosk-scan")).to_be_focused()
        kiosk.keyboard.type("db0004")  # the code printed on Trần Thị Loan's badge
        kiosk.keyboard.press("Enter")
        outcome = kiosk.locator("#kiosk-result .scan-outcome")
        expect(outcome).to_have_attribute("data-outcome", "ok")
        expect(outcome).to_contain_text("Trần Thị Loan")
        shot(kiosk, f"kiosk-paired-{lang}")
        # Asking this tablet for the desk still shows the kiosk: it holds nothing more.
        kiosk.goto(f"{meeting.base_url}/app/?view=secretary&lang={lang}")
        expect(kiosk.locator("body")).to_have_attribute("data-view", "kiosk")
        expect(kiosk.locator("#tab-roster")).to_have_count(0)
    finally:
        device.close()
    # The code pairs one device: a second one opening it is refused, and told why.
    other = browser.new_context()
    try:
        late = other.new_page()
        late.goto(f"{url}?lang={lang}")
        expect(late.locator("#banner")).to_be_visible()
        expect(late.locator("body")).to_have_attribute("data-view", "signin")
        assert late.evaluate("() => localStorage.getItem('phonghop.token')") is None
    finally:
        other.close()
    people = meeting.request("GET", f"/api/meetings/{meeting.id}/attendance.json").json()
    assert any(p.get("id", p.get("code")) == "DB0004" and p.get("status") == "present"
               for p in people["participants"]), people["participants"][:3]


def qr_on_screen(page: Page, selector: str) -> str:
    """The text of the QR code ``selector`` shows, read from a screenshot with zbar."""
    png = page.locator(selector).screenshot()
    [symbol] = decode(Image.open(io.BytesIO(png)), symbols=[ZBarSymbol.QRCODE])
    return str(symbol.data.decode("ascii"))


def test_a_delegate_signs_in_at_the_seat_with_the_link_and_a_second_device_signs_the_first_out(
    new_meeting: Any, open_page: Any, browser: Browser, shot: Any,
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    link = meeting.links()["DB0004"]
    token = link.rsplit("/j/", 1)[1]
    desk = open_page(meeting.secretary_url, LAPTOP)
    expect(desk.locator("#conn")).to_have_attribute("data-status", "online")

    tablet = open_page(link, TABLET)
    expect(tablet.locator("#me-name")).to_have_text("Trần Thị Loan")
    expect(tablet.locator("#conn")).to_have_attribute("data-status", "online")
    # The join token is gone from the address bar and from this tab's history entry; what
    # the tablet keeps is a session of its own, not the link.
    assert token not in tablet.url and tablet.url.endswith("/app/")
    kept = tablet.evaluate("() => [localStorage.getItem('phonghop.token'), "
                           "sessionStorage.getItem('phonghop.token'), "
                           "sessionStorage.getItem('phonghop.pending')]")
    assert kept[0] == kept[1] and kept[0].split("~")[1:3] == ["DB0004", "Jd"] and kept[2] is None
    assert token not in kept[0]
    tablet.reload()
    expect(tablet.locator("#conn")).to_have_attribute("data-status", "online")

    # The same link opened on a phone: the phone votes now; the tablet is signed out and says
    # so; the desk's history shows it.
    phone_context = browser.new_context()
    try:
        phone = phone_context.new_page()
        phone.goto(link)
        expect(phone.locator("#me-name")).to_have_text("Trần Thị Loan")
        expect(tablet.locator("#banner")).to_contain_text("thiết bị khác")
        expect(tablet.locator("#signin-again")).to_be_visible()
        shot(tablet, "seat-signed-out-elsewhere")
        expect(phone.locator("#conn")).to_have_attribute("data-status", "online")
    finally:
        phone_context.close()
    signed = desk.locator("#history li[data-kind='participant.signed_in']").first
    expect(signed).to_contain_text("DB0004 đã đăng nhập trên thiết bị khác")


SEAT = {"width": 1280, "height": 800}


@pytest.mark.parametrize(("lang", "button", "title", "sign_out", "history"), [
    ("vi", "Kết nối máy tính bảng tại ghế", "Quét thẻ đại biểu", "Đăng xuất",
     "DB0004 đã đăng nhập tại máy tính bảng ở ghế"),
    ("en", "Pair a seat tablet", "Scan your badge", "Sign out",
     "DB0004 signed in at a seat tablet"),
])
def test_a_seat_tablet_paired_from_the_desk_signs_delegates_in_by_badge_and_out_again(
    new_meeting: Any, open_page: Any, browser: Browser, shot: Any, lang: str, button: str,
    title: str, sign_out: str, history: str,
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    # Badges sign in only at the organiser's seat tablets: a photo of one, nowhere else.
    meeting.command("meeting.update", {"settings": {"badge_sign_in": "seat_tablets"}})
    badge = badge_token(meeting, "DB0004")  # Trần Thị Loan's badge QR, as a reader types it
    secretary = meeting.secretary_url.rsplit("/j/", 1)[1]
    desk = open_page(f"{meeting.base_url}/app/?t={secretary}&lang={lang}", LAPTOP)
    desk.click("#tab-roster")
    expect(desk.locator("#pair-seat")).to_have_text(button)
    desk.click("#pair-seat")
    expect(desk.locator("#pairing [data-kind='seat']")).to_be_visible()
    url = desk.locator("#pair-link").get_attribute("href")
    assert url and "/j/" in url and url.rsplit("/j/", 1)[1] != secretary
    assert qr_on_screen(desk, "#pair-qr") == url

    device = browser.new_context(viewport={"width": SEAT["width"], "height": SEAT["height"]})
    try:
        seat = device.new_page()
        seat.goto(f"{url}?lang={lang}")
        page = seat.locator("#signin[data-seat='true']")
        expect(page.locator("h1")).to_have_text(title)
        expect(seat.locator("#badge-input")).to_be_focused()
        # The tablet keeps its own session apart: signed in as nobody yet.
        kept = seat.evaluate("() => [localStorage.getItem('phonghop.seat'), "
                             "localStorage.getItem('phonghop.token')]")
        assert kept[0].split("~")[1:3] == ["SEATS", "So"] and kept[1] is None
        assert url.rsplit("/j/", 1)[1] not in seat.url
        seat.screenshot(path=f"/tmp/seat-signin-{lang}.png")
        shot(seat, f"seat-signin-{lang}")
        # The code printed on a badge stays refused at a seat.
        seat.keyboard.type("DB0004")
        seat.keyboard.press("Enter")
        expect(seat.locator("#badge-refused")).to_have_attribute("data-reason", "typed_code")
        # The badge's QR text, typed by a badge reader: her own delegate view.
        seat.keyboard.type(badge)
        seat.keyboard.press("Enter")
        expect(seat.locator("body")).to_have_attribute("data-view", "delegate")
        expect(seat.locator("#me-name")).to_have_text("Trần Thị Loan")
        expect(seat.locator("#conn")).to_have_attribute("data-status", "online")
        mine = seat.evaluate("() => sessionStorage.getItem('phonghop.token')")
        assert mine.split("~")[1:3] == ["DB0004", "Jd"]
        assert seat.evaluate("() => localStorage.getItem('phonghop.seat')") == kept[0]
        seat.screenshot(path=f"/tmp/seat-delegate-{lang}.png")
        # "Sign out": back to the seat sign-in page for the next delegate, nothing of hers kept.
        expect(seat.locator("#seat-signout")).to_have_text(sign_out)
        seat.click("#seat-signout")
        expect(page.locator("h1")).to_have_text(title)
        expect(seat.locator("#seat-signout")).to_have_count(0)
        left = seat.evaluate("() => [localStorage.getItem('phonghop.seat'), "
                             "sessionStorage.getItem('phonghop.token'), "
                             "localStorage.getItem('phonghop.token'), "
                             "Object.keys(sessionStorage).filter((k) => k.startsWith("
                             "'phonghop.v1.')).length]")
        assert left == [kept[0], None, None, 0]
        ended = meeting.request("GET", f"/api/meetings/{meeting.id}",
                                headers={"Authorization": f"Bearer {mine}"})
        assert ended.status_code == 401, ended.text
        seat.screenshot(path=f"/tmp/seat-signed-out-{lang}.png")
    finally:
        device.close()
    desk.click("#tab-overview")
    signed = desk.locator("#history li[data-kind='participant.signed_in']").first
    expect(signed).to_contain_text(history)
    # The same badge on a browser that is not a seat tablet: refused, and told why.
    other = browser.new_context()
    try:
        phone = other.new_page()
        phone.goto(f"{meeting.base_url}/app/?lang={lang}")
        expect(phone.locator("#badge-input")).to_be_focused()
        phone.keyboard.type(badge)
        phone.keyboard.press("Enter")
        expect(phone.locator("#badge-refused")).to_have_attribute("data-reason",
                                                                  "not_a_seat_tablet")
    finally:
        other.close()


# A browser whose localStorage refuses every write, as private windows of some browsers do.
_STORAGE_REFUSED = """
const setItem = Storage.prototype.setItem;
Storage.prototype.setItem = function (key, value) {
  if (this === window.localStorage) throw new DOMException("refused", "QuotaExceededError");
  return setItem.call(this, key, value);
};
"""


@pytest.mark.parametrize("storage", ["local", "refused"])
def test_a_delegate_signed_out_at_an_offline_seat_tablet_is_signed_out_once_it_is_back(
    new_meeting: Any, browser: Browser, storage: str,
) -> None:
    # The tablet lost the Wi-Fi while she sat there: "Sign out" cannot reach the server, yet
    # her session must not stay good until it expires once she has left the seat. Where
    # localStorage refuses to keep it, the page keeps it in memory while it lives.
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.update", {"settings": {"badge_sign_in": "seat_tablets"}})
    paired = meeting.request("POST", f"/api/meetings/{meeting.id}/devices", json={"kind": "seat"})
    assert paired.status_code == 200, paired.text
    device = browser.new_context(viewport={"width": SEAT["width"], "height": SEAT["height"]})
    if storage == "refused":
        device.add_init_script(_STORAGE_REFUSED)
    try:
        seat = device.new_page()
        seat.goto(f"{meeting.base_url}/j/{paired.json()['token']}?lang=vi")
        expect(seat.locator("#signin[data-seat='true']")).to_be_visible()
        seat.keyboard.type(badge_token(meeting, "DB0004"))
        seat.keyboard.press("Enter")
        expect(seat.locator("#conn")).to_have_attribute("data-status", "online")
        mine = seat.evaluate("() => sessionStorage.getItem('phonghop.token')")

        def status() -> int:
            return int(meeting.request("GET", f"/api/meetings/{meeting.id}",
                                       headers={"Authorization": f"Bearer {mine}"}).status_code)

        assert status() == 200
        device.set_offline(True)
        seat.click("#seat-signout")
        # The next delegate's page at once, with nothing of hers kept but the sign-out to send.
        expect(seat.locator("#signin[data-seat='true']")).to_be_visible()
        kept = seat.evaluate("() => [sessionStorage.getItem('phonghop.token'), "
                             "localStorage.getItem('phonghop.seat.signouts')]")
        assert kept == [None, f'["{mine}"]' if storage == "local" else None]
        assert status() == 200  # the server has not heard of it yet
        with seat.expect_response(
            lambda response: response.url.endswith("/api/sessions/current")
            and response.request.method == "DELETE" and response.status == 204,
            timeout=30_000,
        ):
            device.set_offline(False)
        expect(seat.locator("#signin[data-seat='true']")).to_be_visible()
        assert seat.evaluate("() => localStorage.getItem('phonghop.seat.signouts')") is None
        assert status() == 401
    finally:
        device.close()
