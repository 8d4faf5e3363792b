"""Attendance and poll results as spreadsheets: CSV (UTF-8 with a BOM, so that Excel reads
Vietnamese correctly) and XLSX (bold frozen header, column widths, real numbers and times)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rooms.minutes_model import AttendanceRow, PollResultRow
from rooms.vietnamese import nfc
from server.exports.i18n import Lang, lang_of, option_label, t, t_or

Value = str | int | Decimal | datetime | None

ATTENDANCE_COLUMNS = (
    "code",
    "full_name",
    "delegation",
    "title",
    "seat",
    "status",
    "checked_in_at",
    "absence_reason",
    "proxy_to",
    "weight",
)
POLL_COLUMNS = (
    "poll",
    "method",
    "form",
    "base",
    "base_value",
    "option",
    "count",
    "weight",
    "pct_base",
    "pct_entitled",
    "result",
)
_PERCENT_COLUMNS = frozenset({"pct_base", "pct_entitled"})

# Spreadsheets run a cell that starts with one of these as a formula: a name or a reason
# typed as "=HYPERLINK(…)" must stay text ("CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _attendance_values(row: AttendanceRow, lang: Lang) -> tuple[Value, ...]:
    return (
        row.code,
        row.full_name,
        row.delegation,
        row.title,
        row.seat,
        t(lang, f"status_{row.status}"),
        row.checked_in_at,
        row.absence_reason,
        row.proxy_to,
        row.weight,
    )


def _poll_values(row: PollResultRow, lang: Lang) -> tuple[Value, ...]:
    return (
        row.poll_title,
        t_or(lang, f"method_short_{row.method}", row.method),
        t(lang, "form_secret" if row.secret else "form_open"),
        t_or(lang, f"base_{row.base_name}", row.base_name),
        row.base_value,
        option_label(row.method, row.option_key, row.option, lang),
        row.count,
        row.weight,
        row.pct_of_base,
        row.pct_of_entitled,
        t_or(lang, f"result_{row.result}", row.result),
    )


# --- CSV ----------------------------------------------------------------------------------


def _csv_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Local time of the meeting, in a form Excel parses as a date in any locale.
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, Decimal):
        return format(value, "f")  # "1.5": machine-readable, not "1,5"
    if isinstance(value, int):
        return str(value)
    text = nfc(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(header: Sequence[str], records: Iterable[Sequence[Value]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180 line ends, as Excel writes
    writer.writerow([nfc(h) for h in header])
    writer.writerows([_csv_text(v) for v in record] for record in records)
    return out.getvalue().encode("utf-8-sig")


def attendance_csv(rows: Iterable[AttendanceRow], lang: str = "vi") -> bytes:
    """The attendance list as CSV bytes (UTF-8 with BOM), one delegate per line."""
    language = lang_of(lang)
    header = [t(language, f"h_{c}") for c in ATTENDANCE_COLUMNS]
    return _csv(header, (_attendance_values(r, language) for r in rows))


def poll_results_csv(rows: Iterable[PollResultRow], lang: str = "vi") -> bytes:
    """Poll results as CSV bytes (UTF-8 with BOM), one option of one poll per line."""
    language = lang_of(lang)
    header = [t(language, f"h_{c}") for c in POLL_COLUMNS]
    return _csv(header, (_poll_values(r, language) for r in rows))


# --- XLSX ---------------------------------------------------------------------------------


def _xlsx(
    sheet: str,
    columns: Sequence[str],
    header: Sequence[str],
    records: Iterable[Sequence[Value]],
) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet[:31]  # Excel's limit
    wb.properties.creator = "phonghop"
    widths = [len(h) for h in header]
    ws.append([nfc(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8E8E8")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row_index, record in enumerate(records, start=2):
        for col_index, (name, value) in enumerate(zip(columns, record, strict=True), start=1):
            cell = ws.cell(row=row_index, column=col_index)
            if isinstance(value, str):
                text = ILLEGAL_CHARACTERS_RE.sub("", nfc(value))
                cell.value = text
                cell.data_type = "s"  # never a formula, whatever it starts with
                widths[col_index - 1] = max(widths[col_index - 1], len(text))
            elif isinstance(value, datetime):
                # Excel has no time zones: write the meeting's local time and show the date.
                cell.value = value.replace(tzinfo=None)
                cell.number_format = "dd/mm/yyyy hh:mm:ss"
                widths[col_index - 1] = max(widths[col_index - 1], 19)
            else:
                cell.value = value
                if name in _PERCENT_COLUMNS:
                    cell.number_format = "0.00"
                widths[col_index - 1] = max(widths[col_index - 1], len(str(value or "")))
    for col_index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col_index)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def attendance_xlsx(rows: Iterable[AttendanceRow], lang: str = "vi") -> bytes:
    """The attendance list as an XLSX workbook with one sheet."""
    language = lang_of(lang)
    header = [t(language, f"h_{c}") for c in ATTENDANCE_COLUMNS]
    records = (_attendance_values(r, language) for r in rows)
    return _xlsx(t(language, "sheet_attendance"), ATTENDANCE_COLUMNS, header, records)


def poll_results_xlsx(rows: Iterable[PollResultRow], lang: str = "vi") -> bytes:
    """Poll results as an XLSX workbook with one sheet."""
    language = lang_of(lang)
    header = [t(language, f"h_{c}") for c in POLL_COLUMNS]
    records = (_poll_values(r, language) for r in rows)
    return _xlsx(t(language, "sheet_polls"), POLL_COLUMNS, header, records)
