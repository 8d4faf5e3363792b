"""Exports of a meeting: the minutes as DOCX, PDF, Markdown and JSON; attendance and poll
results as CSV and XLSX. Each renderer reads `rooms.minutes_model` and returns the file."""

from __future__ import annotations

from typing import Final, Literal

from rooms.minutes_model import Minutes
from server.exports.docx_minutes import render_docx
from server.exports.json_minutes import render_json
from server.exports.markdown_minutes import render_markdown
from server.exports.pdf_minutes import render_pdf
from server.exports.tables import (
    attendance_csv,
    attendance_xlsx,
    poll_results_csv,
    poll_results_xlsx,
)

__all__ = [
    "MEDIA_TYPES",
    "MinutesFormat",
    "attendance_csv",
    "attendance_xlsx",
    "poll_results_csv",
    "poll_results_xlsx",
    "render_docx",
    "render_json",
    "render_markdown",
    "render_minutes",
    "render_pdf",
]

MinutesFormat = Literal["docx", "pdf", "md", "json"]

# By file extension, for the HTTP response (csv and xlsx are the tables' formats).
MEDIA_TYPES: Final[dict[str, str]] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render_minutes(minutes: Minutes, fmt: MinutesFormat, lang: str | None = None) -> bytes:
    """The minutes in `fmt`, in `lang` (default: the minutes' own language; JSON has none)."""
    match fmt:
        case "docx":
            return render_docx(minutes, lang)
        case "pdf":
            return render_pdf(minutes, lang)
        case "md":
            return render_markdown(minutes, lang).encode("utf-8")
        case "json":
            return render_json(minutes)
    raise ValueError(f"unknown minutes format {fmt!r}")
