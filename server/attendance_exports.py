"""The attendance list as exported: rows for the CSV and XLSX tables, and the JSON document
(participants, quorum, proxies), with times in the meeting's timezone."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rooms.attendance import Row, rows
from rooms.attendance_state import Grant, attendance
from rooms.minutes_model import AttendanceRow
from rooms.model import VOTING_ROLES
from rooms.quorum import quorum
from rooms.state import MeetingState
from server.local_time import local


def members(state: MeetingState) -> list[Row]:
    """The rows an attendance list shows: the members of the body (delegates, the chair and
    secretaries). A kiosk or a guest (observers) attends nothing and is never absent."""
    return [r for r in rows(state) if r.participant.role in VOTING_ROLES]


def attendance_rows(state: MeetingState) -> list[AttendanceRow]:
    """The attendance list for the CSV and XLSX tables: status as it stands now, the time of
    the first arrival, the reason of an absence, and the name of a proxy's holder."""
    out = []
    for row in members(state):
        p, record = row.participant, row.record
        holder = state.participants.get(row.proxy_to) if row.proxy_to else None
        out.append(AttendanceRow(
            code=p.id, full_name=p.full_name, delegation=p.delegation, title=p.title,
            seat=p.seat, status="present" if record.present else "absent",
            # to the second, as a signed list shows it (and as a spreadsheet keeps it)
            checked_in_at=(local(state, record.first_in).replace(microsecond=0)
                           if record.first_in else None),
            absence_reason=record.reason if record.status == "absent" else "",
            proxy_to=holder.full_name if holder else row.proxy_to,
            weight=Decimal(p.weight),
        ))
    return out


def _iso(state: MeetingState, ms: int) -> str | None:
    return local(state, ms).isoformat(timespec="seconds") if ms else None


def attendance_json(state: MeetingState, now: int) -> dict[str, Any]:
    att = attendance(state)

    def row(r: Row) -> dict[str, Any]:
        p, record = r.participant, r.record
        return {
            "code": p.id, "full_name": p.full_name, "delegation": p.delegation,
            "title": p.title, "seat": p.seat, "role": p.role.value, "weight": p.weight,
            "status": record.status, "mode": record.mode, "via": record.via,
            "since": _iso(state, record.at), "checked_in_at": _iso(state, record.first_in),
            "reason": record.reason, "proxy_to": r.proxy_to, "proxies_held": list(r.proxies_held),
            "double_presence": bool(record.others),
        }

    def grant(g: Grant) -> dict[str, Any]:
        out = {"from": g.giver, "to": g.holder, "at": _iso(state, g.at), "by": g.by}
        if g.ended_at:
            out |= {"ended_at": _iso(state, g.ended_at), "end_reason": g.end_reason}
        return out

    return {
        "meeting": state.id, "title": state.info.title, "timezone": state.info.timezone,
        "generated_at": _iso(state, now), "seq": state.seq,
        "quorum": quorum(state, now).to_dict(),
        "participants": [row(r) for r in members(state)],
        "proxies": [grant(g) for g in att.proxies.values()],
        "proxies_ended": [grant(g) for g in att.ended],
    }
