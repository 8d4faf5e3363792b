"""What a browser is told about every response, and which pages may open a WebSocket.

Every HTTP response carries a Content-Security-Policy that allows scripts, styles and
workers from this server only (no inline script, no ``eval``) and no framing
(``frame-ancestors 'none'``: a page of another site cannot overlay the delegate view and its
vote buttons), ``X-Content-Type-Options: nosniff`` (an uploaded file is never run as a script)
and ``Referrer-Policy: no-referrer`` (a link followed from a tablet does not carry its URL).

A WebSocket upgrade is refused with 403, before it is accepted, when its ``Origin`` is neither
this server as the browser reached it (the ``Host`` header; over TLS an https page) nor
``PHONGHOP_PUBLIC_URL``: a page of another site open in the delegate's browser cannot talk to
the meeting. An upgrade without ``Origin`` is let through: browsers always send one, so it
comes from a program (the load tests, a tablet's native app, a script of the operator) that
holds its own token and that no web page controls.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for the empty favicon, blob: for document pages and downloads made in the tab.
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    # For browsers that predate frame-ancestors.
    (b"x-frame-options", b"DENY"),
]


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased, as a browser sends it in ``Origin``."""
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(
    origin: str, host: str, public_url: str | None, *, secure: bool = False
) -> bool:
    """Same origin as the ``Host`` the browser used, or the public URL's origin.

    ``secure``: the upgrade came over TLS (``run.py --tls``), so a page of this server is an
    https page; an http Origin naming the same host and port is not one of ours. Over plain
    ws the scheme is not compared: behind a TLS-terminating proxy the browser's page is https
    while the upgrade reaching this process is ws.
    """
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (a sandboxed frame, a file: page) and anything odd
    if secure and parts.scheme != "https":
        return False
    if host and parts.netloc == host.strip().lower():
        return True
    return public_url is not None and origin_of(origin) == origin_of(public_url)


class SecurityHeaders:
    """ASGI middleware: the headers on every HTTP response, the Origin check on every
    WebSocket upgrade."""

    def __init__(self, app: ASGIApp, public_url: str | None = None) -> None:
        self.app = app
        self.public_url = public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            if origin is not None and not origin_allowed(
                origin, headers.get("host", ""), self.public_url,
                secure=scope.get("scheme") == "wss",
            ):
                # A close before the accept: the server answers the upgrade with 403.
                await send({"type": "websocket.close", "code": 1008, "reason": "origin"})
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in HEADERS if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
