"""Meeting definitions: read from TOML or JSON, checked field by field, written back to either
and read again equal; the shared congress.toml among them."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from rooms.definition import (
    DefinitionError,
    dumps_json,
    dumps_toml,
    loads_json,
    loads_toml,
    parse,
)
from rooms.definition_polls import create_body
from rooms.poll_definition import parse_definition
from rooms.settings import DEFAULTS
from rooms.toml_text import Inline, dumps

# The repo's copy of the shared congress.toml (the demo's), with the organisation added.
CONGRESS = resources.files("server").joinpath("assets/demo/congress.toml").read_text("utf-8")

FULL = """
documents = ["Quy chế làm việc"]

[meeting]
title = "Kỳ họp thứ 5 HĐND"
organisation = "HĐND tỉnh"
place = "Hạ Long"
timezone = "Asia/Ho_Chi_Minh"
starts = 2025-12-01T08:00:00+07:00
ends = "2025-12-01T17:00:00+07:00"
quorum = "at least 2/3 of all delegates"
majority = "more than 1/2 of all delegates"

[meeting.settings]
hybrid = true
proxy_limit = 2
city = "Hạ Long"

[[agenda]]
title = "Khai mạc"
minutes = 5

[[agenda]]
id = "nq"
title = "Các nghị quyết"
kind = "vote"
minutes = 60

[[agenda.items]]
title = "Nghị quyết về ngân sách"
kind = "vote"
documents = ["Tờ trình ngân sách", "Dự thảo nghị quyết"]

[[agenda.items.polls]]
method = "yes_no_abstain"

[[agenda.items.polls]]
title = "Chọn phương án đầu tư"
method = "multiple"
options = ["Phương án A", { id = "b", label = "Phương án B" }, "Phương án C"]
min = 1
max = 2
pass = "more than 1/2 of valid ballots"
timer = 120
live_tally = true
allow_change = true

[[agenda]]
title = "Bầu Phó Chủ tịch"
kind = "election"
speaker_seconds = 90
feedback = true

[agenda.poll]
method = "approval"
seats = 1
candidates = ["Nguyễn Văn An", "Trần Thị Bình"]
secret = true
allow_abstain = false
quorum = "more than 1/2 of all delegates"

[[polls]]
id = "tham-do"
title = "Thăm dò: họp thêm buổi chiều?"
method = "single"
options = ["Có", "Không"]
"""


def test_the_shared_congress_reads_as_nine_items_and_four_prepared_polls() -> None:
    definition = loads_toml(CONGRESS)
    assert len(definition.agenda) == 9
    assert [i.kind for i in definition.agenda][:3] == ["procedural", "vote", "vote"]
    assert [p.id for p in definition.polls] == ["p2", "p3", "p7", "p8"]
    assert [p.agenda_item for p in definition.polls] == ["2", "3", "7", "8"]
    election = definition.polls[2]
    assert (election.spec.method, election.spec.seats, election.secret) == ("approval", 11, True)
    assert len(election.labels) == 14 and election.labels[0].label == "Ứng cử viên số 1"
    assert election.rule_text == "more than 1/2 of valid ballots"
    assert definition.polls[3].rule_text == "more than 1/2 of all delegates"
    assert definition.agenda[4].speaker_seconds == 420 and definition.agenda[4].feedback
    assert definition.agenda[3].documents == ("Dự thảo Báo cáo chính trị (PDF, ~60 trang)",)
    assert definition.meeting.roster == "roster.csv"
    assert definition.meeting.organisation.startswith("Ủy ban Mặt trận Tổ quốc")
    assert definition.meeting.settings == dict(DEFAULTS)


@pytest.mark.parametrize("text", [CONGRESS, FULL], ids=["congress", "full"])
def test_export_and_import_again_is_equal(text: str) -> None:
    definition = loads_toml(text)
    toml = dumps_toml(definition)
    assert loads_toml(toml) == definition
    assert loads_json(dumps_json(definition)) == definition
    # Written twice, the same text: exports can be compared and diffed.
    assert dumps_toml(loads_toml(toml)) == toml


def test_the_full_definition_holds_what_it_says() -> None:
    d = loads_toml(FULL)
    assert d.meeting.starts == "2025-12-01T08:00:00+07:00"
    assert d.meeting.settings == {**DEFAULTS, "hybrid": True, "proxy_limit": 2,
                                  "city": "Hạ Long",
                                  "majority": "more than 1/2 of all delegates"}
    assert [i.id for i in d.agenda] == ["1", "nq", "3"]
    assert d.agenda[1].items[0].id == "nq.1"
    assert [p.id for p in d.polls] == ["pnq.1", "pnq.1-2", "p3", "tham-do"]
    budget, invest, vice, loose = d.polls
    # A yes/no/abstain poll naming no rule takes the meeting's majority.
    assert budget.rule_text == "more than 1/2 of all delegates"
    assert budget.title == "Nghị quyết về ngân sách"
    assert [o.id for o in invest.labels] == ["o1", "b", "o3"]
    assert (invest.spec.min, invest.spec.max, invest.timer) == (1, 2, 120)
    assert (vice.spec.allow_abstain, vice.quorum_text, vice.rule_text) == (
        False, "more than 1/2 of all delegates", None)
    assert loose.agenda_item is None and d.documents == ("Quy chế làm việc",)


def test_every_prepared_poll_is_made_again_by_its_create_body() -> None:
    for poll in loads_toml(FULL).polls:
        assert parse_definition(poll.id, create_body(poll)) == poll


def test_every_wrong_field_is_named_and_nothing_is_kept() -> None:
    bad = {
        "meeting": {"title": "", "timezone": "Mars/Olympus", "starts": "tomorrow",
                    "quorum": "most", "settings": {"proxy_limit": 500}, "colour": "red"},
        "agenda": [
            {"title": "Một", "minutes": -1},
            {"title": "Hai", "kind": "vote", "poll": {"method": "approval", "seats": 3,
                                                     "candidates": ["A"]}},
            {"title": "Ba", "poll": {"method": "yes_no_abstain", "pass": "some"}},
            {"title": "Bốn", "poll": {"method": "single", "options": ["x"], "seat": 1}},
        ],
        "polls": [{"method": "single", "options": ["a", "b"], "item": "99"}],
        "extra": 1,
    }
    with pytest.raises(DefinitionError) as info:
        parse(bad)
    fields = [e.field for e in info.value.errors]
    assert fields == [
        "extra", "meeting.colour", "meeting.title", "meeting.starts", "meeting.timezone",
        "meeting.quorum", "meeting.settings.proxy_limit", "agenda[1]", "agenda[2].poll",
        "agenda[3].poll.rule", "agenda[4].poll.seat", "polls[1].item",
    ]
    messages = {e.field: e.message for e in info.value.errors}
    assert "minutes" in messages["agenda[1]"]
    assert "seats" in messages["agenda[2].poll"]


def test_duplicate_poll_ids_and_a_missing_meeting_are_refused() -> None:
    with pytest.raises(DefinitionError) as info:
        parse({"agenda": [{"title": "A", "poll": {"id": "x", "method": "yes_no_abstain"}}],
               "polls": [{"id": "x", "title": "B", "method": "single", "options": ["a"]}]})
    assert [e.field for e in info.value.errors] == ["meeting", "polls[2].id"]


def test_bad_toml_is_one_error_for_the_whole_file() -> None:
    with pytest.raises(DefinitionError) as info:
        loads_toml("[meeting\ntitle = 1")
    assert info.value.errors[0].field == "" and "TOML" in info.value.errors[0].message


def test_the_writer_escapes_and_reads_back() -> None:
    data = {"a": 'quote " back \\ tab\tnew\nline \x01', "key with space": [1, 2],
            "t": {"x": True, "inline": Inline(id="o1", label="Ố")},
            "list": [{"n": 1}, {"n": 2, "sub": {"deep": "yes"}}]}
    text = dumps(data)
    assert tomllib.loads(text) == data
    assert dumps(data) == text
