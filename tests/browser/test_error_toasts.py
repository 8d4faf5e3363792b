"""A refused command's toast speaks the page's language: the catalogue's sentence for the error
code (clients/web/i18n), never the server's English `message`. Sent through the path every
view uses (views/common.js `run`), on a delegate's tablet after the meeting closed, where the
server answers `invalid_state` with "the meeting is closed"."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, WebSocketRoute, expect

from tests.browser.conftest import ROOT, TABLET

pytestmark = pytest.mark.browser

I18N = ROOT / "clients" / "web" / "i18n"

# The command as a view sends it: views/common.js `run`, which toasts the refusal.
ASK = """async () => {
    const common = await import(new URL("js/views/common.js", location.href).href);
    return await common.run(window.phonghop.client, "question.ask",
                            {text: "Đề nghị làm rõ kinh phí"});
}"""


def catalogue(lang: str) -> dict[str, str]:
    return dict(json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_refusal_is_toasted_in_the_page_language(
    lang: str, new_meeting: Any, open_page: Any, shot: Any
) -> None:
    meeting = new_meeting()
    meeting.import_roster()
    meeting.command("meeting.open")
    meeting.command("meeting.close")
    token = meeting.links()["DB0004"].rsplit("/j/", 1)[1]
    tablet = open_page(f"{meeting.base_url}/app/?t={token}&lang={lang}", TABLET)
    expect(tablet.locator("#conn")).to_have_attribute("data-status", "online")

    assert tablet.evaluate(ASK) is None  # refused: run() resolves to null after its toast
    toast = tablet.locator("#toasts .toast-error")
    expect(toast).to_have_count(1)
    expect(toast).to_have_text(catalogue(lang)["error.invalid_state"])
    expect(toast).not_to_contain_text("closed")
    shot(tablet, f"toast-refused-{lang}")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_an_app_older_than_the_server_is_told_to_reload(
    lang: str, new_meeting: Any, context: BrowserContext, open_page: Any, shot: Any
) -> None:
    # The page's hello says a protocol version the server does not speak, as a tablet still
    # running last season's app would: the server answers unsupported_version and closes.
    def older_app(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if isinstance(message, str) and '"hello"' in message:
                frame = json.loads(message)
                frame["v"] = 99
                message = json.dumps(frame)
            server.send(message)

        ws.on_message(to_server)

    context.route_web_socket("**/ws/**", older_app)
    meeting = new_meeting()
    meeting.import_roster()
    token = meeting.links()["DB0004"].rsplit("/j/", 1)[1]
    tablet = open_page(f"{meeting.base_url}/app/?t={token}&lang={lang}", TABLET)
    banner = tablet.locator("#banner")
    expect(banner).to_contain_text(catalogue(lang)["conn.failed_version"])
    expect(banner).not_to_contain_text(catalogue(lang)["conn.failed_token"])
    expect(tablet.locator("#reload-app")).to_have_text(catalogue(lang)["conn.reload"])
    shot(tablet, f"refused-version-{lang}")
