"""A meeting definition's prepared polls: a ``poll`` table of the definition file to and from
the poll definition ``poll.create`` makes (rooms/polls.py ``PollDef``), and the
``poll.create`` body that prepares it as a draft attached to its agenda item.

A table names what the chair would type in the poll form: ``method``, ``secret``, ``pass``
(the majority rule; the meeting's ``majority`` when a yes/no/abstain poll names none),
``options`` or ``candidates`` (labels, ``{ id, label }`` tables, or for candidates a count of
placeholder names), ``seats``, ``min``, ``max``, ``quorum``, ``timer`` and the flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from protocol.commands import validate_command
from protocol.errors import ProtocolError
from rooms.model import Rejected
from rooms.poll_definition import MAX_OPTIONS, parse_definition
from rooms.poll_state import PollDef
from rooms.toml_text import Inline

POLL_KEYS: Final = frozenset({
    "id", "title", "method", "secret", "pass", "rule", "quorum", "seats", "candidates",
    "options", "min", "max", "allow_abstain", "allow_change", "live_tally", "timer", "item",
})


class PollTableError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def placeholder_candidates(count: int) -> list[str]:
    """Stand-in names for an election whose candidates are not known yet ("candidates = 14"):
    the secretary replaces them before the poll is opened."""
    return [f"Ứng cử viên số {n}" for n in range(1, count + 1)]


def poll_from_table(
    raw: Any, poll_id: str, item_id: str | None, item_title: str, majority: str
) -> PollDef:
    """The poll a table prepares; ``PollTableError`` naming the key that is wrong."""
    if not isinstance(raw, Mapping):
        raise PollTableError("", "must be a table")
    unknown = sorted(str(k) for k in raw if k not in POLL_KEYS)
    if unknown:
        raise PollTableError(unknown[0], f"unknown key; known keys: {', '.join(sorted(POLL_KEYS))}")
    if "pass" in raw and "rule" in raw:
        raise PollTableError("rule", "give the rule once, as 'pass'")
    body: dict[str, Any] = {k: v for k, v in raw.items() if k not in ("pass", "item")}
    body["id"] = raw.get("id", poll_id)
    body.setdefault("title", item_title)
    rule = raw.get("pass", raw.get("rule"))
    if rule is None and raw.get("method") == "yes_no_abstain":
        rule = majority
    body.pop("rule", None)
    if rule is not None:
        body["rule"] = rule
    candidates = raw.get("candidates")
    if isinstance(candidates, int) and not isinstance(candidates, bool):
        if not 1 <= candidates <= MAX_OPTIONS:
            raise PollTableError("candidates", f"a count of 1-{MAX_OPTIONS} candidates")
        body["candidates"] = placeholder_candidates(candidates)
    if item_id is not None:
        body["agenda_item"] = item_id
    try:
        checked = validate_command("poll.create", body)
    except ProtocolError as exc:
        raise PollTableError(_key_of(exc.message), exc.message) from None
    try:
        return parse_definition(str(checked["id"]), checked)
    except Rejected as rej:
        raise PollTableError(_key_of(rej.message), rej.message) from None


def _key_of(message: str) -> str:
    """The key a message names first ("'seats' must be …", "rule: cannot read …")."""
    if message.startswith("'") and "'" in message[1:]:
        return message[1:message.index("'", 1)]
    head = message.split(":", 1)[0]
    return head if head in POLL_KEYS else ""


def create_body(poll: PollDef) -> dict[str, Any]:
    """The ``poll.create`` body that makes ``poll`` again (``parse_definition`` of it is
    equal to it)."""
    spec = poll.spec
    body: dict[str, Any] = {
        "id": poll.id, "title": poll.title, "method": spec.method, "secret": poll.secret,
        "allow_abstain": spec.allow_abstain, "allow_change": poll.allow_change,
        "live_tally": poll.live_tally,
    }
    if poll.labels:
        body["options"] = [{"id": o.id, "label": o.label} for o in poll.labels]
    if spec.method == "multiple":
        body["min"] = spec.min
    if spec.method == "multiple" and spec.max is not None:
        body["max"] = spec.max
    if spec.seats is not None:
        body["seats"] = spec.seats
    for key, value in (("rule", poll.rule_text), ("quorum", poll.quorum_text),
                       ("timer", poll.timer), ("agenda_item", poll.agenda_item)):
        if value is not None:
            body[key] = value
    return body


def poll_table(poll: PollDef, item_title: str | None) -> dict[str, Any]:
    """The table a definition file holds for ``poll``: only what differs from the defaults,
    candidates for an approval election, options otherwise."""
    spec = poll.spec
    out: dict[str, Any] = {"id": poll.id}
    if poll.title != item_title:
        out["title"] = poll.title
    out |= {"method": spec.method, "secret": poll.secret}
    if poll.rule_text is not None:
        out["pass"] = poll.rule_text
    if poll.quorum_text is not None:
        out["quorum"] = poll.quorum_text
    if spec.seats is not None:
        out["seats"] = spec.seats
    if spec.method == "multiple":
        out["min"] = spec.min
        if spec.max is not None:
            out["max"] = spec.max
    if poll.labels:
        plain = all(o.id == f"o{n}" for n, o in enumerate(poll.labels, start=1))
        labels: list[Any] = (
            [o.label for o in poll.labels] if plain
            else [Inline(id=o.id, label=o.label) for o in poll.labels]
        )
        out["candidates" if spec.method == "approval" else "options"] = labels
    if not spec.allow_abstain:
        out["allow_abstain"] = False
    if poll.allow_change:
        out["allow_change"] = True
    if poll.live_tally:
        out["live_tally"] = True
    if poll.timer is not None:
        out["timer"] = poll.timer
    return out
