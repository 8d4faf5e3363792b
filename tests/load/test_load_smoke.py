"""A small run of each load scenario (about 50 clients, a few seconds), so the harness in
load_tests/ cannot rot. The large runs are benchmarks (docs/performance.md), not tests.

Each run starts its own embedded Redis and run.py processes, as `python -m load_tests` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest

from load_tests import connect, crash, crash_votes, fanout, season, votes
from load_tests.crowd import Options
from load_tests.report import FIELDS, Result

pytestmark = pytest.mark.multiprocess

CLIENTS = 50


def run(coro: Coroutine[Any, Any, Result]) -> Result:
    result = asyncio.run(coro)
    assert isinstance(result, Result)
    assert list(result.to_json())[: len(FIELDS)] == list(FIELDS)
    return result


def small(**changes: object) -> Options:
    opts = Options(delegates=CLIENTS, rate=20, duration=2.0, quiet=True, drain_timeout=5.0)
    for key, value in changes.items():
        setattr(opts, key, value)
    return opts


def assert_clean(result: Result) -> None:
    assert result.acked > 0
    assert (result.lost, result.duplicates, result.gaps) == (0, 0, 0), result.to_json()
    assert result.reach == 1.0, result.to_json()


def test_connect_storm() -> None:
    result = run(connect.connect_storm(small()))
    assert_clean(result)
    assert result.acked == CLIENTS


def test_fanout() -> None:
    result = run(fanout.fanout(small()))
    assert_clean(result)
    assert result.acked == 40
    assert result.extra["delivered"] == 40 * CLIENTS
    assert 0 < result.latency_ms["p50"] <= result.latency_ms["p99"] <= result.latency_ms["max"]
    assert result.server_cpu_us_per_delivery > 0


def test_reconnect_storm() -> None:
    result = run(fanout.fanout(small(duration=3.0), "reconnect-storm", drop_share=0.3))
    assert_clean(result)
    assert result.extra["dropped"] == round((CLIENTS) * 0.3)
    assert result.extra["resumes_replay"] >= result.extra["dropped"]


def test_slow_consumer() -> None:
    # The stalled client's buffers are kept small on its side; it reads again at the end and
    # must then have everything, by replay if the server closed it as a slow consumer.
    result = run(
        fanout.fanout(
            small(server_env={"PHONGHOP_MAX_QUEUE": "16"}, pad=1400),
            "slow-consumer",
            slow_share=0.02,
        )
    )
    assert_clean(result)
    assert result.extra["slow_clients"] == 1
    assert result.extra["fast_reach"] == 1.0


def test_idle_memory() -> None:
    result = run(connect.idle_memory(small(duration=1.0)))
    assert result.acked == CLIENTS and result.reach == 1.0
    assert result.extra["rss_after_mb"] > 0


def test_two_node() -> None:
    result = run(fanout.two_node(small()))
    assert_clean(result)
    nodes = result.extra["per_node"]
    assert [n["connections"] for n in nodes] == [CLIENTS // 2, CLIENTS // 2]
    assert result.extra["one_node"]["reach"] == 1.0


def test_crash() -> None:
    result = run(crash.crash(small(rate=10, duration=4.5)))
    assert_clean(result)
    assert result.acked == 45
    assert result.extra["unacked_at_end"] == 0


# vote-burst exists once the server accepts ballot.cast (CI allows no skipped test, so the
# test is defined only then).
if votes.available():

    def test_vote_burst() -> None:
        result = run(votes.vote_burst(small()))
        assert_clean(result)
        assert result.acked == CLIENTS

    def test_vote_burst_of_a_secret_poll() -> None:
        result = run(votes.vote_burst(small(secret=True)))
        assert_clean(result)
        assert result.acked == CLIENTS
        # Reported only when some are found (each receipt hash among the published ones).
        assert "receipt_mismatches" not in result.extra
        assert (result.extra["ballots_stored"], result.extra["counted"]) == (CLIENTS, CLIENTS)

    def test_reconnect_storm_during_vote_burst() -> None:
        # 15 of the 50 drop once: 5 before sending, 5 right after sending (ack lost), 5 after
        # the ack; one in four of them comes back without its position (a snapshot).
        result = run(votes.vote_burst(small(), "reconnect-storm", drop_share=0.3))
        assert_clean(result)
        extra = result.extra
        assert result.acked == CLIENTS
        assert (extra["ballots_stored"], extra["counted"]) == (CLIENTS, CLIENTS)
        assert extra["result_received"] == CLIENTS
        assert extra["during"] == "vote-burst"
        assert extra["dropped"] == 15
        assert extra["drop_stages"] == {"before_send": 5, "after_send": 5, "after_ack": 5}
        assert (extra["resumes_replay"], extra["resumes_snapshot"]) == (12, 3)
        # The 10 dropped after sending or after the ack each send the same ballot once more;
        # the 5 after the ack must be answered replayed, the 5 whose ack was lost are replayed
        # when the ballot had reached the server before the cut (else counted then). Every
        # answer to a ballot carries the receipt of its one count.
        assert extra["sends"] == CLIENTS + 10
        assert 5 <= extra["acks_replayed"] <= 10
        assert extra["receipt_mismatches"] == 0
        assert (extra["unacked_at_end"], extra["refused"]) == (0, {})

    def test_crash_vote() -> None:
        # kill -9 the server, then the embedded Redis, while ballots arrive; every acked
        # ballot is counted once, and its replay gives the same receipt.
        result = run(crash_votes.crash_vote(small(duration=4.5)))
        assert_clean(result)
        assert result.acked == CLIENTS
        assert result.extra["unacked_at_end"] == 0
        assert result.extra["receipt_mismatches"] == 0
        assert result.extra["replay_check"] == {"same": CLIENTS}
        assert result.extra["counted"] == CLIENTS
        assert result.extra["choice_mismatches"] == 0
        # The kills landed on ballots in flight: some were sent again (same ballot_id).
        assert result.extra["cut_after_send"] > 0
        assert result.extra["retried_ballots"] >= result.extra["cut_after_send"]

    def test_crash_vote_of_a_secret_poll() -> None:
        # The same, with sealed ballots: the poll's key survives both kills (it is a file,
        # synced before a ballot uses it), and closing opens every sealed ballot once.
        result = run(crash_votes.crash_vote(small(duration=4.5, secret=True)))
        assert_clean(result)
        assert result.acked == CLIENTS
        assert result.extra["ballots_in_redis"] == CLIENTS  # who voted, in Redis
        assert result.extra["unacked_at_end"] == 0
        assert result.extra["receipt_mismatches"] == 0
        assert result.extra["replay_check"] == {"same": CLIENTS}
        assert result.extra["counted"] == CLIENTS
        assert result.extra["cut_after_send"] > 0


def test_season_on_a_cluster() -> None:
    opts = small(meetings=6, meeting_size=5, congress=20, duration=3.0)
    result = run(season.season(opts))
    assert_clean(result)
    assert result.delegates == 6 * 5 + 20
    # 3 changes a meeting at 1 Hz, every one acked; every congress ballot acked, and the
    # result reached every congress delegate.
    assert result.extra["by_size"]["5"]["changes_acked"] == 6 * 3
    assert result.extra["by_size"]["20"]["ballots_acked"] == 20
    assert result.extra["reach_by_size"] == {"5": 1.0, "20": 1.0}
    assert len(result.extra["cpu_s_per_node"]) == 2
    assert all(mb > 0 for mb in result.extra["rss_peak_mb_per_node"])
