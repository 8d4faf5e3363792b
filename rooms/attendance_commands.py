"""Check-ins and proxies as decisions: each guards the attendance record of every participant
it touches, so a check-in is recorded exactly once however many kiosks and processes race,
and check-ins never contend on the meeting's seq.

Keys (relative to the meeting's ``ph:{m}:``; see server/store.py for the prefix):

``att``  hash, participant id → that participant's attendance as the log has it
    (``status|at|mode|device|other devices|proxy given to|proxies held``; no field for a
    participant the log has nothing on). Every attendance and proxy command checks the fields
    of the participants it touches (``setnx`` / ``eq``) and writes their new values in the
    same atomic script that appends its events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from protocol.errors import ErrorCode
from rooms import attendance as att
from rooms import proxies
from rooms.attendance import me
from rooms.attendance_state import AttendanceState, attendance
from rooms.decision import Context, Decision, Guard
from rooms.model import Command, Event, Rejected
from rooms.roster import ID_PATTERN
from rooms.state import MeetingState
from rooms.timezone import zone as meeting_zone

ATT = "att"
EventDecider = Callable[[MeetingState, Command, int], list[Event]]
_CHECK_IN_KINDS = frozenset({"checkin.scan", "checkin.self", "checkin.manual"})


# ---- time of day, in the meeting's timezone --------------------------------------------------


def clock(state: MeetingState, ms: int, now: int) -> str:
    """"07:41", or "07:41 20/11" when it was not today."""
    zone = meeting_zone(state)
    when = datetime.fromtimestamp(ms / 1000, zone)
    today = datetime.fromtimestamp(now / 1000, zone)
    text = f"{when:%H:%M}"
    return text if when.date() == today.date() else f"{text} {when:%d/%m}"


def _already(state: MeetingState, participant_id: str, at: int, now: int,
             **details: Any) -> Rejected:
    participant = state.participants.get(participant_id)
    name = participant.full_name if participant else participant_id
    hhmm = clock(state, at, now)
    return Rejected(
        ErrorCode.DUPLICATE,
        f"{name} đã điểm danh lúc {hhmm} / already checked in at {hhmm}",
        **{"reason": "already_checked_in", "participant": participant_id, "full_name": name,
           **details, "at": at, "time": hhmm},
    )


def _localised(state: MeetingState, rej: Rejected, now: int) -> Rejected:
    if rej.details.get("reason") == "already_checked_in":
        details = {k: v for k, v in rej.details.items()
                   if k not in ("reason", "participant", "full_name", "at")}
        return _already(state, rej.details["participant"], rej.details["at"], now, **details)
    return rej


# ---- the per-participant record ----------------------------------------------------------------


def encode_record(a: AttendanceState, participant_id: str) -> str:
    """What ``att`` holds for a participant: everything a later decision about them depends
    on, so that a decision made on a stale view fails its guard."""
    record = a.record(participant_id)
    grant = a.proxies.get(participant_id)
    held = a.held.get(participant_id, ())
    if record.status == "pending" and grant is None and not held:
        return ""
    return "|".join((record.status, str(record.at), record.mode, record.device,
                     ",".join(record.others), grant.holder if grant else "", ",".join(held)))


def decode_status(value: bytes | str) -> tuple[str, int]:
    text = value.decode() if isinstance(value, bytes) else value
    if not text:
        return "pending", 0
    status, at, *_ = text.split("|")
    return status, int(at)


def touched(events: Iterable[Event]) -> list[str]:
    out: list[str] = []
    for event in events:
        for name in ("participant", "from", "to"):
            pid = event.body.get(name)
            if isinstance(pid, str) and pid not in out:
                out.append(pid)
    return out


def guarded(decide: EventDecider) -> Callable[[MeetingState, Command, Context], Decision]:
    """Decide, then guard every touched participant's field in ``att``: the value this
    state expects before, and the value after. A guard that finds something else means this
    process has not folded another one's check-in yet: the shell catches up and decides
    again, which turns the lag into a correct answer ("already checked in")."""

    def decision(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
        now = ctx.now
        try:
            events = decide(state, cmd, now)
        except Rejected as rej:
            raise _localised(state, rej, now) from None
        if not events:
            return Decision()
        pids = touched(events)
        before = attendance(state)
        after = state
        for event in events:
            after = _fold(after, event)
        after_att = attendance(after)
        guards: list[Guard] = []
        olds = [encode_record(before, pid) for pid in pids]
        for pid, old in zip(pids, olds, strict=True):
            new = encode_record(after_att, pid)
            claim = Guard("setnx", ATT, pid, new) if old == "" else Guard("eq", ATT, pid, old)
            guards.append(claim)
        for pid, old in zip(pids, olds, strict=True):
            new = encode_record(after_att, pid)
            if old != "":
                guards.append(Guard("set", ATT, pid, new) if new else Guard("del", ATT, pid))
        subject = events[-1].body.get("participant")

        def raced(index: int, found: bytes) -> Decision:
            pid = pids[index]
            status, at = decode_status(found)
            if status == "present" and cmd.kind in _CHECK_IN_KINDS and pid == subject:
                raise _already(state, pid, at, now)
            raise Rejected(ErrorCode.CONFLICT,
                           "attendance changed at the same moment; please retry",
                           stale=True, participant=pid)

        return Decision(events, guards, result=_result(after, events, now), optimistic=False,
                        on_guard=raced)

    return decision


def _fold(state: MeetingState, event: Event) -> MeetingState:
    evolve = att.EVOLVERS.get(event.kind) or proxies.EVOLVERS[event.kind]
    return evolve(state, event)


def _result(state: MeetingState, events: list[Event], now: int) -> dict[str, Any]:
    last = events[-1]
    pid = last.body.get("participant") or last.body.get("from")
    participant = state.participants.get(pid) if isinstance(pid, str) else None
    out: dict[str, Any] = {"event": last.kind}
    if participant is not None:
        out |= {"participant": participant.id, "full_name": participant.full_name,
                "delegation": participant.delegation, "seat": participant.seat,
                "attendance": me(state, participant.id), "time": clock(state, now, now)}
    if last.kind == "attendance.double_presence":
        out["double_presence"] = True
    return out


# ---- badges: the token becomes the participant it names ----------------------------------------


def _typed_code(state: MeetingState, text: str) -> str | None:
    """The participant whose code (printed on the badge, e.g. ``DB0004``) was typed at the
    kiosk or the desk: both are attended by staff, so the code alone is enough there (never
    at a seat: POST /api/badge-login takes only the signed QR). None when ``text`` is no
    participant's code: then it is read as a badge's token."""
    if not ID_PATTERN.match(text) or "~" in text:
        return None
    if text in state.participants:
        return text
    folded = text.casefold()
    for pid in state.participants:
        if pid.casefold() == folded:
            return pid
    return None


def _badge_holder(state: MeetingState, token: Any, ctx: Context) -> str:
    typed = _typed_code(state, str(token).strip())
    if typed is not None:
        return typed
    participant_id = ctx.badge(str(token))
    if participant_id not in state.participants:
        raise Rejected(ErrorCode.NOT_FOUND, "Người này không còn trong danh sách / the badge's "
                       "holder is no longer on the roster", reason="bad_badge",
                       participant=participant_id)
    return participant_id


_checkin_scan = guarded(att.decide_scan)
_checkin_out = guarded(att.decide_out)


def decide_scan(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    # The token never goes into the log: the event names the participant.
    holder = _badge_holder(state, cmd.body["token"], ctx)
    return _checkin_scan(state, Command(cmd.kind, {"participant": holder}, cmd.actor), ctx)


def decide_out(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    body = dict(cmd.body)
    if body.get("token"):
        body = {"participant": _badge_holder(state, body["token"], ctx), "via": "badge"}
    return _checkin_out(state, Command(cmd.kind, body, cmd.actor), ctx)


DECISIONS = {
    "checkin.scan": decide_scan,
    "checkin.out": decide_out,
    **{kind: guarded(att.DECIDERS[kind])
       for kind in ("checkin.self", "checkin.manual", "checkin.absent")},
    **{kind: guarded(decider) for kind, decider in proxies.DECIDERS.items()},
}
