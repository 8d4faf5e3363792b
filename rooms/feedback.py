"""Written feedback (góp ý) on an agenda item or a place in a document, its moderation by the
secretary (tags, merging duplicates, accepted/answered), and the per-item summary for the
minutes.

Feedback is for the secretariat: its events are seen live by staff only, and a delegate's
snapshot holds their own feedback. Text is stored exactly as typed (NFC): markup in it is
text, and every view renders it as text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from protocol.errors import ErrorCode
from rooms.agenda import agenda_of, find
from rooms.documents import documents_of, visible_to
from rooms.lifecycle import Status
from rooms.model import STAFF, Command, Event, Rejected, Role, nfc
from rooms.state import MeetingState, get_slice, with_slice

NAME: Final = "feedback"
MAX_TEXT: Final = 4000
MAX_TAGS: Final = 10
MAX_TAG: Final = 40
MAX_FEEDBACK: Final = 20_000
STATUSES: Final = ("new", "accepted", "answered")


@dataclass(frozen=True)
class Feedback:
    id: str
    author: str
    item: str | None
    text: str
    at: int
    document: str | None = None
    version: int | None = None
    page: int | None = None
    paragraph: int | None = None
    tags: tuple[str, ...] = ()
    status: str = "new"
    answer: str = ""
    merged_into: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "author": self.author, "item": self.item, "text": self.text,
            "at": self.at, "document": self.document, "version": self.version,
            "page": self.page, "paragraph": self.paragraph, "tags": list(self.tags),
            "status": self.status, "answer": self.answer, "merged_into": self.merged_into,
        }


@dataclass(frozen=True)
class FeedbackState:
    entries: Mapping[str, Feedback] = field(default_factory=dict)


EMPTY: Final = FeedbackState()


def feedback_of(state: MeetingState) -> FeedbackState:
    return get_slice(state, NAME, EMPTY)


def clean_text(value: str, limit: int, what: str) -> str:
    text = nfc(value).strip()
    if not text:
        raise Rejected(ErrorCode.INVALID, f"{what} is empty")
    if len(text) > limit:
        raise Rejected(ErrorCode.INVALID, f"{what} is longer than {limit} characters", limit=limit)
    return text


# ---- commands -----------------------------------------------------------------------------


def decide_submit(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    """``id`` is made by the shell (the planner that also applies the rate limit)."""
    if state.status == Status.CLOSED:
        raise Rejected(ErrorCode.INVALID_STATE, "the meeting is closed")
    body = cmd.body
    entries = feedback_of(state).entries
    if body["id"] in entries:
        raise Rejected(ErrorCode.DUPLICATE, "feedback id exists")
    if len(entries) >= MAX_FEEDBACK:
        raise Rejected(ErrorCode.INVALID, "this meeting has taken all the feedback it can")
    text = clean_text(body["text"], MAX_TEXT, "the feedback")
    agenda = agenda_of(state)
    item = body.get("item")
    place: dict[str, Any] = {"document": None, "version": None, "page": None, "paragraph": None}
    if body.get("document") is not None:
        role = cmd.actor.role or Role.CHAIR
        version = visible_to(state, role, body["document"], body.get("version"))
        if version is None:
            raise Rejected(ErrorCode.NOT_FOUND, "no such document", document=body["document"])
        page = body.get("page")
        if page is not None and not 1 <= page <= version.pages:
            raise Rejected(ErrorCode.INVALID,
                           f"page must be 1-{version.pages}", pages=version.pages)
        doc = documents_of(state).documents[body["document"]]
        place = {"document": doc.id, "version": version.n, "page": page,
                 "paragraph": body.get("paragraph")}
        if item is None:
            item = doc.item
    elif item is None:
        item = agenda.current
        if item is None:
            raise Rejected(ErrorCode.INVALID,
                           "say which agenda item or document the feedback is on")
    if item is not None and find(agenda, item) is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no agenda item {item}", item=item)
    return [
        Event(
            "feedback.submitted",
            {"id": body["id"], "author": cmd.actor.participant_id, "item": item, "text": text,
             **place},
            cmd.actor.participant_id,
            now,
        )
    ]


def _entry(state: MeetingState, feedback_id: str) -> Feedback:
    entry = feedback_of(state).entries.get(feedback_id)
    if entry is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no feedback {feedback_id}", id=feedback_id)
    return entry


def decide_tag(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    entry = _entry(state, cmd.body["id"])
    tags: list[str] = []
    for raw in cmd.body["tags"]:
        tag = clean_text(raw, MAX_TAG, "a tag")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise Rejected(ErrorCode.INVALID, f"at most {MAX_TAGS} tags")
    if tuple(tags) == entry.tags:
        return []
    return [Event("feedback.tagged", {"id": entry.id, "tags": tags}, cmd.actor.participant_id, now)]


def decide_merge(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    """Mark ``id`` a duplicate of ``into``; it then counts as support for ``into``."""
    entry = _entry(state, cmd.body["id"])
    target = _entry(state, cmd.body["into"])
    while target.merged_into is not None:
        target = _entry(state, target.merged_into)
    if target.id == entry.id:
        raise Rejected(ErrorCode.INVALID, "feedback cannot be merged into itself")
    if entry.merged_into == target.id:
        return []
    return [
        Event("feedback.merged", {"id": entry.id, "into": target.id},
              cmd.actor.participant_id, now)
    ]


def decide_mark(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    entry = _entry(state, cmd.body["id"])
    if entry.merged_into is not None:
        raise Rejected(ErrorCode.INVALID_STATE, "mark the feedback it was merged into",
                       into=entry.merged_into)
    status = cmd.body["status"]
    answer = nfc(cmd.body.get("answer", entry.answer)).strip()
    if len(answer) > MAX_TEXT:
        raise Rejected(ErrorCode.INVALID, f"the answer is longer than {MAX_TEXT} characters")
    if (status, answer) == (entry.status, entry.answer):
        return []
    return [
        Event("feedback.marked", {"id": entry.id, "status": status, "answer": answer},
              cmd.actor.participant_id, now)
    ]


# ---- events ---------------------------------------------------------------------------------


def _put(state: MeetingState, entry: Feedback) -> MeetingState:
    fb = feedback_of(state)
    return with_slice(state, NAME, replace(fb, entries={**fb.entries, entry.id: entry}))


def evolve_submitted(state: MeetingState, event: Event) -> MeetingState:
    b = event.body
    return _put(state, Feedback(
        id=b["id"], author=b["author"], item=b["item"], text=b["text"], at=event.at,
        document=b["document"], version=b["version"], page=b["page"], paragraph=b["paragraph"],
    ))


def evolve_tagged(state: MeetingState, event: Event) -> MeetingState:
    entry = feedback_of(state).entries[event.body["id"]]
    return _put(state, replace(entry, tags=tuple(event.body["tags"])))


def evolve_merged(state: MeetingState, event: Event) -> MeetingState:
    fb = feedback_of(state)
    source, into = event.body["id"], event.body["into"]
    entries = dict(fb.entries)
    # Whatever was merged into the source now points at the target: one level, always.
    for key, entry in fb.entries.items():
        if key == source or entry.merged_into == source:
            entries[key] = replace(entry, merged_into=into)
    return with_slice(state, NAME, replace(fb, entries=entries))


def evolve_marked(state: MeetingState, event: Event) -> MeetingState:
    entry = feedback_of(state).entries[event.body["id"]]
    return _put(state, replace(entry, status=event.body["status"], answer=event.body["answer"]))


# ---- the summary for the minutes --------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """One distinct piece of feedback and how many delegates raised it."""

    feedback: Feedback
    supporters: tuple[str, ...]


@dataclass(frozen=True)
class ItemSummary:
    item: str | None
    received: int  # every submission, duplicates included
    distinct: int
    by_status: Mapping[str, int]
    tags: Mapping[str, int]
    points: tuple[Point, ...]  # most supported first, then oldest first


def summarize(entries: Mapping[str, Feedback]) -> dict[str | None, ItemSummary]:
    """Per agenda item (None: feedback on no item): counts, statuses, tags and the distinct
    points with their supporters. Pure, so the minutes and the secretary's view agree."""
    by_item: dict[str | None, list[Feedback]] = {}
    for entry in entries.values():
        by_item.setdefault(entry.item, []).append(entry)
    out: dict[str | None, ItemSummary] = {}
    for item, group in by_item.items():
        roots = [e for e in group if e.merged_into is None]
        supporters = {
            r.id: (r.author, *sorted({e.author for e in entries.values()
                                      if e.merged_into == r.id} - {r.author}))
            for r in roots
        }
        points = sorted(
            (Point(r, supporters[r.id]) for r in roots),
            key=lambda p: (-len(p.supporters), p.feedback.at, p.feedback.id),
        )
        statuses = {s: 0 for s in STATUSES}
        tags: dict[str, int] = {}
        for r in roots:
            statuses[r.status] += 1
            for tag in r.tags:
                tags[tag] = tags.get(tag, 0) + 1
        out[item] = ItemSummary(item, len(group), len(roots), statuses,
                                dict(sorted(tags.items())), tuple(points))
    return out


def snapshot(state: MeetingState, role: Role, participant_id: str) -> dict[str, Any]:
    entries = feedback_of(state).entries.values()
    if role in STAFF:
        return {"feedback": [e.to_dict() for e in entries]}
    return {"feedback": [e.to_dict() for e in entries if e.author == participant_id]}


DECIDERS = {
    "feedback.submit": decide_submit,
    "feedback.tag": decide_tag,
    "feedback.merge": decide_merge,
    "feedback.mark": decide_mark,
}
EVOLVERS = {
    "feedback.submitted": evolve_submitted,
    "feedback.tagged": evolve_tagged,
    "feedback.merged": evolve_merged,
    "feedback.marked": evolve_marked,
}
PERMISSIONS = {
    "feedback.submit": frozenset({Role.DELEGATE, Role.CHAIR, Role.SECRETARY}),
    "feedback.tag": STAFF,
    "feedback.merge": STAFF,
    "feedback.mark": STAFF,
}
AUDIENCES = {kind: STAFF for kind in EVOLVERS}
SNAPSHOT = snapshot
