"""A meeting definition (rooms/definition.py) and a meeting, both ways: the commands that make
a definition's meeting (``plan``), tried on a state in memory first (``rehearse``), so that
the shell carries out only what every rule already accepted; and the definition a meeting's
state holds (``definition_of``), which is what an export writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from rooms import aggregate
from rooms.agenda import agenda_of
from rooms.agenda_items import AgendaItem, walk
from rooms.decision import Context
from rooms.definition import Definition, FieldError, MeetingSpec
from rooms.definition_polls import create_body
from rooms.documents import documents_of
from rooms.model import Actor, Command, Rejected
from rooms.polls import PollStatus, polls_of
from rooms.settings import effective
from rooms.state import MeetingState


@dataclass(frozen=True)
class DocumentSlot:
    """A document the definition names: made as a placeholder file by the shell."""

    id: str
    title: str
    item: str | None


@dataclass(frozen=True)
class DocumentFile:
    """What the shell stored for a slot (rooms/documents.py ``document.add``'s metadata)."""

    sha256: str
    size: int
    pages: int
    filename: str
    mime: str = "application/pdf"


@dataclass(frozen=True)
class Step:
    kind: str
    body: dict[str, Any]
    where: str  # the definition's field the step comes from, for errors


def document_slots(definition: Definition) -> list[DocumentSlot]:
    named: list[tuple[str, str | None]] = [
        (title, item.id) for item in walk(definition.agenda) for title in item.documents]
    named += [(title, None) for title in definition.documents]
    return [DocumentSlot(f"d{n}", title, item) for n, (title, item) in enumerate(named, start=1)]


def plan(definition: Definition, files: Sequence[tuple[DocumentSlot, DocumentFile]]) -> list[Step]:
    """After ``meeting.create`` (``definition.meeting.create_body()``): the agenda, the
    documents, then the polls as drafts on their items."""
    steps: list[Step] = []
    if definition.agenda:
        steps.append(Step("agenda.import", {"items": [i.to_dict() for i in definition.agenda]},
                          "agenda"))
    for slot, file in files:
        steps.append(Step("document.add", {
            "id": slot.id, "title": slot.title, "item": slot.item, "sha256": file.sha256,
            "size": file.size, "mime": file.mime, "pages": file.pages,
            "filename": file.filename,
        }, f"documents.{slot.title}"))
    steps += [Step("poll.create", create_body(p), f"polls.{p.id}") for p in definition.polls]
    return steps


def rehearse(meeting_id: str, spec: MeetingSpec, steps: Sequence[Step], ctx: Context
             ) -> MeetingState:
    """The meeting the steps make, folded in memory; ``Rejected`` with the step's field in
    its details (``field``) when a rule refuses one."""
    admin = Actor.admin()
    try:
        created = aggregate.decide_create(
            meeting_id, Command("meeting.create", spec.create_body(), admin), ctx)
    except Rejected as rej:
        raise Rejected(rej.code, rej.message, field="meeting") from None
    return rehearse_on(aggregate.fold(list(created.events)), admin, steps, ctx)


def rehearse_on(state: MeetingState, actor: Actor, steps: Sequence[Step], ctx: Context
                ) -> MeetingState:
    """The meeting ``state`` becomes by the steps, sent by ``actor``, folded in memory;
    ``Rejected`` naming the step's field (``field``) when a rule refuses one."""
    for step in steps:
        try:
            decision = aggregate.decide(state, Command(step.kind, step.body, actor), ctx)
        except Rejected as rej:
            raise Rejected(rej.code, rej.message, field=step.where) from None
        for event in decision.events:
            state = aggregate.evolve(state, event)
    return state


def errors_of(rej: Rejected) -> list[FieldError]:
    return [FieldError(str(rej.details.get("field", "")), rej.message)]


# ---- a meeting back to its definition ------------------------------------------------------


def definition_of(state: MeetingState) -> Definition:
    """The definition of the meeting as it stands: its details and settings, agenda, documents
    by title (each on its item) and every poll not cancelled, as prepared."""
    info = state.info
    meeting = MeetingSpec(
        title=info.title, title_en=info.title_en, organisation=info.organisation,
        place=info.place, timezone=info.timezone, starts=info.starts, ends=info.ends,
        quorum=info.quorum, settings=effective(info.settings),
    )
    docs = sorted(documents_of(state).documents.values(), key=lambda d: d.id)
    titles: dict[str | None, list[str]] = {}
    for doc in docs:
        titles.setdefault(doc.item, []).append(doc.title)
    items = tuple(_item(i, titles) for i in agenda_of(state).items)
    known = {i.id for i in walk(items)}
    order = {item_id: n for n, item_id in enumerate(walk_ids(items))}
    polls = [p.definition for p in polls_of(state).polls.values()
             if p.status != PollStatus.CANCELLED]
    polls.sort(key=lambda d: order.get(d.agenda_item or "", len(order)))
    loose = [t for item, ts in titles.items() if item not in known for t in ts]
    return Definition(meeting, items, tuple(polls), tuple(loose))


def walk_ids(items: Sequence[AgendaItem]) -> list[str]:
    return [i.id for i in walk(items)]


def _item(item: AgendaItem, titles: dict[str | None, list[str]]) -> AgendaItem:
    extra = [t for t in titles.get(item.id, []) if t not in item.documents]
    return replace(
        item, poll=None, documents=(*item.documents, *extra),
        items=tuple(_item(i, titles) for i in item.items),
    )
