"""A meeting's log read for its minutes: the entries (as the store reads them or as
``log.json`` exports them), folded with ``rooms.aggregate.evolve`` into the final state plus
what the fold saw go by that the final state no longer says (when each agenda item ran, the
state when the meeting opened). Pure: the log is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from rooms import aggregate
from rooms.agenda import agenda_of
from rooms.agenda_items import AgendaItem as PlanItem
from rooms.agenda_items import walk
from rooms.model import Event
from rooms.state import MeetingState


class LoggedEvent(Protocol):
    """One log entry: ``server.store.LogEntry`` is one, and so is ``Logged``."""

    @property
    def seq(self) -> int: ...
    @property
    def event(self) -> Event: ...
    @property
    def hash(self) -> str: ...


@dataclass(frozen=True)
class Logged:
    seq: int
    event: Event
    hash: str


def entries_from_export(export: Mapping[str, Any]) -> list[Logged]:
    """The entries of a ``log.json`` export (check it with ``rooms.log_verify`` first)."""
    return [Logged(int(e["seq"]), Event.from_dict(e), str(e["hash"])) for e in export["events"]]


class MinutesError(ValueError):
    """The log cannot give the minutes asked for (empty, or final before the meeting closed)."""


@dataclass(frozen=True)
class LogRun:
    """What the fold saw go by that the final state no longer says."""

    state: MeetingState
    opened: MeetingState | None  # the state right after the first meeting.opened
    opened_at: int | None
    closed_at: int | None
    # item id -> [start, end] of each time it was the current item (end None: still is)
    visits: Mapping[str, list[tuple[int, int | None]]]
    # every agenda item ever seen, so an item removed after it ran keeps its title
    seen_items: Mapping[str, PlanItem]
    event_count: int
    final_hash: str
    # who sent a command that was logged: staff who worked the meeting without checking in
    actors: frozenset[str] = frozenset()


class _Visits:
    """When each agenda item was the current one, as the fold goes by."""

    def __init__(self) -> None:
        self.spans: dict[str, list[tuple[int, int | None]]] = {}
        self.current: tuple[str, int] | None = None

    def leave(self, at: int) -> None:
        if self.current is not None:
            self.spans.setdefault(self.current[0], []).append((self.current[1], at))
            self.current = None

    def enter(self, item_id: str, at: int) -> None:
        self.current = (item_id, at)

    def finish(self) -> dict[str, list[tuple[int, int | None]]]:
        """The spans, the item still current at the end with no end."""
        if self.current is not None:
            self.spans.setdefault(self.current[0], []).append((self.current[1], None))
        return self.spans


def _remember_items(state: MeetingState, seen: dict[str, PlanItem]) -> None:
    for item in walk(agenda_of(state).items):
        seen[item.id] = item


def fold_log(entries: Iterable[LoggedEvent]) -> LogRun:
    state: MeetingState | None = None
    opened: MeetingState | None = None
    opened_at: int | None = None
    closed_at: int | None = None
    visits = _Visits()
    seen: dict[str, PlanItem] = {}
    count, final_hash = 0, ""
    actors: set[str] = set()

    for entry in entries:
        event = entry.event
        count, final_hash = count + 1, entry.hash
        actors.add(event.actor)
        if event.kind != "meeting.created" and event.kind not in aggregate.EVOLVERS:
            # A kind this build does not know (a feature not installed here): its section
            # stays empty, the rest of the minutes is still right.
            continue
        state = aggregate.evolve(state, event, entry.seq)
        if event.kind.startswith("agenda."):
            _remember_items(state, seen)
        match event.kind:
            case "meeting.opened" if opened is None:
                opened, opened_at = state, event.at
            case "meeting.closed":
                closed_at = event.at
                visits.leave(event.at)
            case "agenda.current_changed":
                visits.leave(event.at)
                if event.body.get("id") is not None:
                    visits.enter(str(event.body["id"]), event.at)
            case _:
                pass
    if state is None:
        raise MinutesError("the log is empty or does not start with meeting.created")
    spans = visits.finish()
    return LogRun(
        state, opened, opened_at, closed_at, spans, seen, count, final_hash, frozenset(actors)
    )
