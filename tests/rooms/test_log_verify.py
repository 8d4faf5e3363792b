"""Verifying an exported log: an intact chain passes; one changed byte names its event."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from protocol.canonical import GENESIS
from rooms.log_verify import verify_export
from tests.rooms.minutes_fixtures import full_meeting


def export() -> dict[str, Any]:
    m = full_meeting()
    data = {
        "meeting": "m1",
        "epoch": "e1",
        "genesis": GENESIS,
        "hash_algorithm": "sha256-chain-v1",
        "events": [{"seq": e.seq, **e.event.to_dict(), "hash": e.hash} for e in m.entries],
        "final_hash": m.hash,
    }
    # As a reader of the file gets it.
    return dict(json.loads(json.dumps(data, ensure_ascii=False)))


def test_an_intact_log_verifies_to_its_final_hash() -> None:
    data = export()
    verdict = verify_export(data)
    assert verdict.ok
    assert verdict.final_hash == data["final_hash"]
    assert verdict.event_count == len(data["events"])
    assert verify_export(data, expected_final=data["final_hash"].upper()).ok


def test_one_changed_byte_names_that_event() -> None:
    data = export()
    target = next(i for i, e in enumerate(data["events"]) if e["kind"] == "attendance.absent")
    event = data["events"][target]
    event["body"]["reason"] = event["body"]["reason"].replace("Ốm", "Om")
    verdict = verify_export(data)
    assert not verdict.ok and verdict.failure is not None
    assert verdict.failure.seq == event["seq"] and verdict.failure.kind == "attendance.absent"
    assert verdict.event_count == target  # everything before it still verifies
    assert "attendance.absent" in verdict.failure.describe()


def test_each_kind_of_change_is_caught_at_its_event() -> None:
    changes: dict[str, Callable[[dict[str, Any]], None]] = {
        "time": lambda e: e.__setitem__("at", e["at"] + 1),
        "actor": lambda e: e.__setitem__("actor", "D4"),
        "kind": lambda e: e.__setitem__("kind", "meeting.adjourned"),
        "hash": lambda e: e.__setitem__("hash", "0" * 64),
        "int to float": lambda e: e.__setitem__("at", float(e["at"])),
        "added field": lambda e: e.__setitem__("note", "x"),
        "seq": lambda e: e.__setitem__("seq", 99),
    }
    for name, change in changes.items():
        data = export()
        change(data["events"][5])
        verdict = verify_export(data)
        assert verdict.failure is not None and verdict.failure.index == 5, name


def test_a_removed_or_swapped_event_breaks_the_chain_there() -> None:
    data = export()
    del data["events"][3]
    verdict = verify_export(data)
    assert verdict.failure is not None and verdict.failure.index == 3
    data = export()
    data["events"][3], data["events"][4] = data["events"][4], data["events"][3]
    verdict = verify_export(data)
    assert verdict.failure is not None and verdict.failure.index == 3


def test_a_truncated_log_fails_on_its_final_hash_or_the_expected_one() -> None:
    data = export()
    final = data["final_hash"]
    data["events"] = data["events"][:-2]
    assert "final_hash" in verify_export(data).problem
    data.pop("final_hash")
    verdict = verify_export(data, expected_final=final)
    assert not verdict.ok and "expected" in verdict.problem


def test_wrong_algorithm_or_shape_is_a_problem_with_the_file() -> None:
    data = export()
    data["hash_algorithm"] = "md5"
    assert "algorithm" in verify_export(data).problem
    assert "events" in verify_export({"events": "nope"}).problem
    data = export()
    data["events"][2] = "garbage"
    verdict = verify_export(data)
    assert verdict.failure is not None and verdict.failure.seq is None


def test_an_empty_log_verifies_to_genesis() -> None:
    verdict = verify_export({"events": [], "final_hash": GENESIS})
    assert verdict.ok and verdict.final_hash == GENESIS


def test_the_export_is_not_modified() -> None:
    data = export()
    before = copy.deepcopy(data)
    verify_export(data)
    assert data == before
