"""``python run.py minutes MEETING_ID --format docx --out FILE``: the meeting's minutes
(final once it has closed, a draft before) built from its log, read from REDIS_URL, from the
embedded Redis of a server running on ``--data-dir``, or from one started here for the job.

``--format pdf --sign KEY.p12 --as chair`` signs the final minutes (server/cli/minutes_sign.py);
the other signer then signs that file with ``--onto``."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from server.cli import Subparsers
from server.cli.minutes_sign import add_sign_arguments, sign_requested, sign_to_file

if TYPE_CHECKING:
    from server.store import LogEntry


def add_parser(subparsers: Subparsers) -> None:
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
    add_sign_arguments(parser)
    parser.set_defaults(handler=run)


async def _read_log(redis_url: str, meeting_id: str) -> list[LogEntry]:
    from server.app import open_redis
    from server.store import Store

    client = await open_redis(redis_url)
    try:
        return await Store(client).read_log(meeting_id)
    finally:
        await client.aclose()


def run(args: argparse.Namespace) -> int:
    from rooms.minutes_builder import build_minutes
    from server.embedded_redis import redis_for_tool
    from server.exports import render_minutes

    if sign_requested(args) and args.onto:
        try:
            onto = Path(args.onto).read_bytes()
        except OSError as exc:
            print(f"Không đọc được / cannot read {args.onto}: {exc}", file=sys.stderr)
            return 2
        return sign_to_file(args, onto, None)
    data_dir = Path(args.data_dir).absolute()
    with redis_for_tool(data_dir) as url:
        entries = asyncio.run(_read_log(url, args.meeting_id))
    if not entries:
        print(
            f"Không có cuộc họp {args.meeting_id} / no meeting {args.meeting_id}", file=sys.stderr
        )
        return 2
    closed = any(e.event.kind == "meeting.closed" for e in entries)
    built = build_minutes(entries, final=closed, lang=args.lang)
    if sign_requested(args):
        return sign_to_file(args, None, built if closed else None)
    data = render_minutes(built, args.format, args.lang)
    out = Path(args.out)
    out.write_bytes(data)
    status = "chính thức / final" if closed else "dự thảo / draft"
    print(
        f"Biên bản {status} → {out} ({len(data)} bytes); final hash {built.log.final_hash}",
        file=sys.stderr,
    )
    return 0
