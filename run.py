"""One command to a running phonghop server, and the command line of its tools.

    python run.py                 # same as: python run.py serve
    python run.py serve --demo    # with the demo congress loaded
    python run.py badges | minutes | verify | verify-minutes | archive ...   # COMMAND --help

Each command lives in its own module under ``server/cli/``; this file only picks one. A new
command is a module there with ``add_parser`` (which sets ``handler``), listed in COMMANDS.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from server.cli import Subparsers, archive, badges, minutes, serve, verify, verify_minutes
from server.keys import KeyFileError

Handler = Callable[[argparse.Namespace], int]

COMMANDS: dict[str, Callable[[Subparsers], None]] = {
    "serve": serve.add_parser,
    "minutes": minutes.add_parser,
    "verify": verify.add_parser,
    "verify-minutes": verify_minutes.add_parser,
    "badges": badges.add_parser,
    "archive": archive.add_parser,
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
    try:
        return handler(args)
    except KeyFileError as exc:
        print(f"Lỗi khóa máy chủ / server key: {exc}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
