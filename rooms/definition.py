"""A meeting definition (docs/definition.md): the meeting, its settings, the agenda with
durations and kinds, the documents of each item and the prepared polls, as one file — the
shape of ``congress.toml``, read from TOML or JSON and written back to either.

Pure: text or maps in, a checked ``Definition`` out, or ``DefinitionError`` listing every
field that is wrong (``agenda[7].poll.seats``), so nothing is made from a half-good file.
``to_map`` then ``parse`` gives an equal definition: what the file says is what it holds.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rooms import settings as meeting_settings
from rooms.agenda_items import AgendaError, AgendaItem, item_from_map, normalize, walk
from rooms.definition_polls import PollTableError, poll_from_table, poll_table
from rooms.majority import RuleError, parse_rule
from rooms.model import Rejected, nfc
from rooms.poll_state import PollDef
from rooms.toml_text import Inline, dumps

MEETING_KEYS: Final = ("title", "title_en", "organisation", "place", "timezone", "starts",
                       "ends", "quorum", "majority", "roster", "settings")
ITEM_KEYS: Final = frozenset({"id", "title", "kind", "minutes", "documents", "items", "feedback",
                              "speaker_seconds", "speaking", "poll", "polls"})
TOP_KEYS: Final = frozenset({"meeting", "agenda", "documents", "polls"})
MAX_TEXT: Final = 500
DEFAULT_QUORUM: Final = "more than 1/2 of delegates present"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class DefinitionError(ValueError):
    """A definition that cannot be used: every wrong field, nothing made from it."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = tuple(errors)


@dataclass(frozen=True)
class MeetingSpec:
    title: str
    title_en: str = ""
    organisation: str = ""
    place: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    starts: str = ""
    ends: str = ""
    quorum: str = DEFAULT_QUORUM
    # The roster file the definition came with (congress.toml's roster.csv); kept as a name.
    roster: str = ""
    # Every setting of rooms/settings.py, defaults filled in (``majority`` among them).
    settings: Mapping[str, Any] = field(default_factory=dict)

    def create_body(self) -> dict[str, Any]:
        """The ``meeting.create`` body (rooms/meeting.py)."""
        return {"title": self.title, "title_en": self.title_en, "place": self.place,
                "organisation": self.organisation, "timezone": self.timezone,
                "starts": self.starts, "ends": self.ends, "quorum": self.quorum,
                "settings": dict(self.settings)}


@dataclass(frozen=True)
class Definition:
    meeting: MeetingSpec
    agenda: tuple[AgendaItem, ...] = ()
    # Prepared polls in agenda order (a poll's ``agenda_item`` names its item), then the ones
    # attached to no item.
    polls: tuple[PollDef, ...] = ()
    # Documents of the meeting as a whole; an item's documents are in ``AgendaItem.documents``.
    documents: tuple[str, ...] = ()


# ---- reading ----------------------------------------------------------------------------


def loads_toml(text: str) -> Definition:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError([FieldError("", f"not valid TOML: {exc}")]) from None
    return parse(data)


def loads_json(text: str | bytes) -> Definition:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DefinitionError([FieldError("", f"not valid JSON: {exc}")]) from None
    return parse(data)


def parse(data: Any) -> Definition:
    """A definition from its map (TOML or JSON), checked; ``DefinitionError`` otherwise."""
    errors: list[FieldError] = []
    if not isinstance(data, Mapping):
        raise DefinitionError([FieldError("", "a definition is a table/object")])
    for key in sorted(str(k) for k in data if k not in TOP_KEYS):
        errors.append(FieldError(key, f"unknown key; known keys: {', '.join(sorted(TOP_KEYS))}"))
    meeting = _meeting(data.get("meeting"), errors)
    majority = str(meeting.settings.get("majority", ""))
    agenda, polls = _agenda(data.get("agenda", []), majority, errors)
    polls += _loose_polls(data.get("polls", []), agenda, majority, len(polls), errors)
    documents = _texts(data.get("documents", []), "documents", errors)
    taken: set[str] = set()
    for n, poll in enumerate(polls):
        if poll.id in taken:
            errors.append(FieldError(f"polls[{n + 1}].id", f"poll id {poll.id!r} repeats"))
        taken.add(poll.id)
    if errors:
        raise DefinitionError(errors)
    return Definition(meeting, agenda, tuple(polls), tuple(documents))


def _meeting(raw: Any, errors: list[FieldError]) -> MeetingSpec:
    if not isinstance(raw, Mapping):
        errors.append(FieldError("meeting", "the [meeting] table is required"))
        return MeetingSpec(title="?", settings=meeting_settings.effective({}))
    for key in sorted(str(k) for k in raw if k not in MEETING_KEYS):
        errors.append(FieldError(f"meeting.{key}",
                                 f"unknown key; known keys: {', '.join(MEETING_KEYS)}"))
    text = {k: _text(raw, k, errors) for k in MEETING_KEYS if k not in ("settings",)}
    if not text["title"]:
        errors.append(FieldError("meeting.title", "a meeting needs a title"))
    for key in ("starts", "ends"):
        if text[key] and not _is_time(text[key]):
            errors.append(FieldError(f"meeting.{key}", "an ISO 8601 date and time, e.g. "
                                     "2025-11-20T07:30:00+07:00"))
    zone = text["timezone"] or "Asia/Ho_Chi_Minh"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(FieldError("meeting.timezone", f"unknown time zone {zone!r}"))
    quorum = text["quorum"] or DEFAULT_QUORUM
    _check_rule(quorum, "meeting.quorum", errors)
    settings = _settings(raw.get("settings", {}), text["majority"], errors)
    return MeetingSpec(
        title=text["title"] or "?", title_en=text["title_en"], organisation=text["organisation"],
        place=text["place"], timezone=zone, starts=text["starts"], ends=text["ends"],
        quorum=quorum, roster=text["roster"], settings=settings,
    )


def _text(raw: Mapping[str, Any], key: str, errors: list[FieldError]) -> str:
    value = raw.get(key, "")
    if isinstance(value, datetime | date):  # an unquoted TOML date
        value = value.isoformat()
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        errors.append(FieldError(f"meeting.{key}", f"a text of at most {MAX_TEXT} characters"))
        return ""
    return nfc(value.strip())


def _is_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check_rule(text: str, where: str, errors: list[FieldError]) -> None:
    try:
        parse_rule(text)
    except RuleError as exc:
        errors.append(FieldError(where, exc.message))


def _settings(raw: Any, majority: str, errors: list[FieldError]) -> dict[str, Any]:
    given = dict(raw) if isinstance(raw, Mapping) else raw
    if majority and isinstance(given, dict):
        if given.get("majority", majority) != majority:
            errors.append(FieldError("meeting.majority", "also given, differently, in "
                                     "[meeting.settings]; give it once"))
        given["majority"] = majority
    try:
        return meeting_settings.effective(meeting_settings.check(given))
    except Rejected as rej:
        name = rej.details.get("setting")
        where = "meeting.majority" if name == "majority" and majority else (
            f"meeting.settings.{name}" if name else "meeting.settings")
        errors.append(FieldError(where, rej.message))
        return meeting_settings.effective({})


def _texts(raw: Any, where: str, errors: list[FieldError]) -> list[str]:
    if not isinstance(raw, list) or not all(
        isinstance(t, str) and 0 < len(t.strip()) <= MAX_TEXT for t in raw
    ):
        errors.append(FieldError(where, f"a list of names of 1-{MAX_TEXT} characters"))
        return []
    return [nfc(t.strip()) for t in raw]


def _agenda(
    raw: Any, majority: str, errors: list[FieldError]
) -> tuple[tuple[AgendaItem, ...], list[PollDef]]:
    """The items (checked by rooms/agenda_items.py) and the polls prepared on them."""
    if not isinstance(raw, list):
        errors.append(FieldError("agenda", "a list of [[agenda]] items"))
        return (), []
    tables: list[tuple[str, str, str, Any]] = []  # (where, item id, item title, poll table)
    cleaned = [_strip_polls(v, f"agenda[{n}]", str(n), tables, errors)
               for n, v in enumerate(raw, start=1)]
    bad = False
    for n, value in enumerate(cleaned, start=1):
        try:
            item_from_map(value, str(n), 1)
        except AgendaError as exc:
            errors.append(FieldError(f"agenda[{n}]", str(exc)))
            bad = True
    try:
        items = tuple(normalize(cleaned)) if cleaned and not bad else ()
    except AgendaError as exc:
        errors.append(FieldError("agenda", str(exc)))
        return (), []
    polls: list[PollDef] = []
    counts: dict[str, int] = {}
    for where, item_id, title, table in tables:
        counts[item_id] = counts.get(item_id, 0) + 1
        n = counts[item_id]
        default_id = f"p{item_id}" if n == 1 else f"p{item_id}-{n}"
        try:
            polls.append(poll_from_table(table, default_id, item_id, title, majority))
        except PollTableError as exc:
            errors.append(FieldError(f"{where}.{exc.key}" if exc.key else where, exc.message))
    return items, polls


def _strip_polls(
    value: Any, where: str, default_id: str, tables: list[tuple[str, str, str, Any]],
    errors: list[FieldError],
) -> Any:
    """The item without its poll tables (kept in ``tables``, in order), sub-items likewise."""
    if not isinstance(value, Mapping):
        return value
    for key in sorted(str(k) for k in value if k not in ITEM_KEYS):
        errors.append(FieldError(f"{where}.{key}",
                                 f"unknown key; known keys: {', '.join(sorted(ITEM_KEYS))}"))
    item_id = str(value.get("id", default_id))
    title = nfc(str(value.get("title", "")).strip())
    if "poll" in value and "polls" in value:
        errors.append(FieldError(f"{where}.polls", "give 'poll' (one) or 'polls' (a list)"))
    if "poll" in value:
        tables.append((f"{where}.poll", item_id, title, value["poll"]))
    polls = value.get("polls", [])
    if not isinstance(polls, list):
        errors.append(FieldError(f"{where}.polls", "a list of poll tables"))
        polls = []
    tables.extend((f"{where}.polls[{n}]", item_id, title, t)
                  for n, t in enumerate(polls, start=1))
    out = {k: v for k, v in value.items() if k not in ("poll", "polls")}
    children = value.get("items")
    if isinstance(children, list):
        out["items"] = [
            _strip_polls(c, f"{where}.items[{n}]", f"{item_id}.{n}", tables, errors)
            for n, c in enumerate(children, start=1)
        ]
    return out


def _loose_polls(
    raw: Any, agenda: tuple[AgendaItem, ...], majority: str, before: int,
    errors: list[FieldError],
) -> list[PollDef]:
    """``[[polls]]``: polls of the meeting as a whole, or naming their item with ``item``."""
    if not isinstance(raw, list):
        errors.append(FieldError("polls", "a list of [[polls]] tables"))
        return []
    titles = {i.id: i.title for i in walk(agenda)}
    out: list[PollDef] = []
    for n, table in enumerate(raw, start=1):
        where = f"polls[{n}]"
        item = table.get("item") if isinstance(table, Mapping) else None
        if item is not None and item not in titles:
            errors.append(FieldError(f"{where}.item", f"no agenda item {item!r}"))
            continue
        try:
            out.append(poll_from_table(table, f"p{before + n}", item,
                                       titles.get(item, "") if item else "", majority))
        except PollTableError as exc:
            errors.append(FieldError(f"{where}.{exc.key}" if exc.key else where, exc.message))
    return out


# ---- writing ----------------------------------------------------------------------------


def to_map(definition: Definition) -> dict[str, Any]:
    """The definition as a file holds it (TOML tables, or the same as JSON)."""
    m = definition.meeting
    settings = {k: v for k, v in m.settings.items() if k != "majority"}
    meeting: dict[str, Any] = {
        "title": m.title, "title_en": m.title_en, "organisation": m.organisation,
        "place": m.place, "timezone": m.timezone, "starts": m.starts, "ends": m.ends,
        "quorum": m.quorum, "majority": str(m.settings.get("majority", "")),
    }
    if m.roster:
        meeting["roster"] = m.roster
    meeting["settings"] = settings
    out: dict[str, Any] = {"meeting": meeting}
    if definition.documents:
        out["documents"] = list(definition.documents)
    by_item: dict[str | None, list[PollDef]] = {}
    for poll in definition.polls:
        by_item.setdefault(poll.agenda_item, []).append(poll)
    out["agenda"] = [_item_map(i, by_item) for i in definition.agenda]
    known = {i.id for i in walk(definition.agenda)}
    loose = [p for p in definition.polls if p.agenda_item not in known]
    if loose:
        out["polls"] = [{**poll_table(replace(p, agenda_item=None), None)} for p in loose]
    return out


def _item_map(item: AgendaItem, polls: Mapping[str | None, list[PollDef]]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id, "title": item.title, "kind": item.kind,
                           "minutes": item.minutes}
    if item.documents:
        out["documents"] = list(item.documents)
    if item.feedback:
        out["feedback"] = True
    if item.speaker_seconds:
        if item.speaker_seconds % 60 == 0:
            out["speaking"] = Inline(minutes_per_speaker=item.speaker_seconds // 60)
        else:
            out["speaker_seconds"] = item.speaker_seconds
    mine = polls.get(item.id, [])
    if len(mine) == 1:
        out["poll"] = poll_table(mine[0], item.title)
    elif mine:
        out["polls"] = [poll_table(p, item.title) for p in mine]
    if item.items:
        out["items"] = [_item_map(i, polls) for i in item.items]
    return out


def dumps_toml(definition: Definition) -> str:
    header = "# A phonghop meeting definition (docs/definition.md).\n\n"
    return header + dumps(to_map(definition))


def dumps_json(definition: Definition) -> str:
    return json.dumps(to_map(definition), ensure_ascii=False, indent=2) + "\n"
