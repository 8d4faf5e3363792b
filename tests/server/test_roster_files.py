"""Roster files, CSV and XLSX (server/roster_files.py): rows read, bad rows named by their
number in the file, every row or none."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest
from openpyxl import Workbook

from rooms.model import Role
from rooms.roster import RosterError, RosterReason
from server.roster_files import parse_roster_file, parse_roster_xlsx


def xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ("Mã", "Họ và tên", "Đoàn", "Chức vụ", "Ghế", "Trọng số", "Vai trò")


def test_an_xlsx_roster_is_read_with_vietnamese_headers_and_numbers_as_typed() -> None:
    data = xlsx([HEADER,
                 ("DB001", "Nguyễn Văn An", "Hạ Long", "Chủ tịch", 12, 1.5, "đại biểu"),
                 ("TK1", "Trần Thị Bình", None, None, None, None, "thư ký")])
    first, second = parse_roster_file(data)
    assert (first.id, first.full_name, first.delegation, first.seat, first.weight) == (
        "DB001", "Nguyễn Văn An", "Hạ Long", "12", "1.5")
    assert first.role is Role.DELEGATE
    assert (second.id, second.role, second.delegation, second.weight) == (
        "TK1", Role.SECRETARY, "", "1")


def test_a_workbook_with_bad_rows_is_refused_whole_and_names_each_row_as_excel_numbers_it() -> None:
    data = xlsx([("code", "full_name", "role"),
                 ("A1", "Lê Văn Tám", "delegate"),
                 ("A 2", "Bad Code", "delegate"),
                 (None, None, None),
                 ("A3", None, "delegate"),
                 ("A1", "Again", "delegate"),
                 ("A4", "Role", "king")])
    with pytest.raises(RosterError) as caught:
        parse_roster_file(data)
    rows = {e.row: e.message for e in caught.value.errors}
    assert sorted(rows) == [3, 5, 6, 7]
    assert "code 'A 2'" in rows[3]
    assert "full_name is required" in rows[5]
    assert "repeats row 2" in rows[6]
    assert "unknown role 'king'" in rows[7]
    reasons = [(e.row, e.reason, dict(e.params)) for e in caught.value.errors]
    assert reasons == [
        (3, RosterReason.BAD_CODE, {"field": "code", "value": "A 2"}),
        (5, RosterReason.BAD_NAME, {"field": "full_name"}),
        (6, RosterReason.DUPLICATE_CODE, {"field": "code", "value": "A1", "first_row": 2}),
        (7, RosterReason.UNKNOWN_ROLE, {"field": "role", "value": "king"}),
    ]


def test_a_workbook_without_the_required_columns_is_refused_at_row_1() -> None:
    with pytest.raises(RosterError) as caught:
        parse_roster_xlsx(xlsx([("name", "seat"), ("Lê Văn Tám", 3)]))
    assert [(e.row, e.message) for e in caught.value.errors] == [(1, "missing column 'code'")]
    [error] = caught.value.errors
    assert (error.reason, dict(error.params)) == (RosterReason.MISSING_COLUMN, {"column": "code"})


def test_an_empty_workbook_and_a_broken_zip_are_refused() -> None:
    with pytest.raises(RosterError) as empty:
        parse_roster_xlsx(xlsx([]))
    assert empty.value.errors[0].row == 1
    assert empty.value.errors[0].reason is RosterReason.EMPTY_FILE
    with pytest.raises(RosterError) as broken:
        parse_roster_file(b"PK\x03\x04 not really a zip")
    assert "not a readable XLSX workbook" in broken.value.errors[0].message
    assert broken.value.errors[0].reason is RosterReason.NOT_XLSX


def test_csv_still_goes_through_the_same_rows_with_line_numbers() -> None:
    data = "code;full_name;role\nA1;Lê Văn Tám;delegate\nA1;Again;delegate\n".encode()
    with pytest.raises(RosterError) as caught:
        parse_roster_file(data)
    assert [(e.row, e.message) for e in caught.value.errors] == [(3, "code A1 repeats row 2")]
    [person] = parse_roster_file(b"code,full_name\nA1,Le Van Tam\n")
    assert person.id == "A1"
