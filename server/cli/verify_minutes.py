"""``python run.py verify-minutes FILE.pdf [--log log.json] [--trust CA.pem]``: who signed
the minutes, whether each signature is intact, whether the document changed after it was
signed, and whether the log hash the minutes carry is the final hash of ``log.json``.
Needs no server and no Redis (server/minutes_verify.py does the checking).

Exit codes: 0 every check holds; 1 one does not (a broken or missing signature, a change
after signing, an untrusted signer when --trust is given, a log that does not match);
2 a file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from server.cli import Subparsers

if TYPE_CHECKING:
    from server.minutes_verify import Report

_AFTER = {
    "none": "nothing after it / không thay đổi sau khi ký",
    "signatures": "only later signatures / chỉ thêm chữ ký sau",
    "changed": "CHANGED after signing / ĐÃ BỊ SỬA sau khi ký",
}


def add_parser(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "verify-minutes", help="check signed minutes: signers, integrity, log hash (exit 1 if not)"
    )
    parser.add_argument("pdf", metavar="FILE.pdf", help="the signed minutes")
    parser.add_argument("--log", metavar="log.json", help="the export of GET .../log.json")
    parser.add_argument("--trust", action="append", default=[], metavar="CA.pem",
                        help="a CA certificate (PEM or DER) the signers must chain to; repeatable")
    parser.set_defaults(handler=run)


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def run(args: argparse.Namespace) -> int:
    from server.minutes_verify import UnreadablePdf, verify_minutes

    # pyHanko logs a traceback for every path it cannot build; the report says it in one line.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    try:
        data = _read(args.pdf)
        roots = [_read(p) for p in args.trust]
        log: dict[str, Any] | None = None
        if args.log:
            log = json.loads(_read(args.log))
            if not isinstance(log, dict):
                raise ValueError(f"{args.log} is not a log export (a JSON object)")
        report = verify_minutes(data, roots, log)
    except (OSError, ValueError, UnreadablePdf) as exc:
        print(f"Không đọc được / cannot read: {exc}", file=sys.stderr)
        return 2
    _print(report)
    return 0 if report.ok else 1


def _print(report: Report) -> None:
    for n, sig in enumerate(report.signatures, 1):
        verdict = "OK" if sig.ok else "KHÔNG HỢP LỆ / INVALID"
        print(f"{n}. {sig.role or sig.field}: {sig.signer} — {verdict}")
        print(f"   signed at {sig.signed_at or '?'}"
              + (" (timestamped by a TSA)" if sig.timestamped else " (signer's clock)"))
        print(f"   intact: {'yes' if sig.intact and sig.valid else 'NO'}; "
              f"after signing: {_AFTER[sig.after]}")
        if sig.trusted is not None:
            print(f"   trusted (chains to --trust): {'yes' if sig.trusted else 'NO'}")
    for problem in report.problems:
        print(f"KHÔNG HỢP LỆ / INVALID: {problem}")
    print(f"log hash in the minutes: {report.log_hash or '(none)'}")
    if report.log is not None:
        if report.log.matches:
            print(f"log: matches ({report.log.event_count} events) / khớp nhật ký")
        else:
            print(f"log: DOES NOT MATCH / KHÔNG KHỚP: {report.log.problem}")
    print("OK" if report.ok else "FAILED")
