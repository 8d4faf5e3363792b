"""A small run of scripts/bench_ballot.py (the ballot path's steps, in-process), so that the
quick companion of `compare vote-burst` cannot rot; its figures are benchmarks, not tests."""

from __future__ import annotations

import pytest

from scripts.bench_ballot import main

STEPS = ["decode", "body schema", "decision", "guards packed", "ack on the wire"]


def test_every_step_of_a_named_and_a_secret_ballot_is_timed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--delegates", "30", "--repeat", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["step", "named", "secret"]
    rows = {line[:18].strip(): [float(x) for x in line[18:].split()] for line in lines[2:]}
    assert list(rows) == [*STEPS, "total"]
    assert all(named > 0 and secret > 0 for named, secret in rows.values())
    assert rows["total"] == pytest.approx([sum(rows[s][i] for s in STEPS) for i in (0, 1)],
                                          abs=0.5)
