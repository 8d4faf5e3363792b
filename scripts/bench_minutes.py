"""How long the minutes of a large congress take to export: a synthetic meeting of N delegates
driven through the real domain (`congress` in tests/server/test_exports_large_annex.py, on
tests/rooms/minutes_fixtures.py), P named polls, then the minutes rendered as DOCX, PDF,
Markdown and JSON, best of R runs each. Not a test: it prints a table to compare before
and after a change to server/exports/.

    python -m scripts.bench_minutes                     # 5,000 delegates, 1 and 3 named polls
    python -m scripts.bench_minutes --delegates 300 --polls 1 2 --repeat 1
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable
from functools import partial

from server.exports import render_docx, render_json, render_markdown, render_pdf
from tests.server.test_exports_large_annex import congress


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, int]:
    """Best wall time in seconds over `repeat` runs, and the size of what it returned."""
    best, size = float("inf"), 0
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
        size = len(out) if isinstance(out, bytes | str) else 0
    return best, size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=5000)
    parser.add_argument("--polls", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lang", default="vi")
    args = parser.parse_args(argv)

    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{args.delegates} delegates, best of {args.repeat}")
    print(f"{'polls':>5} {'rows':>7} {'format':>6} {'seconds':>8} {'s/1k rows':>9} {'bytes':>10}")
    for polls in args.polls:
        start = time.perf_counter()
        minutes = congress(args.delegates, polls)
        built = time.perf_counter() - start
        rows = sum(len(p.named_votes) for p in minutes.polls)
        print(f"{polls:>5} {rows:>7} {'build':>6} {built:>8.2f} {'':>9} {'':>10}")
        for name, fn in (
            ("docx", partial(render_docx, minutes, args.lang)),
            ("pdf", partial(render_pdf, minutes, args.lang)),
            ("md", partial(render_markdown, minutes, args.lang)),
            ("json", partial(render_json, minutes)),
        ):
            seconds, size = best_of(args.repeat, fn)
            per_k = seconds / rows * 1000 if rows else 0.0
            print(f"{polls:>5} {rows:>7} {name:>6} {seconds:>8.2f} {per_k:>9.3f} {size:>10}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
