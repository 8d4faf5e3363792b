"""Credential generations: which of a participant's signed links is the live one.

A join token carries the generation it was issued for (server/auth.py); the shell refuses a
token whose generation is not the participant's current one. The generation goes up when a
participant's link is reissued (``participant.reissue``, staff), when a delegate signs in
at a seat by badge (``participant.signed_in``: the other device's session ends), and when a
participant is removed, so that removing and adding back the same id never revives an old
link. The highest generation per id is kept for the meeting's whole life.

A delegate votes from one device at a time. A join link exchanged for a device session
(server/device_sessions.py, ``participant.sign_in`` via ``link``) pins the delegate's voting
session to that device's public session id without a new generation, so the link keeps
working: opened on another device it signs in there and ends the session here. While a
delegate has a pinned session, only that session opens (their plain join link, in a hello or
as a Bearer token, does not), so no second voting session runs beside it unseen. A new
generation drops the pin.

Both events are in the log, so the minutes' audit trail shows every reissue and sign-in.
Redis keys: ``signin:{participant}`` (rate counter of badge sign-ins, string, expires).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from protocol.errors import ErrorCode
from rooms.attendance_state import attendance
from rooms.decision import Context, Decision, Guard, RateLimit, limited
from rooms.model import STAFF, Command, Event, Participant, Rejected, Role
from rooms.settings import settings_of
from rooms.state import MeetingState, get_slice, with_slice

SLICE = "credentials"
# Badge sign-ins per participant: a few retries on a flaky tablet, not a stream of them.
SIGN_IN_RATE = RateLimit(5, 10 * 60_000)


@dataclass(frozen=True)
class Credentials:
    generations: Mapping[str, int] = field(default_factory=dict)
    # Device participants paired from the desk (id -> "kiosk", "screen" or "seat"): they
    # attend nothing, so the attendance list leaves them out.
    devices: Mapping[str, str] = field(default_factory=dict)
    # A delegate's current voting device session (id -> public session id), see above.
    sessions: Mapping[str, str] = field(default_factory=dict)


# The participant a pairing of each kind of device uses: (id, name, role). No such role votes
# or counts towards the quorum; the kiosk is an observer because observers may check in. A
# shared seat tablet (the organiser's, at a seat of the hall) is an observer too, but its
# credential may send nothing (server/device_purposes.py): it only signs delegates in.
DEVICES: Mapping[str, tuple[str, str, Role]] = {
    "kiosk": ("KIOSK", "Bàn điểm danh / Check-in kiosk", Role.OBSERVER),
    "screen": ("SCREEN", "Màn hình hội trường / Hall screen", Role.SCREEN),
    "seat": ("SEATS", "Máy tính bảng tại ghế / Seat tablets", Role.OBSERVER),
}


def is_device(state: MeetingState, participant_id: str) -> bool:
    return participant_id in get_slice(state, SLICE, Credentials()).devices


def generation(state: MeetingState, participant_id: str) -> int:
    """The participant's current credential generation (0 until anything revoked one)."""
    return get_slice(state, SLICE, Credentials()).generations.get(participant_id, 0)


def pinned_session(state: MeetingState, participant: Participant) -> str:
    """The public id of the delegate's one live voting device session; "" for anyone else,
    or a delegate who has not exchanged a link or badge since their last new generation."""
    if participant.role != Role.DELEGATE:
        return ""
    return get_slice(state, SLICE, Credentials()).sessions.get(participant.id, "")


def bumped(state: MeetingState, participant_id: str, to: int | None = None,
           session: str = "") -> MeetingState:
    """The state with the participant's generation raised to ``to`` (default: one more);
    never lowered, so no old link comes back. The voting session pinned before is dropped,
    or replaced by ``session``."""
    creds = get_slice(state, SLICE, Credentials())
    current = creds.generations.get(participant_id, 0)
    new = max(current + 1 if to is None else to, current)
    return with_slice(state, SLICE, replace(
        creds, generations={**creds.generations, participant_id: new},
        sessions=_pinned(creds.sessions, participant_id, session)))


def _pinned(sessions: Mapping[str, str], participant_id: str, session: str) -> dict[str, str]:
    rest = {k: v for k, v in sessions.items() if k != participant_id}
    return {**rest, participant_id: session} if session else rest


# ---- participant.reissue -------------------------------------------------------------------


def decide_reissue(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    pid = cmd.body["id"]
    if pid not in state.participants:
        raise Rejected(ErrorCode.NOT_FOUND, f"no participant {pid}", id=pid)
    new = generation(state, pid) + 1
    body = {"id": pid, "generation": new}
    return Decision([Event("participant.reissued", body, cmd.actor.participant_id, ctx.now)],
                    result=body)


# ---- participant.sign_in (the shell's, for POST /api/badge-login) -------------------------


def _may_sign_in(state: MeetingState, pid: str, via: str) -> None:
    if via == "link":
        # The delegate's own join link, handed to them: no badge setting applies.
        return
    mode = settings_of(state).badge_sign_in
    if mode == "off":
        raise Rejected(ErrorCode.FORBIDDEN, "signing in at a seat by badge is off in this "
                       "meeting; use your join link", reason="badge_sign_in_off")
    if mode == "seat_tablets":
        # A badge is worn in plain view: under this rule a photo of it signs in nobody, only
        # the organiser's tablets paired at the seats do (the shell says so by ``via``).
        if via != "seat":
            raise Rejected(ErrorCode.FORBIDDEN, "in this meeting a badge signs in only at "
                           "a seat tablet of the hall", reason="not_a_seat_tablet")
        return
    record = attendance(state).record(pid)
    if mode == "checked_in" and not (record.present and record.mode == "in_person"):
        raise Rejected(ErrorCode.FORBIDDEN, "check in at the desk first, then sign in at your "
                       "seat with your badge", reason="not_checked_in")


def decide_sign_in(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    """A device signed in: a badge at a seat (``via`` ``badge``, or ``seat`` when the request
    came from a paired seat tablet; allowed only as the meeting's ``badge_sign_in`` setting
    says; it ends the participant's other sessions by moving to a new generation) or a
    delegate's join link (the link stays; the new device session, named
    by ``session``, becomes the delegate's one voting session). Rate limited per participant."""
    pid = cmd.body["id"]
    via = cmd.body.get("via", "badge")
    participant = state.participants.get(pid)
    if participant is None or participant.role == Role.SCREEN:
        raise Rejected(ErrorCode.FORBIDDEN, "this badge's participant is not on the roster")
    _may_sign_in(state, pid, via)
    body: dict[str, object] = {"id": pid, "via": via}
    if via != "link":
        body["generation"] = generation(state, pid) + 1
    if cmd.body.get("session") and participant.role == Role.DELEGATE:
        body["session"] = cmd.body["session"]
    guard: Guard = limited(f"signin:{pid}", SIGN_IN_RATE)

    def too_many(_index: int, _found: bytes) -> Decision:
        raise Rejected(ErrorCode.RATE_LIMITED, "too many sign-ins; ask the desk",
                       limit=SIGN_IN_RATE.limit, window_ms=SIGN_IN_RATE.window_ms)

    return Decision([Event("participant.signed_in", body, cmd.actor.participant_id, ctx.now)],
                    [guard], result=body, on_guard=too_many)


# ---- device.pair ----------------------------------------------------------------------------


def decide_pair(state: MeetingState, cmd: Command, ctx: Context) -> Decision:
    """Pair a kiosk, a hall screen or a seat tablet: its device participant, added once; the
    shell signs a credential of the device's own purpose for it (server/devices.py)."""
    kind = cmd.body["kind"]
    pid, name, role = DEVICES[kind]
    existing = state.participants.get(pid)
    if existing is not None and existing.role != role:
        raise Rejected(ErrorCode.CONFLICT, f"participant {pid} exists as {existing.role.value}",
                       id=pid)
    actor, events = cmd.actor.participant_id, []
    if existing is None:
        body = {"id": pid, "full_name": name, "role": role.value, "delegation": "", "title": "",
                "seat": "", "weight": "0"}
        events.append(Event("participant.added", body, actor, ctx.now))
    if not is_device(state, pid):
        events.append(Event("device.paired", {"id": pid, "kind": kind}, actor, ctx.now))
    return Decision(events, result={"id": pid, "kind": kind, "role": role.value,
                                    "generation": generation(state, pid)})


def evolve_paired(state: MeetingState, event: Event) -> MeetingState:
    creds = get_slice(state, SLICE, Credentials())
    devices = {**creds.devices, event.body["id"]: event.body["kind"]}
    return with_slice(state, SLICE, replace(creds, devices=devices))


def evolve_generation(state: MeetingState, event: Event) -> MeetingState:
    return bumped(state, event.body["id"], int(event.body["generation"]))


def evolve_signed_in(state: MeetingState, event: Event) -> MeetingState:
    pid, session = event.body["id"], str(event.body.get("session", ""))
    if "generation" in event.body:
        return bumped(state, pid, int(event.body["generation"]), session)
    creds = get_slice(state, SLICE, Credentials())
    return with_slice(state, SLICE, replace(creds, sessions=_pinned(creds.sessions, pid,
                                                                    session)))


DECISIONS = {
    "participant.reissue": decide_reissue,
    "participant.sign_in": decide_sign_in,
    "device.pair": decide_pair,
}
EVOLVERS = {
    "participant.reissued": evolve_generation,
    "participant.signed_in": evolve_signed_in,
    "device.paired": evolve_paired,
}
# participant.sign_in is sent by the shell only (as the administrator): nobody may send it.
PERMISSIONS = {"participant.reissue": STAFF, "participant.sign_in": frozenset[Role](),
               "device.pair": STAFF}
AUDIENCES = {"participant.reissued": STAFF, "participant.signed_in": STAFF,
             "device.paired": STAFF}
