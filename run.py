"""One command to a running phonghop server, and the command line of its tools.

    python run.py                 # same as: python run.py serve
    python run.py serve --demo    # with the demo congress loaded

Without REDIS_URL, `serve` starts the embedded valkey-server on `--data-dir` and stops it on
exit. A new subcommand is a function that adds its parser (with `set_defaults(handler=...)`)
listed in COMMANDS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from server.config import Settings

Handler = Callable[[argparse.Namespace], int]
Subparsers = Any  # argparse's _SubParsersAction is private


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


def websocket_impl() -> Any:
    # uvicorn's sans-I/O WebSocket protocol, extended so the hub can write frames directly.
    from server.ws_transport import FastWebSocketProtocol

    return FastWebSocketProtocol


def serve(args: argparse.Namespace) -> int:
    from server.logging_redaction import install_redaction
    from server.private_files import private_dir, tighten

    data_dir = Path(args.data_dir).absolute()
    # Everything the server writes (keys, admin token, documents, exports, Redis's files) is
    # for this user only; files an older version left readable are tightened once here.
    os.umask(0o077)
    tighten(private_dir(data_dir))
    install_redaction()
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
            redis_note = f"embedded valkey-server {redact(redis_url)} (data: {embedded.redis_dir})"

        settings = Settings.from_env(
            redis_url=redis_url,
            data_dir=data_dir,
            host=args.host,
            port=args.port,
            public_url=args.public_url,
        )
        run_setup(settings, demo=args.demo)
        run_uvicorn(settings, redis_note)
    return 0


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


def run_uvicorn(settings: Settings, redis_note: str) -> None:
    import uvicorn

    from server.app import create_app
    from server.logging_redaction import log_config

    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        ws=websocket_impl(),
        ws_per_message_deflate=False,
        lifespan="on",
        log_level="info",
        # Every handler redacts tokens: the access log would otherwise print each join link.
        log_config=log_config(),
    )
    print(banner(settings.base_url, redis_note), flush=True)
    uvicorn.Server(config).run()


def add_serve(subparsers: Subparsers) -> None:
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
        help="base of the links handed to participants (default: http://HOST:PORT)",
    )
    parser.set_defaults(handler=serve)


def add_badges(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser("badges", help="print a meeting's QR badges (A4 PDF)")
    parser.add_argument("meeting_id", metavar="MEETING_ID")
    parser.add_argument("--out", default="badges.pdf", help="PDF to write (default: badges.pdf)")
    parser.add_argument("--data-dir", default=os.environ.get("PHONGHOP_DATA_DIR", "./var"),
                        help="the server's data directory: its key file (keys/server.key, "
                        "unless PHONGHOP_KEY_FILE is set) and, without REDIS_URL, its Redis")
    parser.set_defaults(handler=badges)


def badges(args: argparse.Namespace) -> int:
    from server.attendance import badges_command
    from server.keys import KEY_FILE_ENV, default_key_file

    # A badge is signed with the server's key: the key file of --data-dir, unless the
    # environment names one (it is read where the signer is loaded, server.auth.load_signer).
    os.environ[KEY_FILE_ENV] = str(default_key_file(Path(args.data_dir)))

    return badges_command(args)


def add_minutes(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "minutes", help="write a meeting's minutes (draft until it closes) from its log"
    )
    parser.add_argument("meeting_id", metavar="MEETING_ID")
    parser.add_argument("--format", choices=("docx", "pdf", "md", "json"), default="docx")
    parser.add_argument("--out", required=True, help="file to write")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi")
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("PHONGHOP_DATA_DIR", "./var"),
        help="embedded Redis data when REDIS_URL is not set",
    )
    parser.set_defaults(handler=minutes)


def minutes(args: argparse.Namespace) -> int:
    from server.minutes import minutes_command

    return minutes_command(args)


def add_verify(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "verify", help="check an exported log's hash chain (exit 1 names the first bad event)"
    )
    parser.add_argument("log", metavar="LOG.json", help="the export of GET .../log.json")
    parser.add_argument(
        "--expect",
        default=None,
        metavar="HASH",
        help="the final hash the chain must end in (e.g. printed in the minutes)",
    )
    parser.set_defaults(handler=verify)


def verify(args: argparse.Namespace) -> int:
    from server.minutes import verify_command

    return verify_command(args)


COMMANDS: dict[str, Callable[[Subparsers], None]] = {
    "serve": add_serve,
    "minutes": add_minutes,
    "verify": add_verify,
    "badges": add_badges,
}
DEFAULT_COMMAND = "serve"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="phonghop — phòng họp không giấy / paperless meeting server",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS.values():
        add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, DEFAULT_COMMAND)
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    from server.keys import KeyFileError

    try:
        return handler(args)
    except KeyFileError as exc:
        print(f"Lỗi khóa máy chủ / server key: {exc}", file=sys.stderr, flush=True)
        return 2
    except Shutdown as stop:
        print(f"Đã dừng ({stop.signame}). / Stopped ({stop.signame}).", file=sys.stderr, flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
