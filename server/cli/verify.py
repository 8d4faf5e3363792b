"""``python run.py verify LOG.json [--expect HASH]``: check an exported log's hash chain;
0 and the final hash when every link holds, else 1 and the first event that does not fit
(2 when the file cannot be read). Needs no server and no Redis."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from server.cli import Subparsers


def add_parser(subparsers: Subparsers) -> None:
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
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from rooms.log_verify import verify_export

    try:
        export = json.loads(Path(args.log).read_bytes())
    except (OSError, ValueError) as exc:
        print(f"Không đọc được / cannot read {args.log}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(export, dict):
        print(f"{args.log}: not a log export (expected a JSON object)", file=sys.stderr)
        return 2
    verdict = verify_export(export, args.expect)
    if verdict.failure is not None:
        print(
            f"KHÔNG KHỚP / TAMPERED: {verdict.failure.describe()} "
            f"({verdict.event_count} event(s) before it verify)",
            file=sys.stderr,
        )
        return 1
    if verdict.problem:
        print(f"KHÔNG KHỚP / TAMPERED: {verdict.problem}", file=sys.stderr)
        return 1
    print(f"OK: {verdict.event_count} events, chain intact / chuỗi băm toàn vẹn", file=sys.stderr)
    print(verdict.final_hash)
    return 0
