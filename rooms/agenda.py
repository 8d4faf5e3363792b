"""The agenda: items with sub-items, import from TOML or JSON, reorder, the current item and
its timer.

A timer is recorded as ``started_at`` and ``duration_ms`` (server milliseconds), never as a
ticking value: every view computes the remaining time from the server time it learned at
``welcome``/``pong``, so a tablet that reconnects shows the same countdown as the hall screen.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from protocol.errors import ErrorCode
from rooms.lifecycle import Status
from rooms.model import STAFF, Command, Event, Rejected, Role, nfc
from rooms.state import MeetingState, get_slice, with_slice

NAME: Final = "agenda"
KINDS: Final = ("procedural", "report", "discussion", "vote", "election")
MAX_ITEMS: Final = 300  # all levels together
MAX_DEPTH: Final = 2  # items and their sub-items
MAX_TITLE: Final = 500
MAX_DOCUMENTS: Final = 20
MAX_MINUTES: Final = 24 * 60
ID_PATTERN: Final = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


class AgendaError(ValueError):
    """An agenda file or item list that cannot be imported; nothing is imported."""


@dataclass(frozen=True)
class AgendaItem:
    id: str
    title: str
    kind: str = "procedural"
    minutes: int = 0
    # Document references: ids of uploaded documents or, from an imported plan, their titles.
    documents: tuple[str, ...] = ()
    items: tuple[AgendaItem, ...] = ()
    feedback: bool = False
    # Speaking time per speaker on this item, in seconds (0: the meeting's default).
    speaker_seconds: int = 0
    # The poll spec as given in the plan, kept opaque for the polls feature.
    poll: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "minutes": self.minutes,
            "documents": list(self.documents),
            "items": [i.to_dict() for i in self.items],
            "feedback": self.feedback,
            "speaker_seconds": self.speaker_seconds,
        }
        if self.poll is not None:
            out["poll"] = dict(self.poll)
        return out


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


# ---- parsing (pure: text in, items out) -----------------------------------------------------


def parse_toml(text: str) -> list[AgendaItem]:
    """Items from a plan in the shape of congress.toml: ``[[agenda]]`` tables, sub-items as
    ``[[agenda.items]]``; a ``[meeting]`` table and unknown keys are ignored."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AgendaError(f"not valid TOML: {exc}") from None
    raw = data.get("agenda")
    if not isinstance(raw, list):
        raise AgendaError("the file has no [[agenda]] items")
    return normalize(raw)


def parse_json(text: str | bytes) -> list[AgendaItem]:
    """Items from JSON: a list of items, or an object with an ``agenda`` or ``items`` list."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise AgendaError(f"not valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get("agenda", data.get("items"))
    if not isinstance(data, list):
        raise AgendaError("expected a list of agenda items")
    return normalize(data)


def normalize(raw: Sequence[Any]) -> list[AgendaItem]:
    """Check and normalise a tree of items given as maps; ids default to their position
    ("1", "2", "2.1"), so a re-imported plan keeps the same ids."""
    items = [_item(value, str(n), 1) for n, value in enumerate(raw, start=1)]
    ids = [i.id for i in walk(items)]
    if len(ids) > MAX_ITEMS:
        raise AgendaError(f"more than {MAX_ITEMS} agenda items")
    seen: set[str] = set()
    for item_id in ids:
        if item_id in seen:
            raise AgendaError(f"item id {item_id!r} repeats")
        seen.add(item_id)
    if not items:
        raise AgendaError("the agenda has no items")
    return items


def _item(value: Any, default_id: str, depth: int) -> AgendaItem:
    where = f"item {default_id}"
    if not isinstance(value, Mapping):
        raise AgendaError(f"{where}: must be a table/object")
    item_id = value.get("id", default_id)
    if not isinstance(item_id, str) or not ID_PATTERN.match(item_id):
        raise AgendaError(f"{where}: id must be 1-32 letters, digits, '.', '_' or '-'")
    title = value.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        raise AgendaError(f"{where}: title is required (at most {MAX_TITLE} characters)")
    kind = value.get("kind", "procedural")
    if kind not in KINDS:
        raise AgendaError(f"{where}: kind must be one of {', '.join(KINDS)}")
    minutes = value.get("minutes", 0)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_MINUTES:
        raise AgendaError(f"{where}: minutes must be a whole number 0-{MAX_MINUTES}")
    documents = value.get("documents", [])
    if (
        not isinstance(documents, list)
        or len(documents) > MAX_DOCUMENTS
        or not all(isinstance(d, str) and 0 < len(d) <= MAX_TITLE for d in documents)
    ):
        raise AgendaError(f"{where}: documents must be a list of up to {MAX_DOCUMENTS} names")
    speaking = value.get("speaking", {})
    per_speaker = speaking.get("minutes_per_speaker", 0) if isinstance(speaking, Mapping) else 0
    seconds = value.get("speaker_seconds", int(per_speaker * 60) if per_speaker else 0)
    if (isinstance(seconds, bool) or not isinstance(seconds, int | float)
            or not 0 <= seconds <= 3600):
        raise AgendaError(f"{where}: speaking time must be 0-60 minutes")
    poll = value.get("poll")
    if poll is not None and not isinstance(poll, Mapping):
        raise AgendaError(f"{where}: poll must be a table/object")
    children = value.get("items", [])
    if not isinstance(children, list):
        raise AgendaError(f"{where}: items must be a list")
    if children and depth >= MAX_DEPTH:
        raise AgendaError(f"{where}: sub-items may not have sub-items")
    return AgendaItem(
        id=item_id,
        title=nfc(title.strip()),
        kind=kind,
        minutes=minutes,
        documents=tuple(nfc(d) for d in documents),
        items=tuple(
            _item(child, f"{item_id}.{n}", depth + 1) for n, child in enumerate(children, start=1)
        ),
        feedback=bool(value.get("feedback", False)),
        speaker_seconds=int(seconds),
        poll=dict(poll) if poll is not None else None,
    )


def walk(items: Sequence[AgendaItem]) -> list[AgendaItem]:
    """Every item, depth first, in agenda order."""
    out: list[AgendaItem] = []
    for item in items:
        out.append(item)
        out.extend(walk(item.items))
    return out


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
    return _item(data, str(data["id"]), 1)


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
        item = _item(raw, raw["id"] if isinstance(raw["id"], str) else "?", 2 if parent else 1)
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
        updated = _item({**merged, "items": []}, item.id, 1).to_dict()
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
