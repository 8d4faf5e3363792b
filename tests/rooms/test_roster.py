"""Roster CSV import: every row or none, bad rows reported by number, names stored NFC."""

from __future__ import annotations

import unicodedata
from importlib import resources

import pytest

from rooms.aggregate import fold
from rooms.model import Actor, Command, Event, Rejected, Role
from rooms.roster import RosterError, parse_roster_csv
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


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfe\x00bad", b"name,seat\nx,y\n", HEADER.encode()],
)
def test_unusable_files(data: bytes) -> None:
    with pytest.raises(RosterError):
        parse_roster_csv(data)


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
