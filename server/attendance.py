"""Attendance's check-in and proxy commands: planners whose decisions are guarded per
delegate inside Redis, and the checks behind them (a scanned badge, a second check-in).

Badge tokens are made in server/badge_tokens.py; the live quorum and personal messages are in
server/attendance_live.py; HTTP (badges, exports, desk search, quorum) in
server/attendance_http.py; ``run.py badges`` in server/cli/badges.py.

Keys (besides the log, see server/store.py):

``ph:{m}:att``  hash, participant id → that participant's attendance as the log has it
    (``status|at|mode|device|other devices|proxy given to|proxies held``; no field for a
    participant the log has nothing on). Every attendance and proxy command checks the fields
    of the participants it touches (``setnx`` / ``eq``) and writes their new values in the
    same atomic script that appends its events, so a check-in is recorded exactly once however
    many kiosks and processes race, and check-ins never contend on the meeting's seq.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from protocol.errors import ErrorCode
from rooms import aggregate
from rooms.attendance import AttendanceState, attendance, me
from rooms.model import Command, Event, Participant, Rejected
from rooms.state import MeetingState
from server.auth import Signer, TokenError
from server.commands import Plan, Services, planner
from server.local_time import clock
from server.runtime import Runtime
from server.store import Guard, k

ATT = "att"
_CHECK_IN_KINDS = frozenset({"checkin.scan", "checkin.self", "checkin.manual"})


# ---- a second check-in, worded for the desk ---------------------------------------------------


def _already(state: MeetingState, participant_id: str, at: int, now: int,
             **details: Any) -> Rejected:
    participant = state.participants.get(participant_id)
    name = participant.full_name if participant else participant_id
    hhmm = clock(state, at, now)
    return Rejected(
        "duplicate",
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


# ---- the per-delegate guard ------------------------------------------------------------------


def encode_record(att: AttendanceState, participant_id: str) -> str:
    """What ``ph:{m}:att`` holds for a participant: everything a later decision about them
    depends on, so that a planner deciding on a stale view fails its guard."""
    record = att.record(participant_id)
    grant = att.proxies.get(participant_id)
    held = att.held.get(participant_id, ())
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


def _touched(events: Iterable[Event]) -> list[str]:
    out: list[str] = []
    for event in events:
        for name in ("participant", "from", "to"):
            pid = event.body.get(name)
            if isinstance(pid, str) and pid not in out:
                out.append(pid)
    return out


async def _guarded(state: MeetingState, cmd: Command, now: int, s: Services,
                   result: dict[str, Any] | None = None) -> Plan:
    """Decide, then guard every touched participant's field in ``ph:{m}:att``.

    The hub's state may lag a moment behind another process's check-in; reading the fields
    first and catching up when they differ turns that lag into a correct answer ("already
    checked in") instead of a failed guard. The guard still decides any remaining race.
    """
    key = k(state.id, ATT)
    hub = await s.hubs.get(state.id)
    for attempt in range(3):
        try:
            events = aggregate.decide(state, cmd, now)
        except Rejected as rej:
            raise _localised(state, rej, now) from None
        if not events:
            return Plan([], result=result or {})
        pids = _touched(events)
        before = attendance(state)
        expected = [encode_record(before, pid) for pid in pids]
        current = await s.store.redis.hmget(key, pids)
        have = [bytes(v).decode() if v is not None else "" for v in current]
        if have == expected or hub is None or attempt == 2:
            break
        await hub.catch_up()
        assert hub.state is not None
        state = hub.state
    after = state
    for event in events:
        after = aggregate.evolve(after, event)
    after_att = attendance(after)
    guards: list[Guard] = []
    for pid, old in zip(pids, expected, strict=True):
        new = encode_record(after_att, pid)
        if old == "":
            guards.append(Guard("setnx", key, pid, new))
        else:
            guards.append(Guard("eq", key, pid, old))
    for pid, old in zip(pids, expected, strict=True):
        new = encode_record(after_att, pid)
        if old != "":
            guards.append(Guard("set", key, pid, new) if new else Guard("del", key, pid))

    # The one being checked in (a giver who arrives also touches their proxy's holder).
    subject = events[-1].body.get("participant")

    def on_guard(index: int, found: bytes) -> Rejected:
        pid = pids[index]
        status, at = decode_status(found)
        if status == "present" and cmd.kind in _CHECK_IN_KINDS and pid == subject:
            return _already(state, pid, at, now)
        return Rejected(ErrorCode.CONFLICT, "attendance changed at the same moment; please retry",
                        participant=pid)

    return Plan(events, guards=guards, optimistic=False, on_guard=on_guard,
                result=_result(after, events, now) if result is None else result)


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


# ---- a scanned badge -------------------------------------------------------------------------


_BADGE_MESSAGES = {
    ErrorCode.BAD_TOKEN: "Thẻ không hợp lệ / not a valid badge (unreadable, forged or not a badge)",
    ErrorCode.TOKEN_EXPIRED: "Thẻ đã hết hạn / this badge has expired; print a new one",
    ErrorCode.WRONG_MEETING: "Thẻ của cuộc họp khác / this badge is for another meeting",
}


def verify_badge(signer: Signer, state: MeetingState, token: str, now_ms: int) -> Participant:
    """The participant a scanned badge names, or a rejection the kiosk can show as is."""
    try:
        claims = signer.verify(token, now_ms // 1000, state.id, purpose="b")
    except TokenError as exc:
        raise Rejected(exc.code, _BADGE_MESSAGES.get(exc.code, exc.message),
                       reason="bad_badge", detail=exc.message) from None
    participant = state.participants.get(claims.participant_id)
    if participant is None:
        raise Rejected(ErrorCode.NOT_FOUND, "Người này không còn trong danh sách / the badge's "
                       "holder is no longer on the roster", reason="bad_badge",
                       participant=claims.participant_id)
    return participant


# ---- planners --------------------------------------------------------------------------------


def _runtime(s: Services) -> Runtime:
    rt = s.extra["runtime"]
    assert isinstance(rt, Runtime)
    return rt


@planner("checkin.scan")
async def plan_scan(state: MeetingState, cmd: Command, now: int, s: Services) -> Plan:
    participant = verify_badge(_runtime(s).signer, state, cmd.body["token"], now)
    # The token never goes into the log: the event names the participant.
    resolved = Command(cmd.kind, {"participant": participant.id}, cmd.actor)
    return await _guarded(state, resolved, now, s)


@planner("checkin.out")
async def plan_out(state: MeetingState, cmd: Command, now: int, s: Services) -> Plan:
    body = dict(cmd.body)
    if body.get("token"):
        body = {"participant": verify_badge(_runtime(s).signer, state, body["token"], now).id,
                "via": "badge"}
    return await _guarded(state, Command(cmd.kind, body, cmd.actor), now, s)


for _kind in ("checkin.self", "checkin.manual", "checkin.absent", "proxy.grant", "proxy.revoke"):
    planner(_kind)(_guarded)
