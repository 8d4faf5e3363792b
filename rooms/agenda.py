"""The agenda: items with sub-items, import from TOML or JSON, reorder, the current item and
its timer. The items and reading them from a plan are in ``rooms.agenda_items``.

A timer is recorded as ``started_at`` and ``duration_ms`` (server milliseconds), never as a
ticking value: every view computes the remaining time from the server time it learned at
``welcome``/``pong``, so a tablet that reconnects shows the same countdown as the hall screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from protocol.errors import ErrorCode
from rooms.agenda_items import MAX_ITEMS, item_from_map

# Re-exported: the agenda feature's callers (the plan upload, the floor features, tests) read
# items, parse plans and walk the tree through this module.
from rooms.agenda_items import AgendaError as AgendaError
from rooms.agenda_items import AgendaItem as AgendaItem
from rooms.agenda_items import normalize as normalize
from rooms.agenda_items import parse_json as parse_json
from rooms.agenda_items import parse_toml as parse_toml
from rooms.agenda_items import walk as walk
from rooms.lifecycle import Status
from rooms.model import STAFF, Command, Event, Rejected, Role
from rooms.state import MeetingState, get_slice, with_slice

NAME: Final = "agenda"


@dataclass(frozen=True)
class Timer:
    item: str
    started_at: int
    duration_ms: int

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.item, "started_at": self.started_at, "duration_ms": self.duration_ms}


@dataclass(frozen=True)
class AgendaState:
    items: tuple[AgendaItem, ...] = ()
    current: str | None = None
    timer: Timer | None = None
    # (item id, at) each time the current item changed: the agenda as it ran.
    ran: tuple[tuple[str, int], ...] = ()


EMPTY: Final = AgendaState()


def agenda_of(state: MeetingState) -> AgendaState:
    return get_slice(state, NAME, EMPTY)


def find(agenda: AgendaState, item_id: str) -> AgendaItem | None:
    for item in walk(agenda.items):
        if item.id == item_id:
            return item
    return None


def _children(agenda: AgendaState, parent: str | None) -> tuple[AgendaItem, ...]:
    if parent is None:
        return agenda.items
    item = find(agenda, parent)
    if item is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no agenda item {parent}", id=parent)
    return item.items


def _replace_children(
    items: tuple[AgendaItem, ...], parent: str | None, new: tuple[AgendaItem, ...]
) -> tuple[AgendaItem, ...]:
    if parent is None:
        return new
    return tuple(
        replace(i, items=new) if i.id == parent else replace(
            i, items=_replace_children(i.items, parent, new))
        for i in items
    )


def _map_items(
    items: tuple[AgendaItem, ...], item_id: str, fn: Any
) -> tuple[AgendaItem, ...]:
    out: list[AgendaItem] = []
    for item in items:
        if item.id == item_id:
            new = fn(item)
            if new is not None:
                out.append(new)
        else:
            out.append(replace(item, items=_map_items(item.items, item_id, fn)))
    return tuple(out)


def _from_dict(data: Mapping[str, Any]) -> AgendaItem:
    return item_from_map(data, str(data["id"]), 1)


# ---- commands ---------------------------------------------------------------------------------


def _not_closed(state: MeetingState) -> None:
    if state.status == Status.CLOSED:
        raise Rejected(ErrorCode.INVALID_STATE, "the meeting is closed")


def decide_import(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _not_closed(state)
    try:
        items = normalize(cmd.body["items"])
    except AgendaError as exc:
        raise Rejected(ErrorCode.INVALID, str(exc)) from None
    agenda = agenda_of(state)
    events = []
    if agenda.timer is not None:
        events.append(_timer_stopped(agenda.timer, cmd, now))
    events.append(
        Event("agenda.imported", {"items": [i.to_dict() for i in items]},
              cmd.actor.participant_id, now)
    )
    return events


def decide_add(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _not_closed(state)
    agenda = agenda_of(state)
    parent = cmd.body.get("parent")
    siblings = _children(agenda, parent)
    if parent is not None and parent not in {i.id for i in agenda.items}:
        raise Rejected(ErrorCode.INVALID, "sub-items may not have sub-items")
    raw = dict(cmd.body["item"])
    if "id" not in raw:
        taken = {i.id for i in walk(agenda.items)}
        n = len(taken) + 1
        while f"x{n}" in taken:
            n += 1
        raw["id"] = f"x{n}"
    try:
        item = item_from_map(
            raw, raw["id"] if isinstance(raw["id"], str) else "?", 2 if parent else 1
        )
    except AgendaError as exc:
        raise Rejected(ErrorCode.INVALID, str(exc)) from None
    existing = {i.id for i in walk(agenda.items)}
    if {i.id for i in walk([item])} & existing:
        raise Rejected(ErrorCode.DUPLICATE, f"agenda item {item.id} exists", id=item.id)
    if len(existing) + len(walk([item])) > MAX_ITEMS:
        raise Rejected(ErrorCode.INVALID, f"more than {MAX_ITEMS} agenda items")
    position = cmd.body.get("position", len(siblings))
    position = max(0, min(int(position), len(siblings)))
    return [
        Event(
            "agenda.item_added",
            {"item": item.to_dict(), "parent": parent, "position": position},
            cmd.actor.participant_id,
            now,
        )
    ]


_UPDATABLE = ("title", "kind", "minutes", "documents", "feedback", "speaker_seconds")


def decide_update(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _not_closed(state)
    item = find(agenda_of(state), cmd.body["id"])
    if item is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no agenda item {cmd.body['id']}", id=cmd.body["id"])
    current = item.to_dict()
    merged = {**current, **{k: v for k, v in cmd.body.items() if k in _UPDATABLE}}
    try:
        updated = item_from_map({**merged, "items": []}, item.id, 1).to_dict()
    except AgendaError as exc:
        raise Rejected(ErrorCode.INVALID, str(exc)) from None
    changes = {k: updated[k] for k in _UPDATABLE if updated[k] != current[k]}
    if not changes:
        return []
    return [
        Event("agenda.item_updated", {"id": item.id, "changes": changes},
              cmd.actor.participant_id, now)
    ]


def decide_remove(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _not_closed(state)
    agenda = agenda_of(state)
    item = find(agenda, cmd.body["id"])
    if item is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no agenda item {cmd.body['id']}", id=cmd.body["id"])
    if agenda.current in {i.id for i in walk([item])}:
        raise Rejected(ErrorCode.INVALID_STATE, "the current item cannot be removed")
    return [Event("agenda.item_removed", {"id": item.id}, cmd.actor.participant_id, now)]


def decide_reorder(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _not_closed(state)
    parent = cmd.body.get("parent")
    siblings = _children(agenda_of(state), parent)
    order = list(cmd.body["order"])
    if sorted(order) != sorted(i.id for i in siblings) or len(set(order)) != len(order):
        raise Rejected(ErrorCode.INVALID, "order must list every item of that level exactly once")
    if order == [i.id for i in siblings]:
        return []
    return [
        Event("agenda.reordered", {"parent": parent, "order": order},
              cmd.actor.participant_id, now)
    ]


def decide_set_current(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _not_closed(state)
    agenda = agenda_of(state)
    item_id = cmd.body.get("id")
    if item_id is not None and find(agenda, item_id) is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no agenda item {item_id}", id=item_id)
    if item_id == agenda.current:
        return []
    events = []
    if agenda.timer is not None:
        events.append(_timer_stopped(agenda.timer, cmd, now))
    events.append(
        Event("agenda.current_changed", {"id": item_id, "previous": agenda.current},
              cmd.actor.participant_id, now)
    )
    return events


def decide_timer_start(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _not_closed(state)
    agenda = agenda_of(state)
    if agenda.current is None:
        raise Rejected(ErrorCode.INVALID_STATE, "no current agenda item")
    item = find(agenda, agenda.current)
    assert item is not None
    seconds = cmd.body.get("seconds", item.minutes * 60)
    if seconds <= 0:
        raise Rejected(ErrorCode.INVALID, "the item has no planned time; give 'seconds'")
    events = []
    if agenda.timer is not None:
        events.append(_timer_stopped(agenda.timer, cmd, now))
    events.append(
        Event(
            "agenda.timer_started",
            {"item": item.id, "started_at": now, "duration_ms": int(seconds * 1000)},
            cmd.actor.participant_id,
            now,
        )
    )
    return events


def decide_timer_stop(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    timer = agenda_of(state).timer
    if timer is None:
        raise Rejected(ErrorCode.INVALID_STATE, "no timer is running")
    return [_timer_stopped(timer, cmd, now)]


def _timer_stopped(timer: Timer, cmd: Command, now: int) -> Event:
    return Event(
        "agenda.timer_stopped",
        {"item": timer.item, "started_at": timer.started_at, "elapsed_ms": now - timer.started_at,
         "duration_ms": timer.duration_ms},
        cmd.actor.participant_id,
        now,
    )


# ---- events -------------------------------------------------------------------------------


def _evolve(state: MeetingState, agenda: AgendaState) -> MeetingState:
    return with_slice(state, NAME, agenda)


def evolve_imported(state: MeetingState, event: Event) -> MeetingState:
    items = tuple(_from_dict(i) for i in event.body["items"])
    agenda = agenda_of(state)
    ids = {i.id for i in walk(items)}
    current = agenda.current if agenda.current in ids else None
    return _evolve(state, replace(agenda, items=items, current=current, timer=None))


def evolve_added(state: MeetingState, event: Event) -> MeetingState:
    agenda = agenda_of(state)
    parent = event.body["parent"]
    item = _from_dict(event.body["item"])
    siblings = list(_children(agenda, parent))
    siblings.insert(event.body["position"], item)
    return _evolve(
        state, replace(agenda, items=_replace_children(agenda.items, parent, tuple(siblings)))
    )


def evolve_updated(state: MeetingState, event: Event) -> MeetingState:
    agenda = agenda_of(state)
    changes = dict(event.body["changes"])
    if "documents" in changes:
        changes["documents"] = tuple(changes["documents"])
    items = _map_items(agenda.items, event.body["id"], lambda i: replace(i, **changes))
    return _evolve(state, replace(agenda, items=items))


def evolve_removed(state: MeetingState, event: Event) -> MeetingState:
    agenda = agenda_of(state)
    return _evolve(
        state, replace(agenda, items=_map_items(agenda.items, event.body["id"], lambda _i: None))
    )


def evolve_reordered(state: MeetingState, event: Event) -> MeetingState:
    agenda = agenda_of(state)
    parent = event.body["parent"]
    by_id = {i.id: i for i in _children(agenda, parent)}
    new = tuple(by_id[i] for i in event.body["order"])
    return _evolve(state, replace(agenda, items=_replace_children(agenda.items, parent, new)))


def evolve_current(state: MeetingState, event: Event) -> MeetingState:
    agenda = agenda_of(state)
    item_id = event.body["id"]
    ran = (*agenda.ran, (item_id, event.at)) if item_id is not None else agenda.ran
    return _evolve(state, replace(agenda, current=item_id, ran=ran))


def evolve_timer_started(state: MeetingState, event: Event) -> MeetingState:
    body = event.body
    timer = Timer(body["item"], body["started_at"], body["duration_ms"])
    return _evolve(state, replace(agenda_of(state), timer=timer))


def evolve_timer_stopped(state: MeetingState, event: Event) -> MeetingState:
    return _evolve(state, replace(agenda_of(state), timer=None))


def snapshot(state: MeetingState, role: Role, participant_id: str) -> dict[str, Any]:
    agenda = agenda_of(state)
    return {
        "agenda": {
            "items": [i.to_dict() for i in agenda.items],
            "current": agenda.current,
            "timer": agenda.timer.to_dict() if agenda.timer else None,
        }
    }


CHAIR: Final = frozenset({Role.CHAIR})

DECIDERS = {
    "agenda.import": decide_import,
    "agenda.add": decide_add,
    "agenda.update": decide_update,
    "agenda.remove": decide_remove,
    "agenda.reorder": decide_reorder,
    "agenda.set_current": decide_set_current,
    "agenda.timer.start": decide_timer_start,
    "agenda.timer.stop": decide_timer_stop,
}
EVOLVERS = {
    "agenda.imported": evolve_imported,
    "agenda.item_added": evolve_added,
    "agenda.item_updated": evolve_updated,
    "agenda.item_removed": evolve_removed,
    "agenda.reordered": evolve_reordered,
    "agenda.current_changed": evolve_current,
    "agenda.timer_started": evolve_timer_started,
    "agenda.timer_stopped": evolve_timer_stopped,
}
PERMISSIONS = {
    "agenda.import": STAFF,
    "agenda.add": STAFF,
    "agenda.update": STAFF,
    "agenda.remove": STAFF,
    "agenda.reorder": STAFF,
    "agenda.set_current": CHAIR,
    "agenda.timer.start": CHAIR,
    "agenda.timer.stop": CHAIR,
}
# Every agenda event is seen by every view: nothing in the agenda is confidential.
SNAPSHOT = snapshot
