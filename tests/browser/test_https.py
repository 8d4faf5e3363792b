"""The delegate view over ``run.py --tls`` on a hall address: a secure context, so the service
worker registers (and the camera scanner may run), with the local CA as the tablet's trust.

How Chromium trusts the CA here: ``--ignore-certificate-errors-spki-list`` with the SHA-256 of
the CA's public key. Chromium then accepts a chain that contains that key as if it ended in a
trusted root, for this one key only, and treats the page as a normal secure origin — unlike
Playwright's ``ignore_https_errors`` (or ``--ignore-certificate-errors``), which leaves the
page marked as having a certificate error, and Chromium refuses to register a service worker
from such a page, so the test could not show what a tablet with the CA installed gets. An
NSS database in a temporary ``$HOME`` would do the same but needs ``certutil``
(libnss3-tools), one more system package for CI. The server sends its certificate followed by
the CA's (``DATA_DIR/tls/server.pem``), so the CA's key is in the chain Chromium checks.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, expect
from pyzbar.pyzbar import decode as decode_qr

from tests.browser.conftest import CHROMIUM_ARGS, HALL_HOST, TABLET, chromium_path
from tests.conftest import StartServer, free_port
from tests.test_run_tls import add_delegate, wait_https_healthy

pytestmark = pytest.mark.browser


def spki_sha256(cert_file: Path) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of the certificate, as Chromium's flag takes it."""
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


@pytest.fixture
def hall_server(start_server: StartServer, redis_db: Any, tmp_path: Path) -> Any:
    """``run.py --tls`` reached as https://hall.test:PORT (mapped to 127.0.0.1 by Chromium's
    resolver rules): a name that is not localhost, so only TLS makes it a secure context."""
    # The public URL names the port, so the port is chosen here; the later --port wins over
    # the one start_server passes (argparse keeps the last).
    port = free_port()
    public = f"https://{HALL_HOST}:{port}"
    server = start_server(data_dir=tmp_path, wait=False,
                          args=["--tls", "--public-url", public, "--port", str(port)])
    server.port = port
    return server


@pytest.fixture
def ca_context(browser: Browser, hall_server: Any) -> Iterator[BrowserContext]:
    wait_https_healthy(hall_server)
    trusted = spki_sha256(hall_server.data_dir / "tls" / "ca.pem")
    # A second Chromium of the same Playwright: the flag is per browser process.
    instance = browser.browser_type.launch(
        executable_path=chromium_path(),
        args=[*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={trusted}"],
    )
    try:
        ctx = instance.new_context(
            viewport={"width": TABLET["width"], "height": TABLET["height"]}, locale="vi-VN"
        )
        ctx.set_default_timeout(15_000)
        yield ctx
        ctx.close()
    finally:
        instance.close()


def test_delegate_view_is_a_secure_context_and_registers_the_service_worker(
    hall_server: Any, ca_context: BrowserContext, shot: Any
) -> None:
    public = f"https://{HALL_HOST}:{hall_server.port}"
    context = wait_https_healthy(hall_server)
    _meeting, join_url = add_delegate(f"https://127.0.0.1:{hall_server.port}", context)
    assert join_url.startswith(f"{public}/j/"), join_url

    errors: list[str] = []
    tablet = ca_context.new_page()
    tablet.on("pageerror", lambda exc: errors.append(str(exc)))
    tablet.goto(join_url)
    # Online: the wss connection was accepted (its Origin is the https hall address).
    expect(tablet.locator("#conn")).to_have_attribute("data-status", "online")
    secure = tablet.evaluate(
        "() => ({secure: isSecureContext, caches: typeof caches, "
        "uuid: typeof crypto.randomUUID, camera: typeof navigator.mediaDevices?.getUserMedia, "
        "protocol: location.protocol})"
    )
    assert secure == {"secure": True, "caches": "object", "uuid": "function",
                      "camera": "function", "protocol": "https:"}
    script = tablet.evaluate(
        "async () => (await navigator.serviceWorker.ready).active.scriptURL"
    )
    assert script == f"{public}/app/sw.js"
    shot(tablet, "delegate-https")

    # The CA page: its QR code names the page itself at the hall address.
    page = ca_context.new_page()
    page.goto(f"{public}/ca")
    qr = page.locator("#ca-qr")
    expect(qr).to_be_visible()
    image = Image.open(io.BytesIO(qr.screenshot()))
    decoded = [symbol.data.decode() for symbol in decode_qr(image)]
    assert decoded == [f"{public}/ca"]
    expect(page.locator("#ca-url")).to_have_text(f"{public}/ca")
    assert not errors, errors
