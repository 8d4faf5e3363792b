"""python -m load_tests SCENARIO [options] --json OUT.json

Scenarios: connect-storm, fanout, reconnect-storm, slow-consumer, idle-memory, two-node,
crash, vote-burst, crash-vote and season (when the server has ballot.cast); and ``compare SCENARIO``
for the side-by-side run against the python-socketio peer and the bare websockets floor.
``reconnect-storm --during vote-burst`` drops clients during a vote burst instead of a fanout.
docs/performance.md describes each one, the JSON fields and the recorded figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from load_tests.crowd import Options
from load_tests.report import Result, print_table, write_json

Scenario = Callable[[Options], Coroutine[Any, Any, Result]]
DURING = ("fanout", "vote-burst")  # what reconnect-storm's drops happen in


def scenarios() -> dict[str, Scenario]:
    from load_tests import connect, crash, crash_votes, fanout, season, votes

    table: dict[str, Scenario] = {
        "connect-storm": connect.connect_storm,
        "fanout": fanout.fanout,
        "reconnect-storm": reconnect_storm,
        "slow-consumer": lambda o: fanout.fanout(o, "slow-consumer", slow_share=o.slow_share),
        "idle-memory": connect.idle_memory,
        "two-node": fanout.two_node,
        "crash": crash.crash,
    }
    if votes.available():
        table["vote-burst"] = votes.vote_burst
        table["crash-vote"] = crash_votes.crash_vote
        table["season"] = season.season
    return table


async def reconnect_storm(opts: Options) -> Result:
    """A share of the clients drop once and resume, during a fanout or a vote burst."""
    from load_tests import fanout, votes

    if opts.during == "vote-burst":
        if not votes.available():
            raise SystemExit("reconnect-storm --during vote-burst: the server has no ballot.cast")
        result = await votes.vote_burst(opts, "reconnect-storm", drop_share=opts.drop_share)
    else:
        result = await fanout.fanout(opts, "reconnect-storm", drop_share=opts.drop_share)
    result.extra = {"during": opts.during, **result.extra}
    return result


def cpus(text: str | None) -> set[int] | None:
    if not text:
        return None
    return {int(c) for c in text.split(",")}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m load_tests",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenario", help="a scenario name, or 'compare'")
    parser.add_argument("compared", nargs="?", help="with 'compare': the scenario to compare")
    parser.add_argument("-n", "--delegates", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0, help="changes per second (Hz)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load")
    parser.add_argument("--target", help="URL of an already running server (else one is started)")
    parser.add_argument("--nodes", type=int, default=1, help="server processes on one Redis")
    parser.add_argument(
        "--source-ips",
        type=int,
        default=1,
        help="spread client sockets over 127.0.0.2 … 127.0.0.(1+N)",
    )
    parser.add_argument("--connect-concurrency", type=int, default=200)
    parser.add_argument("--drop-share", type=float, default=0.2)
    parser.add_argument(
        "--during",
        choices=DURING,
        help="reconnect-storm: drop clients during a fanout (default) or a vote burst",
    )
    parser.add_argument("--slow-share", type=float, default=0.01)
    parser.add_argument("--pad", type=int, default=0, help="extra characters per fan-out event")
    parser.add_argument("--server-cpus", help="pin the server and Redis, e.g. 0")
    parser.add_argument("--load-cpus", help="pin this load process, e.g. 1")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for run.py (e.g. PHONGHOP_MAX_QUEUE=64)",
    )
    parser.add_argument(
        "--secret",
        action="store_true",
        help="vote-burst, crash-vote: a secret poll (sealed ballots) instead of a named one",
    )
    parser.add_argument("--rounds", type=int, default=5, help="compare: measured rounds")
    parser.add_argument("--meetings", type=int, default=500, help="season: small meetings")
    parser.add_argument("--meeting-size", type=int, default=20,
                        help="season: delegates of each small meeting")
    parser.add_argument("--congress", type=int, default=2000,
                        help="season: delegates of the congress that votes")
    parser.add_argument("--json", dest="json_path", help="write the result here")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    return parser


def options(args: argparse.Namespace) -> Options:
    env = dict(item.split("=", 1) for item in args.server_env)
    return Options(
        delegates=args.delegates,
        rate=args.rate,
        duration=args.duration,
        target=args.target,
        nodes=args.nodes,
        source_ips=args.source_ips,
        connect_concurrency=args.connect_concurrency,
        drop_share=args.drop_share,
        during=args.during or DURING[0],
        slow_share=args.slow_share,
        pad=args.pad,
        secret=args.secret,
        server_cpus=cpus(args.server_cpus),
        load_cpus=cpus(args.load_cpus),
        server_env=env,
        quiet=args.quiet,
        meetings=args.meetings,
        meeting_size=args.meeting_size,
        congress=args.congress,
    )


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    opts = options(args)
    raise_fd_limit()
    # Thousands of long-lived client objects make each full collection a pause that would be
    # measured as server latency; the clients create few cycles, so collect rarely.
    gc.set_threshold(200_000, 100, 1000)
    if opts.load_cpus and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, opts.load_cpus)
    if args.scenario == "compare":
        from load_tests.compare import compare

        if not args.compared:
            print("compare needs a scenario, e.g. compare fanout", file=sys.stderr)
            return 2
        summary = asyncio.run(compare(args.compared, opts, rounds=args.rounds))
        write_json(summary, args.json_path)
        return 0
    if args.during and args.scenario != "reconnect-storm":
        print("--during is an option of reconnect-storm", file=sys.stderr)
        return 2
    if args.secret and args.scenario not in ("vote-burst", "crash-vote", "reconnect-storm"):
        print("--secret is an option of the vote scenarios", file=sys.stderr)
        return 2
    table = scenarios()
    run = table.get(args.scenario)
    if run is None:
        print(
            f"unknown scenario {args.scenario!r}; one of: {', '.join(table)}, compare",
            file=sys.stderr,
        )
        return 2
    result = asyncio.run(run(opts))
    if opts.secret:
        result.extra = {"poll": "secret", **result.extra}
    print_table(result)
    write_json(result, args.json_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
