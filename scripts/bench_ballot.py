"""What each step of a ballot costs the server, in-process: a meeting of N delegates all
checked in, an open poll (named, then secret), and every delegate's ballot frame taken
through the steps the WebSocket path runs — decode, body schema, decision (eligibility,
receipt, record, guards), the group commit's packing of its guards (sealing, for the secret
poll) and the ack on the wire. Best of R rounds, in µs per ballot.

Not a test and not the burst: no event loop, socket or Redis. It is the quick, quiet
companion of ``python -m load_tests compare vote-burst`` (minutes, and ±15% from one window
to the next on a shared machine): run it before and after a change to the ballot path.

    python -m scripts.bench_ballot                      # 5,000 delegates, 5 rounds
    python -m scripts.bench_ballot --delegates 500 --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import msgpack
import redis.asyncio as aioredis

from protocol.codec import decode_client, encode_ack
from protocol.commands import validate_command
from protocol.messages import Cmd
from rooms import aggregate
from rooms.aggregate import fold
from rooms.decision import Context, Decision
from rooms.model import Command
from rooms.state import MeetingState
from server.receipts import Receipts
from server.sealing import Sealer
from server.store import Store
from server.ws_transport import unmasked
from tests.rooms.test_polls import CHAIR, T0, YNA, given, when, who

MEETING = "m1"


def open_poll(delegates: int, secret: bool) -> MeetingState:
    ids = tuple(f"D{n}" for n in range(1, delegates + 1))
    events = given(delegates=delegates, checked_in=("C1", "S1", *ids))
    events += when(events, "poll.create", CHAIR, {**YNA, "secret": secret})
    events += when(events, "poll.open", CHAIR, {"poll": YNA["id"]}, now=T0 + 200)
    return fold(events)


def frames(delegates: int) -> list[bytes]:
    return [msgpack.packb({"v": 1, "type": "cmd", "id": f"c{n}", "kind": "ballot.cast",
                           "body": {"poll": YNA["id"], "choice": ("yes", "no", "abstain")[n % 3],
                                    "ballot_id": f"b-{n:05d}-0123456789"}})
            for n in range(1, delegates + 1)]


def best_per_item(repeat: int, items: list[Any], step: Callable[[Any], Any]) -> float:
    """Best µs per item over ``repeat`` passes of ``step`` over every item."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for item in items:
            step(item)
        best = min(best, time.perf_counter() - start)
    return best / len(items) * 1e6


def steps(state: MeetingState, delegates: int, repeat: int) -> dict[str, float]:
    receipts = Receipts(b"r" * 32)
    ctx = Context(now=T0 + 300, new_id=lambda prefix: prefix + "0",
                  receipt=lambda p, v, b: receipts(MEETING, p, v, b), badge=lambda t: t)
    store = Store(aioredis.Redis(), Sealer(b"s" * 32))  # never connects: packing only
    raw = frames(delegates)
    cmds: list[Cmd] = [decode_client(f, "msgpack") for f in raw]  # type: ignore[misc]
    bodies = [(c, validate_command(c.kind, c.body)) for c in cmds]
    commands = [Command(c.kind, body, who(f"D{n}"))
                for n, (c, body) in enumerate(bodies, start=1)]
    decisions: list[Decision] = [aggregate.decide(state, c, ctx) for c in commands]
    assert all(d.guards and not d.events for d in decisions), "every ballot claims its voter"

    def pack(decision: Decision) -> None:
        store._add_guards(MEETING, decision.guards, [], {}, [])

    def ack(item: tuple[Cmd, Decision]) -> bytes:
        cmd, decision = item
        return unmasked(encode_ack(cmd.id, 0, dict(decision.result), "msgpack"))

    return {
        "decode": best_per_item(repeat, raw, lambda f: decode_client(f, "msgpack")),
        "body schema": best_per_item(repeat, cmds, lambda c: validate_command(c.kind, c.body)),
        "decision": best_per_item(repeat, commands, lambda c: aggregate.decide(state, c, ctx)),
        "guards packed": best_per_item(repeat, decisions, pack),
        "ack on the wire": best_per_item(repeat, list(zip(cmds, decisions, strict=True)), ack),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delegates", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()}, {args.delegates} delegates, best of "
          f"{args.repeat}, µs per ballot")
    table = {poll: steps(open_poll(args.delegates, poll == "secret"), args.delegates,
                         args.repeat)
             for poll in ("named", "secret")}
    print(f"{'step':<18}{'named':>10}{'secret':>10}")
    for step in table["named"]:
        print(f"{step:<18}{table['named'][step]:>10.1f}{table['secret'][step]:>10.1f}")
    totals = {poll: sum(row.values()) for poll, row in table.items()}
    print(f"{'total':<18}{totals['named']:>10.1f}{totals['secret']:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
