"""Roster CSV import: every row or none, bad rows reported by number, names stored NFC."""

from __future__ import annotations

import unicodedata
from importlib import resources

import pytest

from rooms.aggregate import fold
from rooms.model import Actor, Command, Event, Rejected, Role
from rooms.roster import MAX_ROSTER, RosterError, RosterReason, parse_roster_csv
from tests.rooms.contexts import decide

HEADER = "code,full_name,delegation,title,seat,weight,role\n"


def test_the_demo_roster_parses() -> None:
    data = resources.files("server").joinpath("assets/demo/roster.csv").read_bytes()
    people = parse_roster_csv(data)
    assert len(people) == 350
    assert people[0].id == "DB0001" and people[0].role == Role.CHAIR
    assert people[0].full_name == "Dương Xuân Hải"
    assert sum(p.role == Role.DELEGATE for p in people) > 300


def test_bom_semicolons_and_vietnamese_headers() -> None:
    text = (
        "\ufeffMã;Họ và tên;Đoàn;Vai trò\nA1;Lê Văn Tám;Hạ Long;đại biểu\nA2;Phạm Thị Hoa;;thư ký\n"
    )
    people = parse_roster_csv(text.encode("utf-8"))
    assert [(p.id, p.full_name, p.role) for p in people] == [
        ("A1", "Lê Văn Tám", Role.DELEGATE),
        ("A2", "Phạm Thị Hoa", Role.SECRETARY),
    ]


def test_names_arrive_nfd_and_are_stored_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn Hùng")
    [person] = parse_roster_csv((HEADER + f"A1,{nfd},Đoàn,,,1,delegate\n").encode())
    assert person.full_name == "Nguyễn Văn Hùng"
    assert unicodedata.is_normalized("NFC", person.full_name)


def test_bad_rows_are_all_reported_with_their_line_numbers() -> None:
    text = (
        HEADER
        + "A1,Lê Văn Tám,,,,1,delegate\n"
        + "A 2,Bad Code,,,,1,delegate\n"
        + "A3,,,,,1,delegate\n"
        + "A4,Weight,,,,abc,delegate\n"
        + "A1,Repeated,,,,1,delegate\n"
        + "A6,Role,,,,1,emperor\n"
        + "A7,Short\n"
    )
    with pytest.raises(RosterError) as info:
        parse_roster_csv(text.encode())
    assert [e.row for e in info.value.errors] == [3, 4, 5, 6, 7, 8]
    assert "repeats row 2" in info.value.errors[3].message


def test_each_bad_row_carries_its_reason_and_the_values_it_names() -> None:
    text = (
        HEADER
        + "A1,Lê Văn Tám,,,,1,delegate\n"
        + "A 2,Bad Code,,,,1,delegate\n"
        + "A3,,,,,1,delegate\n"
        + "A4,Weight,,,,abc,delegate\n"
        + "A5,Heavy,,,,-1,delegate\n"
        + "A1,Repeated,,,,1,delegate\n"
        + "A6,Role,,,,1,Emperor\n"
        + "A7,Short\n"
        + f"A8,Long,{'x' * 201},,,1,delegate\n"
    )
    with pytest.raises(RosterError) as info:
        parse_roster_csv(text.encode())
    got = [(e.row, e.reason, dict(e.params)) for e in info.value.errors]
    assert got == [
        (3, RosterReason.BAD_CODE, {"field": "code", "value": "A 2"}),
        (4, RosterReason.BAD_NAME, {"field": "full_name"}),
        (5, RosterReason.BAD_WEIGHT, {"field": "weight", "value": "abc"}),
        (6, RosterReason.WEIGHT_RANGE, {"field": "weight", "value": "-1"}),
        (7, RosterReason.DUPLICATE_CODE, {"field": "code", "value": "A1", "first_row": 2}),
        (8, RosterReason.UNKNOWN_ROLE, {"field": "role", "value": "emperor"}),
        (9, RosterReason.FIELD_COUNT, {"count": 2, "expected": 7}),
        (10, RosterReason.TOO_LONG, {"field": "delegation"}),
    ]
    # The English text stays beside the code, for API clients.
    assert info.value.errors[0].message.startswith("code 'A 2' must be")


def test_too_many_participants_is_a_file_level_reason() -> None:
    rows = "".join(f"P{n},Người {n}\n" for n in range(MAX_ROSTER + 1))
    with pytest.raises(RosterError) as info:
        parse_roster_csv(("code,full_name\n" + rows).encode())
    [error] = info.value.errors
    assert (error.row, error.reason, dict(error.params)) == (
        0, RosterReason.TOO_MANY, {"max": MAX_ROSTER})


@pytest.mark.parametrize(
    ("data", "reasons"),
    [
        (b"", [(1, RosterReason.EMPTY_FILE, {})]),
        (b"\xff\xfe\x00bad", [(0, RosterReason.NOT_UTF8, {})]),
        (b"name,seat\nx,y\n", [(1, RosterReason.MISSING_COLUMN, {"column": "code"})]),
        (b"seat\n1\n", [(1, RosterReason.MISSING_COLUMN, {"column": "code"}),
                         (1, RosterReason.MISSING_COLUMN, {"column": "full_name"})]),
        (HEADER.encode(), [(2, RosterReason.NO_PARTICIPANTS, {})]),
    ],
)
def test_unusable_files(
    data: bytes, reasons: list[tuple[int, RosterReason, dict[str, str]]]
) -> None:
    with pytest.raises(RosterError) as info:
        parse_roster_csv(data)
    assert [(e.row, e.reason, dict(e.params)) for e in info.value.errors] == reasons


def test_decimal_weights_with_comma() -> None:
    [person] = parse_roster_csv((HEADER + 'A1,X,,,,"1,5",delegate\n').encode())
    assert person.weight == "1.5"


def _created() -> list[Event]:
    return [Event("meeting.created", {"id": "m1", "title": "T"}, "@admin", 1)]


def test_import_event_folds_into_participants_and_reimport_updates() -> None:
    admin = Actor.admin()
    rows = [{"code": "A1", "full_name": "Lê Văn Tám", "role": "delegate"}]
    [event] = decide(fold(_created()), Command("roster.import", {"participants": rows}, admin), 2)
    state = fold([*_created(), event])
    assert state.participants["A1"].full_name == "Lê Văn Tám"
    rows2 = [{"code": "A1", "full_name": "Lê Văn Tám", "role": "secretary"}]
    [event2] = decide(state, Command("roster.import", {"participants": rows2}, admin), 3)
    assert fold([*_created(), event, event2]).participants["A1"].role == Role.SECRETARY


def test_participant_add_update_remove() -> None:
    admin = Actor.admin()
    state = fold(_created())
    [added] = decide(
        state,
        Command(
            "participant.add", {"id": "SCREEN", "full_name": "Màn hình", "role": "screen"}, admin
        ),
        2,
    )
    state = fold([*_created(), added])
    with pytest.raises(Rejected) as info:
        decide(state, Command("participant.add", {"id": "SCREEN", "full_name": "x"}, admin), 3)
    assert info.value.code == "duplicate"
    [updated] = decide(
        state, Command("participant.update", {"id": "SCREEN", "seat": "S1"}, admin), 3
    )
    assert updated.body["seat"] == "S1"
    [removed] = decide(state, Command("participant.remove", {"id": "SCREEN"}, admin), 4)
    assert "SCREEN" not in fold([*_created(), added, removed]).participants
    with pytest.raises(Rejected):
        decide(state, Command("participant.remove", {"id": "NOPE"}, admin), 4)
