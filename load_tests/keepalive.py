"""Starting a measured burst between the server's keepalive waves.

Both servers under test ping every WebSocket 20 s after it opened, then every 20 s (uvicorn's
``ws_ping_interval`` and websockets' ``ping_interval``, both left at their default). A hall
whose tablets connect over many minutes spreads those pings evenly. The harness connects
thousands of clients within seconds, so the server pings them all within the same seconds,
every 20 s: a wave of thousands of pings and pongs that no hall makes. A burst the wave falls
into measures the wave too, in one round and not the next. (It fell into phonghop's vote
bursts, whose check-ins put the poll's opening 15–25 s after the connects, and not into the
floor's, which opens at once: 0.40–0.64 s of server CPU for the same 5,000 ballots with the
pings, 0.42–0.48 s without them; docs/performance.md.) Every target's burst starts the same
way: at the first moment with no wave due within ``room`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

KEEPALIVE_INTERVAL = 20.0
# How far a server's ping may fall from the client's view of when the connection opened.
MARGIN = 0.5


@dataclass(frozen=True)
class Span:
    """When a crowd connected, in ``time.monotonic()``: the first attempt began, the last
    connection was open."""

    first: float
    last: float


def quiet_start(span: Span, now: float, room: float,
                interval: float = KEEPALIVE_INTERVAL) -> float | None:
    """The first moment from ``now`` after which ``room`` seconds hold none of the waves
    (``[first + k·interval, last + k·interval]``, k ≥ 1, widened by ``MARGIN``); None when
    the waves leave no such gap (connecting took nearly the whole interval)."""
    if span.last - span.first + 2 * MARGIN + room >= interval:
        return None
    start = now
    k = 1
    while True:
        wave_start = span.first + k * interval - MARGIN
        wave_end = span.last + k * interval + MARGIN
        if wave_start >= start + room:
            return start
        if wave_end > start:
            start = wave_end
        k += 1
