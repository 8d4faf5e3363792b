"""``python run.py serve`` (the default command): run the meeting server.

Without REDIS_URL it starts the embedded valkey-server on ``--data-dir``, restarts it if it
dies, and stops it on exit, also when SIGINT or SIGTERM arrives.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

from server.cli import Subparsers
from server.config import Settings
from server.tls import TlsError, TlsFiles, fingerprint, serve_tls


class Shutdown(SystemExit):
    """SIGINT or SIGTERM arrived outside uvicorn's own handling: unwind and clean up.

    A SystemExit, so that asyncio passes it through instead of logging it from a callback.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(0)
        self.signame = signal.Signals(signum).name


@contextlib.contextmanager
def shutdown_on_signals() -> Iterator[None]:
    """Turn SIGINT/SIGTERM into a Shutdown exception so that `finally` blocks run.

    uvicorn installs its own handlers while serving and re-raises the signal it caught once
    it has shut down; this handler receives that and unwinds to the Redis stop.
    """
    stopping = False

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        # A second signal during cleanup must not abort the Redis shutdown halfway.
        if not stopping:
            stopping = True
            raise Shutdown(signum)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def redact(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + netloc))


def banner(base_url: str, redis_note: str) -> str:
    return "\n".join(
        [
            "",
            "  phonghop — phòng họp không giấy / paperless meeting server",
            f"  Máy chủ đang chạy tại: {base_url}",
            f"  Server running at:     {base_url}",
            f"  Redis: {redis_note}",
            "  Nhấn Ctrl+C để dừng. / Press Ctrl+C to stop.",
            "",
        ]
    )


def ca_note(base_url: str, ca_file: Path) -> str:
    return "\n".join(
        [
            f"  Cài chứng chỉ trên máy tính bảng / install the CA on tablets: {base_url}/ca",
            f"  CA SHA-256: {fingerprint(ca_file)}",
            "",
        ]
    )


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the server (default command)",
        description="Run the meeting server; starts an embedded Redis unless REDIS_URL is set.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", "8000")),
        help="port to listen on (default: $PORT or 8000)",
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("PHONGHOP_DATA_DIR", "./var"),
        help="documents, exports, admin token and the embedded Redis "
        "(default: $PHONGHOP_DATA_DIR or ./var)",
    )
    parser.add_argument("--demo", action="store_true", help="load the demo congress")
    parser.add_argument(
        "--public-url",
        default=os.environ.get("PHONGHOP_PUBLIC_URL") or None,
        help="base of the links handed to participants (default: http://HOST:PORT; with TLS "
        "https://HOST:PORT, or https://LAN-ADDRESS:PORT when HOST is 0.0.0.0)",
    )
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve https/wss with a local certificate authority kept in DATA_DIR/tls; "
        "tablets install it from the /ca page (docs/deployment.md)",
    )
    parser.add_argument("--tls-cert", help="serve https/wss with this PEM certificate chain")
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if (args.tls_cert is None) != (args.tls_key is None):
        print("--tls-cert and --tls-key go together", file=sys.stderr, flush=True)
        return 2
    try:
        serve(args)
    except TlsError as exc:
        print(f"Lỗi chứng chỉ / certificate: {exc}", file=sys.stderr, flush=True)
        return 2
    except Shutdown as stop:
        # Raised inside the `with` blocks below, caught once they have stopped the Redis.
        print(f"Đã dừng ({stop.signame}). / Stopped ({stop.signame}).", file=sys.stderr, flush=True)
    return 0


def serve(args: argparse.Namespace) -> None:
    from server.logging_redaction import install_redaction
    from server.private_files import private_dir, tighten

    data_dir = Path(args.data_dir).absolute()
    # Everything the server writes (keys, admin token, documents, exports, Redis's files) is
    # for this user only; files an older version left readable are tightened once here.
    os.umask(0o077)
    tighten(private_dir(data_dir))
    install_redaction()
    tls = tls_files(args, data_dir)
    public_url = tls[1] if tls is not None else args.public_url
    with shutdown_on_signals(), contextlib.ExitStack() as stack:
        external = os.environ.get("REDIS_URL")
        if external:
            redis_url = external
            redis_note = f"REDIS_URL {redact(external)}"
        else:
            from server.embedded_redis import EmbeddedRedis

            embedded = EmbeddedRedis(data_dir)
            stack.callback(embedded.stop)
            redis_url = embedded.start()
            # Killed or crashed, it comes back on the same port and data: the server recovers.
            embedded.supervise()
            redis_note = f"embedded valkey-server {redact(redis_url)} (data: {embedded.redis_dir})"

        settings = Settings.from_env(
            redis_url=redis_url,
            data_dir=data_dir,
            host=args.host,
            port=args.port,
            public_url=public_url,
            tls_ca_file=tls[0].ca_file if tls is not None else None,
        )
        run_setup(settings, demo=args.demo)
        run_uvicorn(settings, redis_note, tls[0] if tls is not None else None)


def tls_files(args: argparse.Namespace, data_dir: Path) -> tuple[TlsFiles, str] | None:
    """The certificate to serve https with and the public URL, or None for plain http."""
    if not (args.tls or args.tls_cert):
        return None
    own = (Path(args.tls_cert), Path(args.tls_key)) if args.tls_cert else None
    return serve_tls(data_dir, args.host, args.port, args.public_url, own)


def run_setup(settings: Settings, *, demo: bool) -> None:
    from server.app import bootstrap

    token = asyncio.run(bootstrap(settings))
    if token:
        print(
            f"\nAdmin token (shown once, also saved to {settings.data_dir / 'admin-token'}):\n"
            f"  {token}\n"
            "Mã quản trị chỉ hiện một lần; hãy lưu lại. / Keep it: it is shown only once.\n",
            flush=True,
        )
    if demo:
        from server.demo import load_demo

        links = asyncio.run(load_demo(settings))
        print("Demo / Dữ liệu mẫu:", flush=True)
        width = max((len(label) for label, _ in links), default=0)
        for label, url in links:
            print(f"  {label.ljust(width)}  {url}", flush=True)


def run_uvicorn(settings: Settings, redis_note: str, tls: TlsFiles | None = None) -> None:
    import uvicorn

    from protocol.limits import MAX_FRAME_BYTES
    from server.app import create_app
    from server.edge_guard import (
        ConnectionLedger,
        connection_capacity,
        guarded_protocols,
        raise_fd_limit,
    )
    from server.logging_redaction import log_config

    ledger = ConnectionLedger(
        max_per_ip=settings.max_conn_per_ip,
        capacity=connection_capacity(raise_fd_limit()),
        header_timeout=settings.header_timeout,
    )
    http_protocol, ws_protocol = guarded_protocols(ledger)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        # uvicorn's h11 and sans-I/O WebSocket protocols, counted and timed at the edge
        # (server/edge_guard.py); the latter writes the hub's frames directly (ws_transport).
        http=http_protocol,
        ws=ws_protocol,
        # Checked by the WebSocket parser on each frame's header: a bigger frame is refused
        # (1009) before its payload is read into memory; uvicorn's default (16 MiB) buffered
        # 40 such frames into 1.7 GB. Twice the protocol's frame limit, so that a frame just
        # over it still reaches the codec and is answered with a `too_large` error first.
        ws_max_size=2 * MAX_FRAME_BYTES,
        ws_per_message_deflate=False,
        lifespan="on",
        log_level="info",
        # Every handler redacts tokens: the access log would otherwise print each join link.
        log_config=log_config(),
        ssl_certfile=tls.cert_file if tls is not None else None,
        ssl_keyfile=tls.key_file if tls is not None else None,
    )
    print(banner(settings.base_url, redis_note), flush=True)
    if tls is not None and tls.ca_file is not None:
        print(ca_note(settings.base_url, tls.ca_file), flush=True)
    uvicorn.Server(config).run()
