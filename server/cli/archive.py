"""``python run.py archive import FILE.zip | search QUERY | list | rebuild``: the archive of
``--data-dir`` (DATA_DIR/archive, docs/archive.md) without a server or Redis. ``import``
verifies the ZIP (manifest sums, the log's hash chain) and exits 1 naming what is wrong."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from server.cli import Subparsers


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "archive", help="import a meeting's archive ZIP, search or list the archive")
    parser.add_argument("--data-dir", default=os.environ.get("PHONGHOP_DATA_DIR", "./var"),
                        help="the server's data directory (default: $PHONGHOP_DATA_DIR or ./var)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imported = actions.add_parser("import", help="verify and add FILE.zip to the archive")
    imported.add_argument("file", metavar="FILE.zip")
    searched = actions.add_parser("search", help="the best passages for a query")
    searched.add_argument("query")
    searched.add_argument("--limit", type=int, default=10)
    actions.add_parser("list", help="the archived meetings")
    actions.add_parser("rebuild", help="index every kept ZIP again (after a restore)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from server.archive_store import Archive, ArchiveRefused

    archive = Archive(Path(args.data_dir))
    if args.action == "import":
        try:
            with Path(args.file).open("rb") as source:
                record = archive.add(source, int(time.time() * 1000))
        except OSError as exc:
            print(f"Không đọc được / cannot read {args.file}: {exc}", file=sys.stderr)
            return 2
        except ArchiveRefused as exc:
            print(f"TỪ CHỐI / REFUSED: {exc}", file=sys.stderr)
            return 1
        print(f"OK: {record.id} «{record.title}», {record.details.get('events')} events, "
              f"chain intact / chuỗi băm toàn vẹn, final hash {record.final_hash}")
    elif args.action == "search":
        for hit in archive.index.search(args.query, args.limit):
            page = f" p.{hit.page}" if hit.page else ""
            print(f"{hit.score:7.2f}  {hit.meeting}  {hit.kind}  {hit.label}{page}: {hit.snippet}")
    elif args.action == "list":
        for record in archive.index.meetings():
            print(f"{record.id}  {record.year or '-'}  {record.status}  {record.organisation}"
                  f"  {record.title}")
    else:
        print(f"{archive.rebuild()} meeting(s) indexed again")
    return 0
