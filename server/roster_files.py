"""A roster file as it arrives from the secretary's desk, CSV or Excel (XLSX), read into the
rows rooms/roster.py checks: every row or none, bad rows named by their number in the file.

An XLSX file is a zip (it starts with ``PK``); anything else is read as CSV text. Reading
either is CPU work of up to a few hundred milliseconds for 5 MB: callers run it in a thread.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from rooms.model import Participant
from rooms.roster import (
    RosterError,
    RosterReason,
    RowError,
    parse_roster_csv,
    parse_roster_rows,
)

XLSX_MAGIC = b"PK\x03\x04"


def parse_roster_file(data: bytes) -> list[Participant]:
    """The participants of a CSV or XLSX roster, or RosterError listing every bad row."""
    if data.startswith(XLSX_MAGIC):
        return parse_roster_xlsx(data)
    return parse_roster_csv(data)


def parse_roster_xlsx(data: bytes) -> list[Participant]:
    """The first sheet of a workbook, its first row the header (the CSV's column names)."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RosterError([RowError(0, f"not a readable XLSX workbook ({exc})",
                                    RosterReason.NOT_XLSX)]) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise RosterError([RowError(1, "the workbook has no sheet", RosterReason.NO_SHEET)])
        return parse_roster_rows(_sheet_rows(sheet.iter_rows(values_only=True)))
    finally:
        workbook.close()


def _sheet_rows(rows: Iterator[Sequence[object]]) -> Iterator[tuple[int, list[str]]]:
    """Each row as text cells, numbered as Excel shows them (the header is row 1). Trailing
    empty cells are dropped, then rows are padded to the header's width: a spreadsheet does
    not keep a row's empty cells at its end the way a CSV keeps its commas."""
    width = 0
    for number, row in enumerate(rows, start=1):
        cells = [_cell_text(v) for v in row]
        while cells and not cells[-1].strip():
            cells.pop()
        if number == 1:
            width = len(cells)
        elif len(cells) < width:
            cells += [""] * (width - len(cells))
        yield number, cells


def _cell_text(value: object) -> str:
    """A cell as the secretary sees it: 12 not 12.0, a date as its ISO day."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f") if value == value else ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
