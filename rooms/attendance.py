"""Attendance: who is present and how they came in (badge, own device, by hand, online), who
checked out or is absent and why, double presence; the quorum those give is rooms/quorum.py's,
the slice they are kept in rooms/attendance_state.py's.

Pure, like all of ``rooms``: times are passed in, badge tokens are verified by the shell before
a ``checkin.scan`` reaches ``decide`` (the body then names the participant), and times of day
in messages are formatted by the shell, which knows the meeting's timezone.

Meeting settings read here (``settings_of(state)``; defaults in rooms/settings.py's table):

``device_checkin``  ``"tap"`` (default: a delegate's tablet checks in with ``checkin.self``),
                    ``"connect"`` (the server checks a delegate in when their tablet connects),
                    ``"off"`` (only badge and desk check-in)
``hybrid``          ``true`` allows online attendance (mode ``"online"``); default false
``proxy_limit``     proxies one delegate may hold, default 1 (see rooms/proxies.py)
``proxies_count_for_quorum``  whether proxies held by present delegates count towards the
                    quorum; default false (a quorum is of people in the hall; rooms/quorum.py)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal, NamedTuple

from protocol.errors import ErrorCode
from rooms import memo
from rooms.attendance_state import SLICE, AttendanceState, Record, attendance
from rooms.credentials import is_device
from rooms.model import STAFF, Command, Event, Participant, Rejected, Role
from rooms.quorum import Quorum, quorum
from rooms.settings import settings_of
from rooms.state import MeetingState, with_slice
from rooms.vietnamese import fold, name_sort_key

Via = Literal["badge", "device", "manual"]

# Who sees attendance events live: staff run the desk, the screen shows the hall's numbers.
# Delegates learn their own state from acks, their snapshot and personal live messages: 5,000
# check-ins pushed to 5,000 tablets would be 25 million frames for nothing.
WATCHERS = STAFF | {Role.SCREEN}

DEVICE_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
MAX_REASON = 500


# ---- decide --------------------------------------------------------------------------------


def _participant(state: MeetingState, participant_id: str) -> Participant:
    participant = state.participants.get(participant_id)
    if participant is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no participant {participant_id} on the roster",
                       participant=participant_id)
    return participant


def _open_for_attendance(state: MeetingState) -> None:
    if state.status.value == "closed":
        raise Rejected(ErrorCode.INVALID_STATE, "the meeting is closed", status=state.status.value)


def already(participant: Participant, record: Record, **extra: Any) -> Rejected:
    """The answer to a re-scan: nothing changes. The shell adds the time of day to the message."""
    return Rejected(
        ErrorCode.DUPLICATE,
        f"{participant.full_name} already checked in",
        reason="already_checked_in",
        participant=participant.id,
        full_name=participant.full_name,
        at=record.at,
        mode=record.mode,
        **extra,
    )


def decide_check_in(
    state: MeetingState, actor: str, participant_id: str, via: Via, mode: str, device: str,
    now: int,
) -> list[Event]:
    """Check ``participant_id`` in, or tell why not. A re-check-in is refused with the time of
    the first; a second device of a present delegate is flagged, not counted."""
    _open_for_attendance(state)
    participant = _participant(state, participant_id)
    if participant.role == Role.SCREEN:
        raise Rejected(ErrorCode.INVALID, "a hall screen does not check in", reason="screen")
    if mode == "online" and not settings_of(state).hybrid:
        raise Rejected(ErrorCode.INVALID, "online attendance is not enabled for this meeting",
                       reason="online_disabled")
    if mode not in ("in_person", "online"):
        raise Rejected(ErrorCode.INVALID, f"unknown attendance mode {mode!r}")
    if device and not DEVICE_PATTERN.match(device):
        raise Rejected(ErrorCode.INVALID,
                       "a device id is 1-64 letters, digits, '.', ':', '_' or '-'")
    att = attendance(state)
    record = att.record(participant_id)
    if record.present:
        if via == "device" and device:
            if not record.device:
                # Checked in at the desk; the tablet now identifies itself, so a second one
                # can be recognised later.
                return [Event("attendance.device", {"participant": participant_id,
                                                    "device": device}, actor, now)]
            if device != record.device and device not in record.others:
                return [Event("attendance.double_presence",
                              {"participant": participant_id,
                               "devices": [record.device, device]}, actor, now)]
        raise already(participant, record)
    body: dict[str, Any] = {"participant": participant_id, "mode": mode, "via": via}
    if device:
        body["device"] = device
    events = []
    grant = att.proxies.get(participant_id)
    if grant is not None:
        # Whoever gave their vote away and then arrives votes in person: the proxy lapses.
        events.append(Event("proxy.revoked", {"from": participant_id, "to": grant.holder,
                                              "reason": "arrived"}, actor, now))
    events.append(Event("attendance.checked_in", body, actor, now))
    return events


def decide_manual(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    return decide_check_in(state, cmd.actor.participant_id, cmd.body["participant"], "manual",
                           cmd.body.get("mode") or "in_person", "", now)


def decide_scan(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    # The shell verified the badge's signature, meeting and expiry and put the participant
    # it names in the body; a body without one never came through the shell.
    participant_id = cmd.body.get("participant")
    if not isinstance(participant_id, str):
        raise Rejected(ErrorCode.INVALID, "the badge token was not verified")
    return decide_check_in(state, cmd.actor.participant_id, participant_id, "badge",
                           "in_person", "", now)


def decide_self(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    if cmd.actor.is_admin:
        raise Rejected(ErrorCode.FORBIDDEN, "the administrator is not a participant")
    if settings_of(state).device_checkin == "off":
        raise Rejected(ErrorCode.FORBIDDEN,
                       "check-in from your own device is off for this meeting; "
                       "please check in at the desk", reason="device_checkin_off")
    return decide_check_in(state, cmd.actor.participant_id, cmd.actor.participant_id, "device",
                           cmd.body.get("mode") or "in_person", cmd.body.get("device") or "", now)


def decide_out(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _open_for_attendance(state)
    participant_id = cmd.body.get("participant")
    if not isinstance(participant_id, str):
        raise Rejected(ErrorCode.INVALID, "name the participant, or scan their badge")
    participant = _participant(state, participant_id)
    record = attendance(state).record(participant_id)
    if not record.present:
        raise Rejected(ErrorCode.INVALID_STATE, f"{participant.full_name} is not checked in",
                       reason="not_checked_in", participant=participant_id)
    return [Event("attendance.checked_out", {"participant": participant_id,
                                             "via": cmd.body.get("via", "manual")},
                  cmd.actor.participant_id, now)]


def decide_absent(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _open_for_attendance(state)
    participant_id = cmd.body["participant"]
    participant = _participant(state, participant_id)
    reason = " ".join(str(cmd.body.get("reason") or "").split())[:MAX_REASON]
    record = attendance(state).record(participant_id)
    if record.present:
        raise already(participant, record, hint="check them out first")
    if record.status == "absent" and record.reason == reason:
        return []
    return [Event("attendance.absent", {"participant": participant_id, "reason": reason},
                  cmd.actor.participant_id, now)]


# ---- evolve --------------------------------------------------------------------------------


def _update(state: MeetingState, participant_id: str, **changes: Any) -> MeetingState:
    att = attendance(state)
    record = replace(att.record(participant_id), **changes)
    return with_slice(state, SLICE, replace(att, records={**att.records, participant_id: record}))


def evolve_checked_in(state: MeetingState, event: Event) -> MeetingState:
    body = event.body
    previous = attendance(state).record(body["participant"])
    return _update(
        state, body["participant"], status="present", at=event.at,
        first_in=previous.first_in or event.at, mode=body.get("mode", "in_person"),
        via=body.get("via", ""), device=body.get("device", ""), others=(), reason="",
    )


def evolve_checked_out(state: MeetingState, event: Event) -> MeetingState:
    return _update(state, event.body["participant"], status="out", at=event.at, device="",
                   others=())


def evolve_absent(state: MeetingState, event: Event) -> MeetingState:
    return _update(state, event.body["participant"], status="absent", at=event.at,
                   reason=event.body.get("reason", ""), device="", others=())


def evolve_device(state: MeetingState, event: Event) -> MeetingState:
    return _update(state, event.body["participant"], device=event.body["device"])


def evolve_double(state: MeetingState, event: Event) -> MeetingState:
    pid = event.body["participant"]
    record = attendance(state).record(pid)
    return _update(state, pid, others=(*record.others, event.body["devices"][-1]))


# ---- views ---------------------------------------------------------------------------------


def record_dict(att: AttendanceState, participant_id: str) -> dict[str, Any]:
    record = att.record(participant_id)
    out: dict[str, Any] = {
        "participant": participant_id, "status": record.status, "at": record.at,
        "first_in": record.first_in, "mode": record.mode, "via": record.via,
    }
    if record.reason:
        out["reason"] = record.reason
    grant = att.proxies.get(participant_id)
    if grant is not None:
        out["proxy_to"] = grant.holder
    held = att.held.get(participant_id)
    if held:
        out["proxies_held"] = list(held)
    return out


def me(state: MeetingState, participant_id: str) -> dict[str, Any]:
    """A participant's own attendance, as sent to their devices."""
    return record_dict(attendance(state), participant_id)


def staff_view(state: MeetingState) -> dict[str, Any]:
    att = attendance(state)
    records = {}
    for pid in att.records:
        out = record_dict(att, pid)
        record = att.records[pid]
        if record.device:
            out["device"] = record.device
        if record.others:
            out["double_presence"] = [record.device, *record.others]
        records[pid] = out
    return {
        "records": records,
        "proxies": [g.to_dict() for g in att.proxies.values()],
    }


@memo.by_state
def _quorum_now(state: MeetingState) -> Quorum:
    return quorum(state)


def snapshot_part(state: MeetingState, role: Role, participant_id: str) -> dict[str, Any]:
    q = _quorum_now(state)
    part: dict[str, Any] = {"me": me(state, participant_id), **q.counts()}
    if role in WATCHERS:
        part["quorum"] = q.to_dict()
    if role in STAFF:
        part |= staff_view(state)
    return {"attendance": part}


def project_for_screen(event: Event, role: Role) -> Mapping[str, Any] | None:
    """The hall screen gets who arrived and left, never absence reasons or device ids."""
    if role in STAFF:
        return event.body
    return {k: v for k, v in event.body.items() if k in ("participant", "mode", "via")}


@dataclass(frozen=True)
class Row:
    """One line of the attendance list (times in ms; the shell renders them)."""

    participant: Participant
    record: Record
    proxy_to: str = ""
    proxies_held: tuple[str, ...] = ()


def rows(state: MeetingState) -> list[Row]:
    """Everyone who attends (no hall screens, no paired devices), in roster order."""
    att = attendance(state)
    out = []
    for pid, participant in state.participants.items():
        if participant.role == Role.SCREEN or is_device(state, pid):
            continue
        grant = att.proxies.get(pid)
        out.append(Row(participant, att.record(pid), grant.holder if grant else "",
                       att.held.get(pid, ())))
    return out


class _Entry(NamedTuple):
    participant: Participant
    haystack: str  # name, code, seat and delegation, folded
    code: str
    seat: str


@memo.by_identity
def _search_index(participants: Mapping[str, Participant]) -> tuple[_Entry, ...]:
    # Folding a congress's 5,000 names took ~50 ms a search; the roster stays the same object
    # through check-ins, so it is folded once per roster change, not per keystroke.
    return tuple(
        _Entry(p, fold(" ".join((p.full_name, p.id, p.seat, p.delegation))), fold(p.id),
               fold(p.seat))
        for p in participants.values() if p.role != Role.SCREEN)


def search(state: MeetingState, query: str, limit: int = 20) -> list[Participant]:
    """Participants matching every word of ``query`` in name, code, seat or delegation,
    ignoring case and diacritics ("nguyen van hung" finds "Nguyễn Văn Hùng"). An exact code
    or seat comes first, then names in Vietnamese order."""
    words = fold(query).split()
    if not words:
        return []
    exact: list[Participant] = []
    found: list[Participant] = []
    for entry in _search_index(state.participants):
        if all(word in entry.haystack for word in words):
            if len(words) == 1 and words[0] in (entry.code, entry.seat):
                exact.append(entry.participant)
            else:
                found.append(entry.participant)
    found.sort(key=lambda p: name_sort_key(p.full_name))
    return (exact + found)[:limit]


DECIDERS = {
    "checkin.scan": decide_scan,
    "checkin.self": decide_self,
    "checkin.manual": decide_manual,
    "checkin.out": decide_out,
    "checkin.absent": decide_absent,
}
EVOLVERS = {
    "attendance.checked_in": evolve_checked_in,
    "attendance.checked_out": evolve_checked_out,
    "attendance.absent": evolve_absent,
    "attendance.device": evolve_device,
    "attendance.double_presence": evolve_double,
}
PERMISSIONS = {
    # A door kiosk runs as a non-voting participant (the demo's "Bàn điểm danh" is an
    # observer); it can only check in whoever presents a badge the server signed.
    "checkin.scan": STAFF | {Role.OBSERVER},
    "checkin.self": frozenset({Role.CHAIR, Role.SECRETARY, Role.DELEGATE, Role.OBSERVER}),
    "checkin.manual": STAFF,
    "checkin.out": STAFF,
    "checkin.absent": STAFF,
}
AUDIENCES = {
    "attendance.checked_in": WATCHERS,
    "attendance.checked_out": WATCHERS,
    "attendance.absent": WATCHERS,
    "attendance.device": STAFF,
    "attendance.double_presence": STAFF,
}
PROJECTORS = {
    "attendance.checked_in": project_for_screen,
    "attendance.checked_out": project_for_screen,
    "attendance.absent": project_for_screen,
}
SNAPSHOT = snapshot_part
