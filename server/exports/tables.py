"""Attendance and poll results as spreadsheets: CSV (UTF-8 with a BOM, so that Excel reads
Vietnamese correctly) and XLSX (bold frozen header, column widths, real numbers and times),
with the roll call of each named poll (the minutes' annex) as its own sheet or CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from rooms.minutes_model import AttendanceRow, PollResult, PollResultRow
from rooms.vietnamese import nfc
from server.exports.i18n import Lang, lang_of, option_label, t, t_or

# The annex's wording of a choice, shared so that the spreadsheet and the minutes cannot say
# a vote differently ("Không bỏ phiếu" is not "Không biểu quyết").
from server.exports.layout_annex import choice_text, named_note

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
# The roll call of a named poll: every column always, so that a secretary's formulas and
# filters find them in the same place for every poll. Header labels are the attendance
# table's and the annex's.
NAMED_VOTE_COLUMNS = ("code", "full_name", "delegation", "seat", "choice", "weight", "note")
_NAMED_VOTE_HEADERS = {
    "code": "h_code",
    "full_name": "h_full_name",
    "delegation": "h_delegation",
    "seat": "h_seat",
    "choice": "col_choice",
    "weight": "h_weight",
    "note": "col_note",
}
# Excel refuses these in a sheet name, and a name starting or ending with an apostrophe.
_SHEET_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
_SHEET_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")
_SHEET_MAX = 31

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


def _named_vote_values(poll: PollResult, lang: Lang) -> Iterable[tuple[Value, ...]]:
    """The annex's rows (server/exports/layout_annex.py ``_named_table``) with the weight a number.
    A secret poll has no rows: the model refuses to hold any."""
    labels = {o.key: option_label(poll.method, o.key, o.label, lang) for o in poll.options}
    blank = t(lang, "choice_blank_approval" if poll.method == "approval" else "choice_blank")
    abstain = t(lang, "option_abstain")
    not_voted = t(lang, "choice_not_voted")
    for v in poll.named_votes:
        choice = choice_text(v, labels, blank, abstain, not_voted)
        yield (v.code, v.name, v.delegation, v.seat, choice, v.weight, named_note(v, lang))


def _named_vote_header(lang: Lang) -> list[str]:
    return [t(lang, _NAMED_VOTE_HEADERS[c]) for c in NAMED_VOTE_COLUMNS]


def roll_call_sheet_name(number: int, title: str) -> str:
    """The sheet of poll ``number`` (as in the minutes' section III) titled ``title``, for a
    human: "2 Thông qua Nghị quyết Đại hội", cut at a word to Excel's 31 characters with "…".
    The number leads, so two polls never share a sheet (Excel compares names without case),
    and no name can clash with the totals sheet, which starts with a letter. Characters
    Excel refuses become "_", control characters and runs of spaces one space, and a name
    never starts or ends with an apostrophe."""
    head = f"{number} "
    words = _SHEET_SPACE.sub(" ", _SHEET_FORBIDDEN.sub("_", nfc(title))).strip(" '")
    if len(head) + len(words) > _SHEET_MAX:
        room = _SHEET_MAX - len(head) - 1  # one for the ellipsis
        cut = words[: room + 1].rsplit(" ", 1)[0] if " " in words[: room + 1] else ""
        words = (cut if len(cut) >= room // 2 else words[:room]).rstrip(" '") + "…"
    return (head + words).rstrip(" '") or str(number)


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


def named_votes_csv(poll: PollResult, lang: str = "vi") -> bytes:
    """The roll call of one named poll as CSV bytes (UTF-8 with BOM), one voter per line, in
    the annex's order and words."""
    if poll.secret:
        raise ValueError(f"secret poll {poll.title!r} has no roll call")
    language = lang_of(lang)
    return _csv(_named_vote_header(language), _named_vote_values(poll, language))


# --- XLSX ---------------------------------------------------------------------------------


def _fill(
    ws: Worksheet,
    sheet: str,
    columns: Sequence[str],
    header: Sequence[str],
    records: Iterable[Sequence[Value]],
) -> None:
    ws.title = sheet[:31]  # Excel's limit
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


def _xlsx(
    sheet: str,
    columns: Sequence[str],
    header: Sequence[str],
    records: Iterable[Sequence[Value]],
    more: Iterable[tuple[str, Sequence[str], Sequence[str], Iterable[Sequence[Value]]]] = (),
) -> bytes:
    """A workbook of one sheet, then one per entry of ``more`` (same arguments)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    wb.properties.creator = "phonghop"
    _fill(ws, sheet, columns, header, records)
    for extra in more:
        _fill(wb.create_sheet(), *extra)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def attendance_xlsx(rows: Iterable[AttendanceRow], lang: str = "vi") -> bytes:
    """The attendance list as an XLSX workbook with one sheet."""
    language = lang_of(lang)
    header = [t(language, f"h_{c}") for c in ATTENDANCE_COLUMNS]
    records = (_attendance_values(r, language) for r in rows)
    return _xlsx(t(language, "sheet_attendance"), ATTENDANCE_COLUMNS, header, records)


def poll_results_xlsx(
    rows: Iterable[PollResultRow],
    lang: str = "vi",
    named: Iterable[tuple[str, PollResult]] = (),
) -> bytes:
    """Poll results as an XLSX workbook: the totals sheet, then for each ``(sheet name,
    poll)`` of ``named`` that poll's roll call. Secret polls are skipped, whoever passes
    them: never a name next to a secret choice."""
    language = lang_of(lang)
    header = [t(language, f"h_{c}") for c in POLL_COLUMNS]
    records = (_poll_values(r, language) for r in rows)
    roll_calls = [
        (
            name,
            NAMED_VOTE_COLUMNS,
            _named_vote_header(language),
            _named_vote_values(poll, language),
        )
        for name, poll in named
        if not poll.secret
    ]
    return _xlsx(t(language, "sheet_polls"), POLL_COLUMNS, header, records, roll_calls)
