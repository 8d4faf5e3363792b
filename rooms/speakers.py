"""The speakers' list: requests per agenda item, points of order first, the floor and its
countdown, and the record of who spoke on what for how long.

Each agenda item has its own queue, so moving to the next item needs no clean-up and coming
back to an item finds its queue as it was. The floor's countdown is ``started_at`` plus
``seconds``, like the agenda timer; ``speakers.floor_ended`` records the time actually spoken,
which is what the minutes print.

Every event that names a participant also carries their ``full_name`` and ``delegation`` as
they were on the roster when it was decided: delegates and the hall screen do not receive the
roster, and the screen must show the speaker's name, not a code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from protocol.errors import ErrorCode
from rooms.agenda import agenda_of, find
from rooms.lifecycle import Status
from rooms.model import STAFF, Command, Event, Rejected, Role
from rooms.state import MeetingState, get_slice, with_slice

NAME: Final = "speakers"
SPEAK: Final = "speak"
POINT_OF_ORDER: Final = "point_of_order"
DEFAULT_SECONDS: Final = 180
MAX_QUEUE: Final = 500


@dataclass(frozen=True)
class Request:
    participant: str
    kind: str  # SPEAK or POINT_OF_ORDER
    at: int

    def to_dict(self) -> dict[str, Any]:
        return {"participant": self.participant, "kind": self.kind, "at": self.at}


@dataclass(frozen=True)
class Floor:
    participant: str
    item: str
    kind: str
    started_at: int
    seconds: int

    def to_dict(self) -> dict[str, Any]:
        return {"participant": self.participant, "item": self.item, "kind": self.kind,
                "started_at": self.started_at, "seconds": self.seconds}


@dataclass(frozen=True)
class Speech:
    participant: str
    item: str
    kind: str
    started_at: int
    spoke_ms: int


@dataclass(frozen=True)
class SpeakersState:
    queues: Mapping[str, tuple[Request, ...]]
    floor: Floor | None = None
    spoken: tuple[Speech, ...] = ()


EMPTY: Final = SpeakersState({})


def speakers_of(state: MeetingState) -> SpeakersState:
    return get_slice(state, NAME, EMPTY)


def _current_item(state: MeetingState) -> str:
    current = agenda_of(state).current
    if current is None:
        raise Rejected(ErrorCode.INVALID_STATE, "no agenda item is being discussed")
    return current


def _who(state: MeetingState, participant_id: str) -> dict[str, str]:
    """The name and delegation that travel with an event naming ``participant_id``."""
    participant = state.participants.get(participant_id)
    if participant is None:
        return {"full_name": "", "delegation": ""}
    return {"full_name": participant.full_name, "delegation": participant.delegation}


def _open(state: MeetingState) -> None:
    if state.status != Status.OPEN:
        raise Rejected(ErrorCode.INVALID_STATE, f"the meeting is {state.status.value}")


def _insert(queue: tuple[Request, ...], request: Request) -> tuple[Request, ...]:
    """Points of order go before every plain request, after earlier points of order."""
    if request.kind != POINT_OF_ORDER:
        return (*queue, request)
    at = next((n for n, r in enumerate(queue) if r.kind != POINT_OF_ORDER), len(queue))
    return (*queue[:at], request, *queue[at:])


# ---- commands -------------------------------------------------------------------------------


def decide_request(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _open(state)
    item = _current_item(state)
    speakers = speakers_of(state)
    me = cmd.actor.participant_id
    queue = speakers.queues.get(item, ())
    if any(r.participant == me for r in queue):
        raise Rejected(ErrorCode.DUPLICATE, "you are already on the speakers' list")
    if speakers.floor is not None and speakers.floor.participant == me:
        raise Rejected(ErrorCode.DUPLICATE, "you have the floor")
    if len(queue) >= MAX_QUEUE:
        raise Rejected(ErrorCode.INVALID, "the speakers' list is full")
    kind = POINT_OF_ORDER if cmd.body.get("point_of_order") else SPEAK
    return [
        Event("speakers.requested",
              {"participant": me, **_who(state, me), "item": item, "kind": kind}, me, now)
    ]


def decide_withdraw(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    """A delegate withdraws their own request; staff may take anyone off the list."""
    target = cmd.body.get("participant", cmd.actor.participant_id)
    staff = cmd.actor.role in STAFF or cmd.actor.is_admin
    if target != cmd.actor.participant_id and not staff:
        raise Rejected(ErrorCode.FORBIDDEN, "you may only withdraw your own request")
    item = cmd.body.get("item") or _current_item(state)
    queue = speakers_of(state).queues.get(item, ())
    if not any(r.participant == target for r in queue):
        raise Rejected(ErrorCode.NOT_FOUND, "not on the speakers' list", participant=target)
    return [
        Event("speakers.withdrawn", {"participant": target, **_who(state, target), "item": item},
              cmd.actor.participant_id, now)
    ]


def decide_reorder(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    item = _current_item(state)
    queue = speakers_of(state).queues.get(item, ())
    order = list(cmd.body["order"])
    if len(set(order)) != len(order) or set(order) != {r.participant for r in queue}:
        raise Rejected(ErrorCode.INVALID,
                       "order must list everyone on the speakers' list exactly once")
    if order == [r.participant for r in queue]:
        return []
    return [
        Event("speakers.reordered", {"item": item, "order": order}, cmd.actor.participant_id, now)
    ]


def decide_give_floor(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    """The floor to the named participant, or to the first on the list; whoever spoke before
    is ended first, so the record never has two speakers at once."""
    _open(state)
    item = _current_item(state)
    speakers = speakers_of(state)
    queue = speakers.queues.get(item, ())
    target = cmd.body.get("participant")
    if target is None:
        if not queue:
            raise Rejected(ErrorCode.INVALID_STATE, "the speakers' list is empty")
        request = queue[0]
    else:
        found = [r for r in queue if r.participant == target]
        if found:
            request = found[0]
        elif target in state.participants:
            # The chair may call someone who did not ask (a rapporteur, a guest).
            request = Request(target, SPEAK, now)
        else:
            raise Rejected(ErrorCode.NOT_FOUND, f"no participant {target}", participant=target)
    agenda_item = find(agenda_of(state), item)
    default = agenda_item.speaker_seconds if agenda_item and agenda_item.speaker_seconds else 0
    seconds = int(cmd.body.get("seconds") or default or DEFAULT_SECONDS)
    events = []
    if speakers.floor is not None:
        events.append(_ended(state, speakers.floor, cmd, now))
    events.append(
        Event(
            "speakers.floor_given",
            {"participant": request.participant, **_who(state, request.participant),
             "item": item, "kind": request.kind, "started_at": now, "seconds": seconds},
            cmd.actor.participant_id,
            now,
        )
    )
    return events


def decide_end(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    floor = speakers_of(state).floor
    if floor is None:
        raise Rejected(ErrorCode.INVALID_STATE, "nobody has the floor")
    return [_ended(state, floor, cmd, now)]


def _ended(state: MeetingState, floor: Floor, cmd: Command, now: int) -> Event:
    return Event(
        "speakers.floor_ended",
        {"participant": floor.participant, **_who(state, floor.participant),
         "item": floor.item, "kind": floor.kind,
         "started_at": floor.started_at, "spoke_ms": max(0, now - floor.started_at),
         "seconds": floor.seconds},
        cmd.actor.participant_id,
        now,
    )


# ---- events ---------------------------------------------------------------------------------


def _with_queue(state: MeetingState, item: str, queue: tuple[Request, ...]) -> MeetingState:
    speakers = speakers_of(state)
    return with_slice(state, NAME, replace(speakers, queues={**speakers.queues, item: queue}))


def _without(state: MeetingState, item: str, participant: str) -> MeetingState:
    queue = speakers_of(state).queues.get(item, ())
    return _with_queue(state, item, tuple(r for r in queue if r.participant != participant))


def evolve_requested(state: MeetingState, event: Event) -> MeetingState:
    b = event.body
    queue = speakers_of(state).queues.get(b["item"], ())
    request = Request(b["participant"], b["kind"], event.at)
    return _with_queue(state, b["item"], _insert(queue, request))


def evolve_withdrawn(state: MeetingState, event: Event) -> MeetingState:
    b = event.body
    return _without(state, b["item"], b["participant"])


def evolve_reordered(state: MeetingState, event: Event) -> MeetingState:
    b = event.body
    by_id = {r.participant: r for r in speakers_of(state).queues.get(b["item"], ())}
    return _with_queue(state, b["item"], tuple(by_id[p] for p in b["order"]))


def evolve_floor_given(state: MeetingState, event: Event) -> MeetingState:
    b = event.body
    state = _without(state, b["item"], b["participant"])
    floor = Floor(b["participant"], b["item"], b["kind"], b["started_at"], b["seconds"])
    return with_slice(state, NAME, replace(speakers_of(state), floor=floor))


def evolve_floor_ended(state: MeetingState, event: Event) -> MeetingState:
    b = event.body
    speakers = speakers_of(state)
    speech = Speech(b["participant"], b["item"], b["kind"], b["started_at"], b["spoke_ms"])
    return with_slice(state, NAME, replace(speakers, floor=None, spoken=(*speakers.spoken, speech)))


def speeches_by_item(state: MeetingState) -> dict[str, list[Speech]]:
    """Who spoke on each item, in order, for the minutes."""
    out: dict[str, list[Speech]] = {}
    for speech in speakers_of(state).spoken:
        out.setdefault(speech.item, []).append(speech)
    return out


def snapshot(state: MeetingState, role: Role, participant_id: str) -> dict[str, Any]:
    speakers = speakers_of(state)
    return {
        "speakers": {
            "queues": {
                item: [{**r.to_dict(), **_who(state, r.participant)} for r in q]
                for item, q in speakers.queues.items() if q
            },
            "floor": ({**speakers.floor.to_dict(), **_who(state, speakers.floor.participant)}
                      if speakers.floor else None),
        }
    }


CHAIR: Final = frozenset({Role.CHAIR})

DECIDERS = {
    "speakers.request": decide_request,
    "speakers.withdraw": decide_withdraw,
    "speakers.reorder": decide_reorder,
    "speakers.give_floor": decide_give_floor,
    "speakers.end": decide_end,
}
EVOLVERS = {
    "speakers.requested": evolve_requested,
    "speakers.withdrawn": evolve_withdrawn,
    "speakers.reordered": evolve_reordered,
    "speakers.floor_given": evolve_floor_given,
    "speakers.floor_ended": evolve_floor_ended,
}
PERMISSIONS = {
    "speakers.request": frozenset({Role.DELEGATE}),
    "speakers.withdraw": frozenset({Role.DELEGATE, Role.CHAIR, Role.SECRETARY}),
    "speakers.reorder": CHAIR,
    "speakers.give_floor": CHAIR,
    "speakers.end": CHAIR,
}
SNAPSHOT = snapshot
