"""Browser fixtures: Debian's Chromium driven by Playwright (never a downloaded browser), a
meeting set up over the HTTP API, screenshots and an accessibility check with axe-core.

Fixtures:

- `browser` (session): a headless Chromium from ``$CHROMIUM`` or /usr/bin/chromium.
- `context`: a fresh browser context (own storage) per test, closed at the end.
- `server`: a real ``run.py serve`` process on a clean Redis (``start_server`` + ``redis_db``).
- `admin`: an httpx client on that server with the admin token.
- `new_meeting`: a function that creates a meeting with a secretary and returns a `Meeting`.
- `open_page`: a function (url, viewport=...) -> Page that fails the test on a page error.
- `shot`: saves a screenshot under test-artifacts/screenshots/.
- `axe_check`: runs axe-core in a page and fails on serious or critical violations. axe-core
  comes from the `axe-playwright-python` package (the `test` extra), which ships axe.min.js.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)

# Assertions wait up to 10 s, not Playwright's 5: on a busy 2-core machine a server, Redis and
# several Chromium pages share the cores, and a page can take seconds to catch up. A real
# failure still fails, later.
expect.set_options(timeout=10_000)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
ROSTER_CSV = ROOT / "server" / "assets" / "demo" / "roster.csv"
ADMIN_TOKEN = "test-admin-token"  # the one tests/conftest.py gives every server
# HALL_HOST reaches the test server like a LAN address on hall Wi-Fi: plain http on a name that
# is not localhost, so the page is not a secure context (no Cache Storage, no service worker,
# no crypto.randomUUID), as on a real tablet.
HALL_HOST = "hall.test"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    f"--host-resolver-rules=MAP {HALL_HOST} 127.0.0.1",
]
TABLET: ViewportSize = {"width": 1024, "height": 1366}
LAPTOP: ViewportSize = {"width": 1440, "height": 900}
PROJECTOR: ViewportSize = {"width": 1920, "height": 1080}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        # CI installs Debian's chromium in .ci/run; a browser test must fail, not skip, without it.
        raise RuntimeError(f"no Chromium at {path}: apt-get install chromium")
    return path


# Package scope: the sync API runs an event loop on this thread while it is started, which
# would break every asyncio test that runs after the browser tests.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=LAPTOP, locale="vi-VN", accept_downloads=True)
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def server(start_server: Any, redis_db: Any) -> Any:
    return start_server()


@pytest.fixture
def admin(server: Any) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=20
    ) as client:
        yield client


@dataclass
class Meeting:
    """A meeting on the test server, driven over HTTP with the admin token. Each call opens a
    new connection, so it keeps working across a server restart on the same port."""

    id: str
    base_url: str
    secretary_url: str = ""

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", **kwargs.pop("headers", {})}
        url = f"{self.base_url}{path}"
        return httpx.request(method, url, headers=headers, timeout=20, **kwargs)

    def command(self, kind: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.request(
            "POST", f"/api/meetings/{self.id}/commands", json={"kind": kind, "body": body or {}}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def links(self) -> dict[str, str]:
        response = self.request("GET", f"/api/meetings/{self.id}/participants")
        response.raise_for_status()
        return {p["id"]: p["join_url"] for p in response.json()["participants"]}

    def import_roster(self) -> None:
        response = self.request(
            "POST", f"/api/meetings/{self.id}/roster", content=ROSTER_CSV.read_bytes(),
            headers={"Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def new_meeting(admin: httpx.Client, server: Any) -> Callable[..., Meeting]:
    """Create a meeting with one secretary (TK01); its join link is ``secretary_url``."""

    def create(title: str = "Đại hội đại biểu MTTQ Việt Nam tỉnh Quảng Ninh lần thứ XV") -> Meeting:
        response = admin.post(
            "/api/meetings",
            json={"title": title, "title_en": "15th Congress of the Fatherland Front",
                  "place": "Trung tâm Hội nghị tỉnh, TP. Hạ Long"},
        )
        assert response.status_code == 201, response.text
        meeting_id = response.json()["id"]
        response = admin.post(
            f"/api/meetings/{meeting_id}/participants",
            json={"id": "TK01", "full_name": "Lê Thu Hà", "role": "secretary",
                  "title": "Thư ký Đại hội"},
        )
        assert response.status_code == 201, response.text
        meeting = Meeting(meeting_id, server.base_url)
        meeting.secretary_url = meeting.links()["TK01"]
        return meeting

    return create


@pytest.fixture
def open_page(context: BrowserContext) -> Iterator[Callable[..., Page]]:
    errors: list[str] = []

    def open_(url: str, viewport: ViewportSize | None = None) -> Page:
        page = context.new_page()
        if viewport:
            page.set_viewport_size(viewport)
        page.on("pageerror", lambda exc: errors.append(f"{url}: {exc}"))
        page.goto(url)
        return page

    yield open_
    assert not errors, "JavaScript errors in the page:\n" + "\n".join(errors)


@pytest.fixture
def shot() -> Callable[[Page, str], Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page: Page, name: str, full_page: bool = False) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations in the page as it is now: id, impact, help and the first nodes.
    axe is evaluated through the DevTools protocol: an inline <script> tag would be refused
    by the pages' Content-Security-Policy, as it should be."""
    response = Axe().run(page, options={"resultTypes": ["violations"]}).response
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [" ".join(map(str, n["target"])) for n in v["nodes"][:5]]}
        for v in response["violations"]
    ]


def serious(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


@pytest.fixture
def axe_check() -> Callable[[Page, str], list[dict[str, Any]]]:
    def check(page: Page, name: str) -> list[dict[str, Any]]:
        result = axe_violations(page)
        bad = serious(result)
        assert not bad, f"accessibility violations in {name}: {bad}"
        return result

    return check
