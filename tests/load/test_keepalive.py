"""A measured burst starts between the server's keepalive waves (load_tests/keepalive.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from load_tests.keepalive import KEEPALIVE_INTERVAL, MARGIN, Span, quiet_start


def waves(span: Span, upto: float) -> list[tuple[float, float]]:
    out, k = [], 1
    while span.first + k * KEEPALIVE_INTERVAL - MARGIN < upto:
        out.append((span.first + k * KEEPALIVE_INTERVAL - MARGIN,
                    span.last + k * KEEPALIVE_INTERVAL + MARGIN))
        k += 1
    return out


def test_a_burst_right_after_the_connects_starts_at_once() -> None:
    assert quiet_start(Span(0.0, 5.0), now=6.0, room=5.0) == 6.0


def test_a_burst_that_a_wave_would_fall_into_waits_for_its_end() -> None:
    # The first wave pings from 19.5 to 25.5 s: a burst at 17 s would run into it.
    assert quiet_start(Span(0.0, 5.0), now=17.0, room=5.0) == 25.5
    assert quiet_start(Span(0.0, 5.0), now=21.0, room=5.0) == 25.5
    assert quiet_start(Span(0.0, 5.0), now=47.0, room=5.0) == 47.0
    assert quiet_start(Span(0.0, 5.0), now=57.0, room=5.0) == 65.5


def test_no_gap_when_connecting_took_nearly_the_whole_interval() -> None:
    assert quiet_start(Span(0.0, 14.0), now=15.0, room=5.0) is None


@given(st.floats(0, 12), st.floats(0, 200), st.floats(0.5, 5))
def test_the_start_leaves_room_before_every_wave(spread: float, after: float, room: float) -> None:
    span = Span(100.0, 100.0 + spread)
    now = span.last + after
    start = quiet_start(span, now, room)
    if spread + 2 * MARGIN + room >= KEEPALIVE_INTERVAL:
        assert start is None
        return
    assert start is not None
    assert now <= start < now + KEEPALIVE_INTERVAL
    for begin, end in waves(span, start + room + KEEPALIVE_INTERVAL):
        assert end <= start or begin >= start + room
