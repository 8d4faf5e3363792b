"""The secretary's notes per agenda item, printed in the minutes under that item.

Notes are kept while the meeting runs and are frozen when it closes, so the final minutes
and the log agree. Ids are given here, in order (``n1``, ``n2`` …): a note is a rare control
command appended on the meeting's seq, so two notes can never be given the same id. Notes are
for the secretariat: only staff see them live, and only staff snapshots hold them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from protocol.errors import ErrorCode
from rooms.agenda import agenda_of, find
from rooms.lifecycle import Status
from rooms.model import STAFF, Command, Event, Rejected, Role, nfc
from rooms.state import MeetingState, get_slice, with_slice

NAME: Final = "notes"
MAX_TEXT: Final = 4000
MAX_NOTES: Final = 5000


@dataclass(frozen=True)
class Note:
    id: str
    item: str
    text: str  # "" once withdrawn
    author: str
    at: int
    edited_at: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "item": self.item,
            "text": self.text,
            "author": self.author,
            "at": self.at,
            "edited_at": self.edited_at,
        }


@dataclass(frozen=True)
class NotesState:
    # In the order they were taken; dicts keep insertion order.
    notes: Mapping[str, Note] = field(default_factory=dict)


EMPTY: Final = NotesState()


def notes_of(state: MeetingState) -> NotesState:
    return get_slice(state, NAME, EMPTY)


def by_item(state: MeetingState) -> dict[str, list[Note]]:
    """The notes still standing (not withdrawn), per agenda item, in the order taken."""
    out: dict[str, list[Note]] = {}
    for note in notes_of(state).notes.values():
        if note.text:
            out.setdefault(note.item, []).append(note)
    return out


def _text(value: Any, *, allow_empty: bool) -> str:
    text = nfc(str(value)).strip()
    if not text and not allow_empty:
        raise Rejected(ErrorCode.INVALID, "the note is empty")
    if len(text) > MAX_TEXT:
        raise Rejected(ErrorCode.INVALID,
                       f"a note has at most {MAX_TEXT} characters", limit=MAX_TEXT)
    return text


def _not_closed(state: MeetingState) -> None:
    if state.status == Status.CLOSED:
        raise Rejected(ErrorCode.INVALID_STATE, "the meeting is closed; its minutes are final")


def decide_add(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _not_closed(state)
    item = cmd.body["item"]
    if find(agenda_of(state), item) is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no agenda item {item}", item=item)
    notes = notes_of(state).notes
    if len(notes) >= MAX_NOTES:
        raise Rejected(ErrorCode.INVALID, f"a meeting has at most {MAX_NOTES} notes")
    text = _text(cmd.body["text"], allow_empty=False)
    note_id = f"n{len(notes) + 1}"
    return [
        Event(
            "note.added", {"id": note_id, "item": item, "text": text}, cmd.actor.participant_id, now
        )
    ]


def decide_edit(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    _not_closed(state)
    note = notes_of(state).notes.get(cmd.body["id"])
    if note is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no note {cmd.body['id']}", id=cmd.body["id"])
    text = _text(cmd.body["text"], allow_empty=True)
    if text == note.text:
        return []
    return [Event("note.edited", {"id": note.id, "text": text}, cmd.actor.participant_id, now)]


def evolve_added(state: MeetingState, event: Event) -> MeetingState:
    b = event.body
    current = notes_of(state)
    note = Note(b["id"], b["item"], b["text"], event.actor, event.at)
    return with_slice(state, NAME, replace(current, notes={**current.notes, note.id: note}))


def evolve_edited(state: MeetingState, event: Event) -> MeetingState:
    current = notes_of(state)
    note = current.notes[event.body["id"]]
    edited = replace(note, text=event.body["text"], edited_at=event.at)
    return with_slice(state, NAME, replace(current, notes={**current.notes, note.id: edited}))


def snapshot(state: MeetingState, role: Role, participant_id: str) -> dict[str, Any]:
    if role not in STAFF:
        return {}
    return {"notes": [n.to_dict() for n in notes_of(state).notes.values()]}


DECIDERS = {"note.add": decide_add, "note.edit": decide_edit}
EVOLVERS = {"note.added": evolve_added, "note.edited": evolve_edited}
PERMISSIONS = {"note.add": STAFF, "note.edit": STAFF}
AUDIENCES = {"note.added": STAFF, "note.edited": STAFF}
SNAPSHOT = snapshot
