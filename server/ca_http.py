"""The page from which a tablet installs the hall's local certificate authority (``run.py
--tls``, server/tls.py): ``/ca`` with the steps, ``/ca.crt`` the certificate, ``/ca/qr.svg``
a QR code of the page's address to show on the organiser's screen.

Served only when the server made its own CA; with an organisation's certificate (``--tls-cert``)
or plain http they answer 404. No token is needed: the CA certificate is public, and a tablet
has no credential yet when it comes here. The page shows the certificate's SHA-256 fingerprint,
also printed on the server's console, so that whoever installs it can compare the two.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import qrcode  # type: ignore[import-untyped]
import qrcode.image.svg  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from protocol.errors import ErrorCode
from server.api import runtime
from server.errors import ApiError
from server.tls import fingerprint

CA_PAGE = "/ca"
# DER with this type: iOS offers to install it as a profile, Android and Windows open their
# certificate installers; the name says what it is in the Downloads folder.
CA_MEDIA_TYPE = "application/x-x509-ca-cert"
CA_FILENAME = "phonghop-ca.crt"


def _ca_file(request: Request) -> Path:
    ca_file = runtime(request).settings.tls_ca_file
    if ca_file is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "this server has no local certificate authority")
    return ca_file


def page_url(request: Request) -> str:
    """The address tablets open: the public URL's (the LAN address with --tls)."""
    return runtime(request).settings.base_url + CA_PAGE


async def ca_certificate(request: Request) -> Response:
    cert = x509.load_pem_x509_certificate(_ca_file(request).read_bytes())
    return Response(
        cert.public_bytes(serialization.Encoding.DER),
        media_type=CA_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{CA_FILENAME}"'},
    )


async def ca_qr(request: Request) -> Response:
    _ca_file(request)
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(page_url(request))
    qr.make(fit=True)
    data = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string()
    return Response(data, media_type="image/svg+xml")


STEPS = """
<h2>Android</h2>
<ol>
<li>Tải chứng chỉ ở trên. / Download the certificate above.</li>
<li>Cài đặt → Bảo mật → Mã hóa và thông tin xác thực → Cài đặt chứng chỉ → Chứng chỉ CA. /
Settings → Security → Encryption &amp; credentials → Install a certificate → CA certificate.</li>
<li>Chọn <code>phonghop-ca.crt</code> trong Tải xuống. / Pick <code>phonghop-ca.crt</code> in
Downloads.</li>
</ol>
<h2>iPad / iPhone</h2>
<ol>
<li>Mở trang này bằng Safari và tải chứng chỉ; chọn Cho phép. / Open this page in Safari,
download the certificate and allow the profile.</li>
<li>Cài đặt → Đã tải về hồ sơ → Cài đặt. / Settings → Profile Downloaded → Install.</li>
<li>Cài đặt → Cài đặt chung → Giới thiệu → Cài đặt tin cậy chứng chỉ → bật phonghop. /
Settings → General → About → Certificate Trust Settings → turn on phonghop.</li>
</ol>
<h2>Windows</h2>
<ol>
<li>Mở tệp đã tải → Cài đặt chứng chỉ → Máy cục bộ → Trusted Root Certification Authorities. /
Open the downloaded file → Install Certificate → Local Machine → Trusted Root Certification
Authorities.</li>
<li>Khởi động lại trình duyệt. / Restart the browser.</li>
</ol>
"""


async def ca_page(request: Request) -> Response:
    ca_file = _ca_file(request)
    url = html.escape(page_url(request))
    body = f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>phonghop — chứng chỉ / certificate</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app/css/app.css">
</head>
<body>
<main id="main">
<h1>Cài chứng chỉ của phòng họp / Install the hall's certificate</h1>
<p>Cài một lần trên mỗi máy tính bảng để mở phonghop qua HTTPS (máy ảnh quét mã, dùng ngoại
tuyến). / Install it once on each tablet to open phonghop over HTTPS (camera scanning,
offline use).</p>
<p><a id="ca-download" href="/ca.crt" download="{CA_FILENAME}">Tải chứng chỉ / Download the
certificate ({CA_FILENAME})</a></p>
<p>SHA-256: <code id="ca-fingerprint">{html.escape(fingerprint(ca_file))}</code></p>
<p><img id="ca-qr" src="/ca/qr.svg" width="240" height="240"
alt="Mã QR của trang này / QR code of this page"><br><code id="ca-url">{url}</code></p>
{STEPS}
</main>
</body>
</html>
"""
    return HTMLResponse(body, headers={"Cache-Control": "no-cache"})


def openapi_paths(op: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The OpenAPI entries of these routes, merged into server/openapi.py's description."""
    def public(summary: str, media_type: str) -> dict[str, Any]:
        ok = {"200": {"description": media_type, "content": {media_type: {}}},
              "404": {"description": "no local CA: not run with --tls"}}
        return {"get": op(summary, ok, auth=False, errors=())}

    return {
        CA_PAGE: public("The page from which a tablet installs the local CA of run.py --tls: "
                        "steps for Android, iPad, Windows, the CA's SHA-256, a QR of the page",
                        "text/html"),
        "/ca.crt": public("The local CA certificate (DER) to install", CA_MEDIA_TYPE),
        "/ca/qr.svg": public("A QR code of the /ca page's address at the public URL",
                             "image/svg+xml"),
    }


ROUTES = [
    Route(CA_PAGE, ca_page, methods=["GET"]),
    Route("/ca.crt", ca_certificate, methods=["GET"]),
    Route("/ca/qr.svg", ca_qr, methods=["GET"]),
]
