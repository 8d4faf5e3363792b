"""An agenda item and reading a tree of them: from a plan file (TOML or JSON, the shape of
congress.toml) or from a command. Pure: text or maps in, checked items out, nothing imported
when anything is wrong."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from rooms.model import nfc

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
    items = [item_from_map(value, str(n), 1) for n, value in enumerate(raw, start=1)]
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


def item_from_map(value: Any, default_id: str, depth: int) -> AgendaItem:
    """One item (and its sub-items) checked from a map; `depth` 1 is a top-level item."""
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
    documents = _documents(value, where)
    seconds = _speaker_seconds(value, where)
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
            item_from_map(child, f"{item_id}.{n}", depth + 1)
            for n, child in enumerate(children, start=1)
        ),
        feedback=bool(value.get("feedback", False)),
        speaker_seconds=int(seconds),
        poll=dict(poll) if poll is not None else None,
    )


def _documents(value: Mapping[str, Any], where: str) -> list[str]:
    documents = value.get("documents", [])
    if (
        not isinstance(documents, list)
        or len(documents) > MAX_DOCUMENTS
        or not all(isinstance(d, str) and 0 < len(d) <= MAX_TITLE for d in documents)
    ):
        raise AgendaError(f"{where}: documents must be a list of up to {MAX_DOCUMENTS} names")
    return documents


def _speaker_seconds(value: Mapping[str, Any], where: str) -> int | float:
    """``speaker_seconds``, or a plan's ``[speaking] minutes_per_speaker`` in seconds."""
    speaking = value.get("speaking", {})
    per_speaker = speaking.get("minutes_per_speaker", 0) if isinstance(speaking, Mapping) else 0
    seconds = value.get("speaker_seconds", int(per_speaker * 60) if per_speaker else 0)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 <= seconds <= 3600
    ):
        raise AgendaError(f"{where}: speaking time must be 0-60 minutes")
    return seconds


def walk(items: Sequence[AgendaItem]) -> list[AgendaItem]:
    """Every item, depth first, in agenda order."""
    out: list[AgendaItem] = []
    for item in items:
        out.append(item)
        out.extend(walk(item.items))
    return out
