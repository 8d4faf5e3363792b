"""A small run of `python -m load_tests compare`'s rounds (about 30 clients) against each
target, so the harness cannot rot (python-socketio, the peer, is a test dependency)."""

from __future__ import annotations

import asyncio

import pytest

from load_tests import compare
from load_tests.crowd import Options
from load_tests.report import FIELDS, Result

pytestmark = pytest.mark.multiprocess

CLIENTS = 30


def small() -> Options:
    return Options(delegates=CLIENTS, rate=20, duration=1.0, quiet=True, drain_timeout=5.0)


def run_round(scenario: str, target: str) -> Result:
    result = asyncio.run(compare.one_round(compare.SCENARIOS[scenario], target, small()))
    assert list(result.to_json())[: len(FIELDS)] == list(FIELDS)
    assert (result.scenario, result.target) == (scenario, target)
    return result


def test_unsupported_scenario_exits_2_naming_the_supported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exc:
        asyncio.run(compare.compare("crash", small(), rounds=1))
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "'crash'" in err
    assert all(name in err for name in ("fanout", "idle-memory", "connect-storm"))


def test_summary_medians_and_ratios_to_the_floor() -> None:
    def row(kib: float) -> dict[str, object]:
        extra = {"rss_per_connection_kib": kib, "rss_before_mb": 1.0, "rss_after_mb": 2.0}
        return {"reach": 1.0, "extra": extra}

    runs = {
        "phonghop": [row(19.0), row(21.0), row(20.0)],
        "socketio-peer": [row(40.0), row(40.0), row(41.0)],
        "websockets-floor": [row(10.0), row(14.0), row(10.0)],
    }
    compared = compare.SCENARIOS["idle-memory"]
    summary = compare.summarize("idle-memory", compared, small(), 3, runs)
    assert summary["medians"]["phonghop"]["rss_per_connection_kib"] == 20.0
    assert summary["ratios"] == {
        "phonghop/floor": {"rss_per_connection": 2.0},
        "peer/floor": {"rss_per_connection": 4.0},
    }


def test_idle_memory_floor() -> None:
    result = run_round("idle-memory", "websockets-floor")
    assert result.acked == CLIENTS and result.reach == 1.0
    assert result.extra["rss_after_mb"] > 0


def test_connect_storm_floor_and_phonghop() -> None:
    for target in ("websockets-floor", "phonghop"):
        result = run_round("connect-storm", target)
        assert result.acked == CLIENTS and result.lost == 0, result.to_json()
        assert 0 < result.latency_ms["p50"] <= result.latency_ms["p99"]


def test_fanout_floor() -> None:
    result = run_round("fanout", "websockets-floor")
    assert (result.gaps, result.duplicates, result.reach) == (0, 0, 1.0), result.to_json()


@pytest.mark.parametrize("scenario", ["fanout", "idle-memory", "connect-storm"])
def test_socketio_peer(scenario: str) -> None:
    result = run_round(scenario, "socketio-peer")
    assert result.reach == 1.0, result.to_json()


@pytest.mark.parametrize("secret", [False, True])
def test_vote_burst_floor(secret: bool) -> None:
    opts = small()
    opts.secret = secret
    compared = compare.scenario_of("vote-burst")
    assert compared is not None
    result = asyncio.run(compare.one_round(compared, "websockets-vote-floor", opts))
    assert (result.scenario, result.target) == ("vote-burst", "websockets-vote-floor")
    assert (result.acked, result.lost, result.duplicates) == (CLIENTS, 0, 0), result.to_json()
    # Every ballot in Redis, and no other (the connection that says "open" does not vote).
    assert result.extra["ballots_stored"] == CLIENTS
    assert 0 < result.latency_ms["p50"] <= result.latency_ms["p99"]


def test_vote_burst_summary_is_phonghop_against_the_vote_floor() -> None:
    def row(cpu_s: float, p99: float) -> dict[str, object]:
        extra = {"burst_server_cpu_s": cpu_s, "burst_s": 1.0}
        return {"acked": 1000, "lost": 0, "duplicates": 0, "extra": extra,
                "latency_ms": {"p50": p99 / 2, "p99": p99}}

    runs = {
        "phonghop": [row(0.6, 400.0), row(0.5, 300.0), row(0.7, 500.0)],
        "websockets-vote-floor": [row(0.2, 200.0), row(0.25, 100.0), row(0.3, 150.0)],
    }
    compared = compare.scenario_of("vote-burst")
    assert compared is not None
    summary = compare.summarize("vote-burst", compared, small(), 3, runs)
    assert summary["medians"]["phonghop"]["cpu_us_per_ballot"] == 600.0
    assert summary["ratios"] == {"phonghop/floor": {"cpu_per_ballot": 2.4, "ack_p99": 2.67}}
    assert summary["poll"] == "named"
