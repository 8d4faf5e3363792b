"""A web page in the same browser, and credentials in URLs (#14 items 5 and 9): security
headers on every response, framing refused, the WebSocket Origin allow-list, tokens only in
the Authorization header. Real run.py, real Chromium."""

from __future__ import annotations

import base64
import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import redis
from playwright.sync_api import Browser, sync_playwright

from tests.browser.conftest import CHROMIUM_ARGS, chromium_path
from tests.conftest import ADMIN_TOKEN, StartServer
from tests.support import make_meeting, token_of

pytestmark = [pytest.mark.redis, pytest.mark.multiprocess]

PUBLIC_URL = "https://hop.example.vn"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def upgrade_status(port: int, path: str, origin: str | None) -> int:
    """The HTTP status the server answers a WebSocket upgrade with."""
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Version: 13",
             f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = sock.recv(4096)
    return int(head.split(b" ", 2)[1])


@contextlib.contextmanager
def attacker_site(body: str) -> Iterator[str]:
    """Another origin on this machine (another port: the same site, as in the report)
    serving one page."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = f"<html><body>{body}</body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}/"
    finally:
        site.shutdown()
        site.server_close()


def test_every_response_carries_the_security_headers(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, _ = make_meeting(server.base_url, admin_headers)
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        answers = [http.get("/app/"), http.get("/app/js/app.js"), http.get("/healthz"),
                   http.get("/api/meetings"), http.get(f"/api/meetings/{meeting}/nothing"),
                   http.get("/api/meetings", headers=admin_headers)]
    for answer in answers:
        csp = answer.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp, answer.request.url
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert answer.headers.get("x-content-type-options") == "nosniff"
        assert answer.headers.get("referrer-policy") == "no-referrer"


def test_the_websocket_upgrade_checks_origin(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server(args=["--public-url", PUBLIC_URL])
    meeting, _ = make_meeting(server.base_url, admin_headers)
    path = f"/ws/{meeting}"
    assert upgrade_status(server.port, path, "http://evil.example") == 403
    assert upgrade_status(server.port, path, f"http://127.0.0.1:{server.port + 1}") == 403
    assert upgrade_status(server.port, path, "null") == 403
    assert upgrade_status(server.port, path, f"http://127.0.0.1:{server.port}") == 101
    assert upgrade_status(server.port, path, PUBLIC_URL) == 101
    # No Origin: not a browser (load tests, a native app), which holds its own token.
    assert upgrade_status(server.port, path, None) == 101


def test_tokens_are_accepted_only_in_the_authorization_header(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str]
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    chair = token_of(next(p for p in people.values() if p["role"] == "chair"))
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        by_query = http.get(f"/api/meetings?token={ADMIN_TOKEN}")
        assert by_query.status_code == 401
        assert by_query.json()["error"]["code"] == "unauthenticated"
        assert http.get(f"/api/meetings/{meeting}?token={chair}").status_code == 401
        assert http.get(f"/api/meetings/{meeting}/log.json?token={ADMIN_TOKEN}").status_code == 401
        assert http.get("/api/meetings", headers=admin_headers).status_code == 200
        chair_headers = {"Authorization": f"Bearer {chair}"}
        assert http.get(f"/api/meetings/{meeting}", headers=chair_headers).status_code == 200


def test_a_page_of_another_origin_cannot_frame_the_delegate_view(
    start_server: StartServer, redis_db: redis.Redis, admin_headers: dict[str, str],
    browser: Browser,
) -> None:
    server = start_server()
    meeting, people = make_meeting(server.base_url, admin_headers)
    delegate = next(p for p in people.values() if p["role"] == "delegate")
    app_url = f"{server.base_url}/app/?t={token_of(delegate)}"
    context = browser.new_context()
    try:
        # The delegate view itself runs under the policy without a single violation.
        page = context.new_page()
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.goto(app_url)
        page.wait_for_selector("#main .loading", state="detached", timeout=20_000)
        assert page.locator("#main").inner_text().strip()
        assert violations == [], violations

        attacker = context.new_page()
        with attacker_site(f'<iframe src="{app_url}" width="800" height="600"></iframe>') as evil:
            attacker.goto(evil)
            attacker.wait_for_load_state("load")
        [framed] = [f for f in attacker.frames if f is not attacker.main_frame]
        # Chromium puts its error page in place of the refused document.
        assert framed.query_selector("#main") is None, "the delegate view rendered in a frame"
        assert "phonghop" not in framed.content()
    finally:
        context.close()
