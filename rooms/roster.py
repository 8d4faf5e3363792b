"""The roster: CSV import (all rows or none), participant add/update/remove.

CSV columns follow data/roster.csv: code, full_name, delegation, title, seat, weight, role.
Header names may also be Vietnamese (mã, họ và tên, đoàn, chức vụ, ghế, trọng số, vai trò).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from protocol.errors import ErrorCode
from rooms.credentials import bumped
from rooms.model import STAFF, Command, Event, Participant, Rejected, Role, nfc
from rooms.state import MeetingState

MAX_ROSTER = 10_000
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")

_HEADER_ALIASES: Mapping[str, str] = {
    "code": "code",
    "mã": "code",
    "ma": "code",
    "mã đại biểu": "code",
    "id": "code",
    "full_name": "full_name",
    "name": "full_name",
    "họ và tên": "full_name",
    "họ tên": "full_name",
    "delegation": "delegation",
    "đoàn": "delegation",
    "đơn vị": "delegation",
    "title": "title",
    "chức vụ": "title",
    "seat": "seat",
    "ghế": "seat",
    "số ghế": "seat",
    "weight": "weight",
    "trọng số": "weight",
    "role": "role",
    "vai trò": "role",
}
_ROLE_ALIASES: Mapping[str, Role] = {
    "chair": Role.CHAIR,
    "chủ tọa": Role.CHAIR,
    "chủ toạ": Role.CHAIR,
    "secretary": Role.SECRETARY,
    "thư ký": Role.SECRETARY,
    "delegate": Role.DELEGATE,
    "đại biểu": Role.DELEGATE,
    "": Role.DELEGATE,
    "observer": Role.OBSERVER,
    "khách mời": Role.OBSERVER,
    "quan sát viên": Role.OBSERVER,
    "screen": Role.SCREEN,
    "màn hình": Role.SCREEN,
}


class RosterReason(StrEnum):
    """Why a roster row or file is refused: a stable code the desk shows in its own language
    (clients/web/i18n, key ``roster.reason.<code>``), the English message beside it for API
    clients. server/roster_files.py uses the file-level ones for workbooks."""

    EMPTY_FILE = "empty_file"
    NOT_UTF8 = "not_utf8"
    NOT_XLSX = "not_xlsx"
    NO_SHEET = "no_sheet"
    MISSING_COLUMN = "missing_column"  # column
    FIELD_COUNT = "field_count"  # count, expected
    BAD_CODE = "bad_code"  # field, value
    BAD_NAME = "bad_name"  # field
    UNKNOWN_ROLE = "unknown_role"  # field, value
    BAD_WEIGHT = "bad_weight"  # field, value
    WEIGHT_RANGE = "weight_range"  # field, value
    TOO_LONG = "too_long"  # field
    DUPLICATE_CODE = "duplicate_code"  # field, value, first_row
    TOO_MANY = "too_many"  # max
    NO_PARTICIPANTS = "no_participants"


Params = Mapping[str, str | int]


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based line number in the file, header = 1
    message: str  # English, for API clients and logs
    reason: RosterReason
    params: Params = field(default_factory=dict)  # what the message names: field, value, …


class BadValue(ValueError):
    """A participant's value refused: the English message (str()) and its reason code."""

    def __init__(self, message: str, reason: RosterReason, **params: str | int) -> None:
        super().__init__(message)
        self.reason = reason
        self.params: Params = params


class RosterError(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(f"row {e.row}: {e.message}" for e in errors[:20]))
        self.errors = errors


def parse_roster_csv(data: bytes | str) -> list[Participant]:
    """Every row or none: any bad row raises RosterError listing all bad rows."""
    text = nfc(_roster_text(data))
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise RosterError([_empty_file()])
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return parse_roster_rows((reader.line_num, row) for row in reader)


def parse_roster_rows(rows: Iterable[tuple[int, Sequence[str]]]) -> list[Participant]:
    """A roster from its rows, each with its row number in the file, the header first (a CSV
    file's lines, a spreadsheet's rows). Every row or none: any bad row raises RosterError
    listing all bad rows by number."""
    numbered = iter(rows)
    first = next(numbered, None)
    if first is None or not any(str(cell).strip() for cell in first[1]):
        raise RosterError([_empty_file()])
    header = _roster_header([nfc(str(cell)) for cell in first[1]])
    errors: list[RowError] = []
    participants: list[Participant] = []
    seen: dict[str, int] = {}
    for line, row in numbered:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            errors.append(RowError(line, f"{len(row)} fields, expected {len(header)}",
                                   RosterReason.FIELD_COUNT,
                                   {"count": len(row), "expected": len(header)}))
            continue
        values = {name: nfc(cell.strip()) for name, cell in zip(header, row, strict=True) if name}
        try:
            participant = participant_from_values(values)
        except BadValue as exc:
            errors.append(RowError(line, str(exc), exc.reason, exc.params))
            continue
        if participant.id in seen:
            earlier = seen[participant.id]
            errors.append(RowError(line, f"code {participant.id} repeats row {earlier}",
                                   RosterReason.DUPLICATE_CODE,
                                   {"field": "code", "value": participant.id,
                                    "first_row": earlier}))
            continue
        seen[participant.id] = line
        participants.append(participant)
    if len(participants) > MAX_ROSTER:
        errors.append(RowError(0, f"more than {MAX_ROSTER} participants",
                               RosterReason.TOO_MANY, {"max": MAX_ROSTER}))
    if errors:
        raise RosterError(errors)
    if not participants:
        raise RosterError([RowError(2, "no participants in the file",
                                    RosterReason.NO_PARTICIPANTS)])
    return participants


def _empty_file() -> RowError:
    return RowError(1, "empty file: a header row is required", RosterReason.EMPTY_FILE)


def _roster_text(data: bytes | str) -> str:
    """The file as text, without a byte order mark."""
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RosterError([RowError(0, f"not UTF-8 text ({exc.reason})",
                                        RosterReason.NOT_UTF8)]) from None
    return data.removeprefix("\ufeff")


def _roster_header(cells: list[str]) -> list[str | None]:
    """The column of each cell of the header row (None: a column not read), or RosterError
    if a required column is missing."""
    header = [_HEADER_ALIASES.get(h.strip().lower()) for h in cells]
    errors = [
        RowError(1, f"missing column '{required}'", RosterReason.MISSING_COLUMN,
                 {"column": required})
        for required in ("code", "full_name")
        if required not in header
    ]
    if errors:
        raise RosterError(errors)
    return header


def participant_from_values(values: Mapping[str, Any]) -> Participant:
    code = str(values.get("code", "")).strip()
    if not ID_PATTERN.match(code):
        raise BadValue(f"code {code!r} must be 1-32 letters, digits, '.', '_' or '-'",
                       RosterReason.BAD_CODE, field="code", value=code)
    name = nfc(str(values.get("full_name", "")).strip())
    if not name or len(name) > 200:
        raise BadValue("full_name is required (at most 200 characters)",
                       RosterReason.BAD_NAME, field="full_name")
    role_text = str(values.get("role", "")).strip().lower()
    role = _ROLE_ALIASES.get(role_text)
    if role is None:
        raise BadValue(f"unknown role {role_text!r}", RosterReason.UNKNOWN_ROLE,
                       field="role", value=role_text)
    weight_text = str(values.get("weight", "") or "1").strip().replace(",", ".")
    try:
        weight = Decimal(weight_text)
    except InvalidOperation:
        raise BadValue(f"weight {weight_text!r} is not a number", RosterReason.BAD_WEIGHT,
                       field="weight", value=weight_text) from None
    if not weight.is_finite() or weight < 0 or weight > 1_000_000:
        raise BadValue(f"weight {weight_text!r} must be between 0 and 1000000",
                       RosterReason.WEIGHT_RANGE, field="weight", value=weight_text)
    fields = {k: nfc(str(values.get(k, "")).strip()) for k in ("delegation", "title", "seat")}
    for key, value in fields.items():
        if len(value) > 200:
            raise BadValue(f"{key} is longer than 200 characters", RosterReason.TOO_LONG,
                           field=key)
    return Participant(id=code, full_name=name, role=role, weight=_plain(weight), **fields)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


# ---- commands and events -----------------------------------------------------------------


def decide_import(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    rows = cmd.body["participants"]
    participants = []
    for index, row in enumerate(rows, start=1):
        try:
            participants.append(participant_from_values(row))
        except ValueError as exc:
            raise Rejected(ErrorCode.INVALID, f"participant {index}: {exc}", row=index) from None
    ids = [p.id for p in participants]
    if len(set(ids)) != len(ids):
        raise Rejected(ErrorCode.INVALID, "participant codes repeat")
    if len(set(ids) | set(state.participants)) > MAX_ROSTER:
        raise Rejected(ErrorCode.INVALID, f"a meeting has at most {MAX_ROSTER} participants")
    return [
        Event(
            "roster.imported",
            {"participants": [p.to_dict() for p in participants]},
            cmd.actor.participant_id,
            now,
        )
    ]


def decide_add(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    participant = _participant_or_reject(cmd.body)
    if participant.id in state.participants:
        raise Rejected(ErrorCode.DUPLICATE,
                       f"participant {participant.id} exists", id=participant.id)
    return [Event("participant.added", participant.to_dict(), cmd.actor.participant_id, now)]


def decide_update(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    current = state.participants.get(cmd.body["id"])
    if current is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no participant {cmd.body['id']}", id=cmd.body["id"])
    merged = {**current.to_dict(), **cmd.body}
    merged["code"] = merged["id"]
    participant = _participant_or_reject(merged)
    if participant == current:
        return []
    return [Event("participant.updated", participant.to_dict(), cmd.actor.participant_id, now)]


def decide_remove(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    pid = cmd.body["id"]
    if pid not in state.participants:
        raise Rejected(ErrorCode.NOT_FOUND, f"no participant {pid}", id=pid)
    if cmd.actor.participant_id == pid:
        raise Rejected(ErrorCode.INVALID, "a participant cannot remove themselves")
    return [Event("participant.removed", {"id": pid}, cmd.actor.participant_id, now)]


def _participant_or_reject(body: Mapping[str, Any]) -> Participant:
    values = dict(body)
    values.setdefault("code", values.get("id", ""))
    try:
        return participant_from_values(values)
    except ValueError as exc:
        raise Rejected(ErrorCode.INVALID, str(exc)) from None


def evolve_imported(state: MeetingState, event: Event) -> MeetingState:
    participants = dict(state.participants)
    for row in event.body["participants"]:
        participant = Participant.from_dict(row)
        participants[participant.id] = participant
    return replace(state, participants=participants)


def evolve_added(state: MeetingState, event: Event) -> MeetingState:
    participant = Participant.from_dict(event.body)
    return replace(state, participants={**state.participants, participant.id: participant})


def evolve_removed(state: MeetingState, event: Event) -> MeetingState:
    participants = dict(state.participants)
    participants.pop(event.body["id"], None)
    # A new generation: the id added back later does not revive the removed one's links.
    return bumped(replace(state, participants=participants), event.body["id"])


DECIDERS = {
    "roster.import": decide_import,
    "participant.add": decide_add,
    "participant.update": decide_update,
    "participant.remove": decide_remove,
}
EVOLVERS = {
    "roster.imported": evolve_imported,
    "participant.added": evolve_added,
    "participant.updated": evolve_added,
    "participant.removed": evolve_removed,
}
PERMISSIONS = {kind: STAFF for kind in DECIDERS}
