"""rooms.minutes_model: invariants on construction, to_dict/from_dict round trip, table rows."""

from __future__ import annotations

import ast
import json
import sys
import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import rooms.minutes_model as model
from rooms.minutes_model import (
    SCHEMA,
    AbsentDelegate,
    AgendaItem,
    Attendance,
    DocumentRef,
    FeedbackSample,
    FeedbackSummary,
    LogSeal,
    MeetingInfo,
    Minutes,
    NamedVote,
    OptionResult,
    Outcome,
    PollResult,
    Proxy,
    QuorumCheck,
    Signatures,
    Speaker,
    percent,
    poll_result_rows,
)

ICT = timezone(timedelta(hours=7))


def at(hour: int, minute: int) -> datetime:
    return datetime(2025, 11, 20, hour, minute, tzinfo=ICT)


def option(key: str, label: str, count: int, base: int, entitled: int = 350) -> OptionResult:
    return OptionResult(
        key, label, count, Decimal(count), percent(count, base), percent(count, entitled)
    )


def election() -> PollResult:
    names = ["Nguyễn Thị Thảo", "Dương Xuân Hải", "Trần Kim Yến", "Lý Văn Sơn"]
    counts = [300, 290, 200, 200]
    return PollResult(
        title="Bầu Ban Thường trực",
        method="approval",
        secret=True,
        rule_text="Quá 1/2 tổng số phiếu hợp lệ",
        base_name="valid",
        base_value=336,
        eligible=345,
        cast=340,
        valid=336,
        invalid=4,
        options=tuple(
            option(f"c{i}", n, c, 336) for i, (n, c) in enumerate(zip(names, counts, strict=True))
        ),
        outcome=Outcome("elected", elected=("c0", "c1"), tied=("c2", "c3"), seats_unfilled=1),
        seats=3,
        agenda_number=2,
        opened_at=at(10, 0),
        closed_at=at(10, 40),
        receipts_digest="ab" * 32,
    )


def yes_no() -> PollResult:
    return PollResult(
        title="Thông qua Nghị quyết Đại hội",
        method="yes_no_abstain",
        secret=False,
        rule_text="Quá 1/2 tổng số đại biểu",
        base_name="entitled",
        base_value=350,
        eligible=345,
        cast=345,
        valid=345,
        invalid=0,
        options=(
            option("yes", "yes", 340, 350),
            option("no", "no", 2, 350),
            option("abstain", "abstain", 3, 350),
        ),
        outcome=Outcome("passed"),
        named_votes=(
            NamedVote("D007", "Nguyễn Văn Ánh", ("yes",), Decimal("1.5"), "Đoàn Hạ Long", "A12"),
            NamedVote("D031", "Lê Văn Đức", ("abstain",), cast_by="Nguyễn Văn Hùng"),
        ),
    )


def sample(**changes: Any) -> Minutes:
    minutes = Minutes(
        meeting=MeetingInfo(
            title="Đại hội đại biểu MTTQ Việt Nam tỉnh Quảng Ninh lần thứ XV",
            organisation="Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh",
            place="Trung tâm Hội nghị tỉnh, TP. Hạ Long",
            started_at=at(7, 30),
            ended_at=at(11, 30),
            reference="01/BB-MTTQ",
            city="Hạ Long",
        ),
        attendance=Attendance(
            entitled=350,
            present=345,
            quorum=QuorumCheck("Quá 1/2 tổng số đại biểu", True, 345, 350, at(7, 30)),
            absent=(AbsentDelegate("Lê Văn Đức", "Đoàn Cẩm Phả", "Ốm"),),
            proxies=(Proxy("Lê Văn Đức", "Nguyễn Văn Hùng", at(7, 10)),),
        ),
        agenda=(
            AgendaItem(
                1,
                "Thảo luận dự thảo Báo cáo chính trị",
                "discussion",
                at(8, 0),
                at(9, 50),
                speakers=(Speaker("Nguyễn Thị Thảo", "Đoàn Chủ tịch", 412),),
                documents=(DocumentRef("Dự thảo Báo cáo chính trị", "3", 62),),
                feedback=FeedbackSummary(
                    47, 31, 12, (FeedbackSample("Đề nghị bổ sung chỉ tiêu.", "Đoàn Đầm Hà", 23),)
                ),
                notes=("Nghỉ giải lao 15 phút.",),
            ),
            AgendaItem(2, "Bầu Ban Thường trực", "election", at(10, 0), None),
        ),
        polls=(election(), yes_no()),
        log=LogSeal(4821, "0f" * 32),
        signatures=Signatures(chair="Dương Xuân Hải", secretary="Trần Kim Yến"),
        status="final",
        language="vi",
        generated_at=at(11, 40),
    )
    return replace(minutes, **changes) if changes else minutes


# --- percent ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (2, 3, "66.67"),
        (1, 8, "12.50"),
        (1, 800, "0.13"),  # 0.125 rounds half up
        (330, 345, "95.65"),
        (5, 0, "0.00"),
        (Decimal("1.5"), Decimal("3"), "50.00"),
    ],
)
def test_percent_rounds_half_up_from_the_exact_ratio(
    part: int | Decimal, whole: int | Decimal, expected: str
) -> None:
    assert percent(part, whole) == Decimal(expected)
    assert str(percent(part, whole)) == expected


# --- construction -------------------------------------------------------------------------


def test_strings_become_nfc_on_construction() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Thảo")
    speaker = Speaker(nfd, nfd)
    assert speaker.name == "Nguyễn Thị Thảo" and speaker.delegation == "Nguyễn Thị Thảo"
    item = AgendaItem(1, nfd, notes=(nfd, "Ghi chú"))
    assert item.title == "Nguyễn Thị Thảo"
    assert item.notes == ("Nguyễn Thị Thảo", "Ghi chú")


def test_times_must_carry_a_timezone() -> None:
    with pytest.raises(ValueError, match="timezone"):
        Proxy("A", "B", datetime(2025, 11, 20, 7, 0))


def test_ballot_counts_must_add_up() -> None:
    with pytest.raises(ValueError, match="cast"):
        replace(yes_no(), invalid=1)


def test_outcome_refers_to_existing_options() -> None:
    with pytest.raises(ValueError, match="unknown options"):
        replace(election(), outcome=Outcome("elected", elected=("nobody",)))
    with pytest.raises(ValueError, match="duplicate"):
        replace(yes_no(), options=yes_no().options + (yes_no().options[0],))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Speaker("A", seconds=-1),
        lambda: Attendance(10, 11, QuorumCheck("r", True, 11, 10)),
        lambda: Attendance(10, 5, QuorumCheck("r", True, 5, 10), present_weight=Decimal("-1")),
        lambda: Attendance(10, 5, QuorumCheck("r", True, 5, 10), present_weight=Decimal("NaN")),
        lambda: LogSeal(-1, "00"),
        lambda: LogSeal(1, "not-hex"),
        lambda: Outcome("won"),  # type: ignore[arg-type]
        lambda: sample(status="signed"),
        lambda: sample(language="fr"),
    ],
)
def test_impossible_values_are_refused(build: Any) -> None:
    with pytest.raises(ValueError):
        build()


def test_weighted_only_when_weights_differ_from_counts() -> None:
    plain = Attendance(10, 5, QuorumCheck("r", True, 5, 10), Decimal(10), Decimal(5))
    assert not plain.weighted
    assert replace(plain, present_weight=Decimal("5.5")).weighted
    assert not yes_no().weighted
    heavy = replace(yes_no().options[0], weight=Decimal("341.5"))
    assert replace(yes_no(), options=(heavy,) + yes_no().options[1:]).weighted


def test_option_status_and_quorum_percent() -> None:
    poll = election()
    assert [poll.option_status(o.key) for o in poll.options] == [
        "elected",
        "elected",
        "tied",
        "tied",
    ]
    assert poll.option("c2").label == "Trần Kim Yến"
    assert sample().attendance.quorum.percent == Decimal("98.57")
    assert sample().attendance.absent_count == 5


# --- to_dict / from_dict ------------------------------------------------------------------


def test_to_dict_is_json_with_the_documented_keys() -> None:
    data = sample().to_dict()
    assert list(data) == [
        "schema",
        "status",
        "language",
        "generated_at",
        "meeting",
        "attendance",
        "agenda",
        "questions",
        "polls",
        "log",
        "signatures",
    ]
    assert data["schema"] == SCHEMA
    text = json.dumps(data, ensure_ascii=False)
    assert "Nguyễn Thị Thảo" in text
    poll = json.loads(text)["polls"][0]
    assert poll["options"][0] == {
        "key": "c0",
        "label": "Nguyễn Thị Thảo",
        "count": 300,
        "weight": "300",
        "pct_of_base": "89.29",
        "pct_of_entitled": "85.71",
    }
    assert poll["outcome"] == {
        "decision": "elected",
        "elected": ["c0", "c1"],
        "tied": ["c2", "c3"],
        "seats_unfilled": 1,
        "note": "",
    }
    assert json.loads(text)["meeting"]["started_at"] == "2025-11-20T07:30:00+07:00"


def test_every_key_named_in_the_module_docstring() -> None:
    doc = model.__doc__ or ""

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    missing = {k for k in keys(sample().to_dict()) if k not in doc}
    assert not missing


def test_round_trip_through_json_text() -> None:
    original = sample()
    again = Minutes.from_dict(json.loads(json.dumps(original.to_dict())))
    assert again == original
    draft = sample(status="draft", language="en", generated_at=None, polls=())
    assert Minutes.from_dict(json.loads(json.dumps(draft.to_dict()))) == draft


def _broken(path: list[str | int], value: object) -> dict[str, Any]:
    data: Any = json.loads(json.dumps(sample().to_dict()))
    target = data
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return dict(data)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["schema"], "phonghop.minutes/0", "schema"),
        (["attendance", "present"], True, "attendance.present: expected an integer"),
        (["attendance", "present"], "345", "attendance.present"),
        (["meeting", "started_at"], "hôm qua", "meeting.started_at"),
        (["meeting", "title"], KeyError, "meeting.title: missing"),
        (["polls", 0, "options", 0, "weight"], 300.0, r"polls\[0\].options\[0\].weight"),
        (["polls", 0, "options", 0, "pct_of_base"], "abc", "pct_of_base"),
        (["polls", 0, "outcome", "decision"], "won", "decision"),
        (["agenda", 0, "notes"], [1], "agenda\\[0\\].notes"),
        (["agenda"], {}, "agenda: expected a list"),
    ],
)
def test_from_dict_refuses_what_to_dict_never_writes(
    path: list[str | int], value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Minutes.from_dict(_broken(path, value))


# --- named votes ------------------------------------------------------------------------


def test_named_votes_are_written_with_a_stable_shape_and_read_back() -> None:
    poll = json.loads(json.dumps(sample().to_dict()))["polls"][1]
    assert poll["named_votes"] == [
        {
            "code": "D007",
            "name": "Nguyễn Văn Ánh",
            "delegation": "Đoàn Hạ Long",
            "seat": "A12",
            "choice": ["yes"],
            "weight": "1.5",
            "cast_by": None,
        },
        {
            "code": "D031",
            "name": "Lê Văn Đức",
            "delegation": "",
            "seat": "",
            "choice": ["abstain"],
            "weight": "1",
            "cast_by": "Nguyễn Văn Hùng",
        },
    ]
    assert Minutes.from_dict(sample().to_dict()).polls[1].named_votes == yes_no().named_votes


def test_a_secret_poll_never_lists_who_chose_what() -> None:
    assert json.loads(json.dumps(sample().to_dict()))["polls"][0]["named_votes"] == []
    vote = NamedVote("D007", "Nguyễn Văn Ánh", ("c0",))
    with pytest.raises(ValueError, match="secret"):
        replace(election(), named_votes=(vote,))
    data = json.loads(json.dumps(sample().to_dict()))
    data["polls"][0]["named_votes"] = [data["polls"][1]["named_votes"][0]]
    with pytest.raises(ValueError, match="secret"):
        Minutes.from_dict(data)


def test_a_named_vote_names_options_of_its_poll() -> None:
    with pytest.raises(ValueError, match="unknown option"):
        replace(yes_no(), named_votes=(NamedVote("D1", "A B", ("maybe",)),))
    # A blank ballot (no option) is a valid vote.
    assert replace(yes_no(), named_votes=(NamedVote("D1", "A B", ()),)).named_votes[0].choice == ()


def roll_call() -> PollResult:
    """A small named poll in which everyone eligible is listed: 3 eligible, 2 ballots."""
    return replace(
        yes_no(),
        base_name="valid",
        base_value=2,
        eligible=3,
        cast=2,
        valid=2,
        invalid=0,
        options=(option("yes", "yes", 1, 2), option("no", "no", 1, 2)),
        named_votes=(
            NamedVote("D007", "Nguyễn Văn Ánh", ("yes",)),
            NamedVote("D031", "Lê Văn Đức", None, cast_by="Nguyễn Văn Ánh"),
            NamedVote("D012", "Trần Thị Loan", ("no",)),
        ),
    )


def test_a_voter_who_did_not_vote_is_written_with_a_null_choice_and_read_back() -> None:
    minutes = sample(polls=(roll_call(),))
    data = json.loads(json.dumps(minutes.to_dict()))
    silent = data["polls"][0]["named_votes"][1]
    # null, never []: [] is a blank ballot that was cast and counted.
    assert silent["choice"] is None and silent["cast_by"] == "Nguyễn Văn Ánh"
    assert [v["choice"] for v in data["polls"][0]["named_votes"]] == [["yes"], None, ["no"]]
    assert Minutes.from_dict(data) == minutes


def test_a_roll_call_must_agree_with_the_polls_counts() -> None:
    """Once a non-voter is listed the list is every eligible voter, the ballots the cast."""
    poll = roll_call()
    extra = NamedVote("D099", "Vũ Thị Ênh", None)
    with pytest.raises(ValueError, match="roll call"):
        replace(poll, named_votes=(*poll.named_votes, extra))  # 4 listed, 3 eligible
    with pytest.raises(ValueError, match="roll call"):
        replace(poll, eligible=4, named_votes=(*poll.named_votes[:2], extra))  # 1 ballot, 2 cast
    assert replace(poll, eligible=4, named_votes=(*poll.named_votes, extra)).eligible == 4
    # A list of ballots only (written before non-voters were listed) is not checked so.
    assert replace(poll, eligible=9, named_votes=poll.named_votes[::2]).eligible == 9
    data: dict[str, Any] = sample(polls=(poll,)).to_dict()
    data["polls"][0]["eligible"] = 5
    with pytest.raises(ValueError, match="roll call"):
        Minutes.from_dict(data)


def test_minutes_written_before_named_votes_existed_still_read() -> None:
    data = json.loads(json.dumps(sample().to_dict()))
    for poll in data["polls"]:
        del poll["named_votes"]
    assert Minutes.from_dict(data).polls[1].named_votes == ()


# --- rows for the tables ------------------------------------------------------------------


def test_poll_result_rows_one_per_option_with_its_result() -> None:
    rows = poll_result_rows([election(), yes_no()])
    assert [(r.option, r.result) for r in rows] == [
        ("Nguyễn Thị Thảo", "elected"),
        ("Dương Xuân Hải", "elected"),
        ("Trần Kim Yến", "tied"),
        ("Lý Văn Sơn", "tied"),
        ("yes", "passed"),
        ("no", "passed"),
        ("abstain", "passed"),
    ]
    assert rows[0].pct_of_base == Decimal("89.29") and rows[0].option_key == "c0"
    assert rows[4].pct_of_entitled == Decimal("97.14")


# --- purity -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "module", ["minutes_model.py", "minutes_sections.py", "minutes_json.py", "vietnamese.py"]
)
def test_imports_only_stdlib_and_rooms(module: str) -> None:
    source = Path(model.__file__).with_name(module).read_text(encoding="utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    foreign = {m for m in imported if m not in sys.stdlib_module_names and m != "rooms"}
    assert not foreign
    assert not imported & {"time", "uuid", "random", "asyncio"}


def test_polls_carry_their_log_id_and_older_files_without_it_still_read() -> None:
    from rooms.minutes_builder import build_minutes
    from tests.rooms.minutes_fixtures import partial_named_meeting

    built = build_minutes(partial_named_meeting().entries, final=True)
    data: dict[str, Any] = built.to_dict()
    assert [p["poll_id"] for p in data["polls"]] == [p.poll_id for p in built.polls]
    assert all(p.poll_id for p in built.polls)
    assert Minutes.from_dict(data) == built
    for poll in data["polls"]:
        del poll["poll_id"]  # a file written before the field existed
    assert [p.poll_id for p in Minutes.from_dict(data).polls] == [""] * len(built.polls)
