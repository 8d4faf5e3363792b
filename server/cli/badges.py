"""``python run.py badges MEETING_ID --out badges.pdf``: a meeting's QR badges as an A4 PDF,
read straight from Redis (REDIS_URL, the embedded one of a running server on ``--data-dir``,
or one started here for the job)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from server.cli import Subparsers

if TYPE_CHECKING:
    from server.badges import BadgeInfo


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser("badges", help="print a meeting's QR badges (A4 PDF)")
    parser.add_argument("meeting_id", metavar="MEETING_ID")
    parser.add_argument("--out", default="badges.pdf", help="PDF to write (default: badges.pdf)")
    parser.add_argument("--data-dir", default=os.environ.get("PHONGHOP_DATA_DIR", "./var"),
                        help="the server's data directory: its key file (keys/server.key, "
                        "unless PHONGHOP_KEY_FILE is set) and, without REDIS_URL, its Redis")
    parser.set_defaults(handler=run)


async def load_badges(redis_url: str, meeting_id: str, ttl: int,
                      now_s: int) -> tuple[str, list[BadgeInfo]] | None:
    """The meeting's title and every badge of its roster, read straight from Redis."""
    from rooms import aggregate
    from server.app import open_redis
    from server.auth import load_signer
    from server.badge_tokens import badge_infos
    from server.store import Store

    client = await open_redis(redis_url)
    try:
        store = Store(client)
        if not await store.exists(meeting_id):
            return None
        state = aggregate.fold(e.event for e in await store.read_log(meeting_id))
        signer = await load_signer(client)
    finally:
        await client.aclose()
    return state.info.title, badge_infos(signer, state, ttl, now_s)


def run(args: argparse.Namespace) -> int:
    from server.badges import badges_pdf
    from server.clock import SystemClock
    from server.config import Settings
    from server.embedded_redis import redis_for_tool
    from server.keys import KEY_FILE_ENV, default_key_file
    from server.progress import ProgressBar

    data_dir = Path(args.data_dir).absolute()
    # A badge is signed with the server's key: the key file of --data-dir, unless the
    # environment names one (it is read where the signer is loaded, server.auth.load_signer).
    os.environ.setdefault(KEY_FILE_ENV, str(default_key_file(data_dir)))
    ttl = Settings.from_env().token_ttl
    now_s = SystemClock().now_ms() // 1000
    with redis_for_tool(data_dir) as url:
        loaded = asyncio.run(load_badges(url, args.meeting_id, ttl, now_s))
    if loaded is None:
        print(f"Không có cuộc họp {args.meeting_id} / no meeting {args.meeting_id}",
              file=sys.stderr)
        return 2
    title, infos = loaded
    pdf = badges_pdf(infos, title, progress=ProgressBar("Thẻ đại biểu / badges"))
    out = Path(args.out)
    out.write_bytes(pdf)
    print(f"{len(infos)} thẻ / badges → {out} ({len(pdf) // 1024} KiB)", file=sys.stderr)
    return 0
