"""A poll's definition: read from a ``poll.create`` body (or refused, saying why) and to
and from the dict its ``poll.created`` event carries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from protocol.errors import ErrorCode
from rooms.ballots import (
    ABSTAIN,
    PollSpec,
    SpecError,
)
from rooms.majority import RuleError, parse_rule, quorum_met
from rooms.model import Rejected, nfc
from rooms.poll_state import POLL_ID, Option, PollDef

MAX_OPTIONS: Final = 200


def parse_definition(poll_id: str, body: Mapping[str, Any]) -> PollDef:
    """A poll definition from a ``poll.create`` body, or Rejected(ErrorCode.INVALID) saying why."""
    title = nfc(str(body.get("title", "")).strip())
    if not title:
        raise Rejected(ErrorCode.INVALID, "a poll needs a title")
    method = str(body.get("method", ""))
    raw = body.get("candidates") if body.get("candidates") is not None else body.get("options")
    labels = _options(raw or [])
    spec = _spec(method, tuple(o.id for o in labels), body)
    rule_text, quorum_text = _rules(method, body)
    secret = bool(body.get("secret", False))
    allow_change = bool(body.get("allow_change", False))
    live_tally = bool(body.get("live_tally", False))
    # A secret poll's ballots are sealed and never shown before closing: changing one would
    # need the voter's earlier choice found again, and a live tally would show choices. Refuse.
    if secret and allow_change:
        raise Rejected(ErrorCode.INVALID, "a secret poll cannot allow changing a vote")
    if secret and live_tally:
        raise Rejected(ErrorCode.INVALID, "a secret poll never shows a live tally")
    timer = body.get("timer")
    agenda = body.get("agenda_item")
    return PollDef(
        id=poll_id,
        title=title,
        spec=spec,
        labels=labels,
        secret=secret,
        rule_text=rule_text,
        quorum_text=quorum_text,
        allow_change=allow_change,
        live_tally=live_tally,
        timer=None if timer is None else int(timer),
        agenda_item=None if agenda is None else str(agenda),
    )


def _spec(method: str, ids: tuple[str, ...], body: Mapping[str, Any]) -> PollSpec:
    """What the poll asks, by its method, or Rejected(ErrorCode.INVALID)."""
    allow_abstain = bool(body.get("allow_abstain", True))
    try:
        match method:
            case "yes_no_abstain":
                if ids:
                    raise Rejected(ErrorCode.INVALID, "a yes/no/abstain poll takes no options")
                return PollSpec.yes_no_abstain(allow_abstain=allow_abstain)
            case "single":
                return PollSpec.single(ids, allow_abstain=allow_abstain)
            case "multiple":
                return PollSpec.multiple(
                    ids, min=int(body.get("min", 1)), max=body.get("max"),
                    seats=body.get("seats"), allow_abstain=allow_abstain,
                )
            case "approval":
                return PollSpec.approval(
                    ids, seats=int(body.get("seats") or 0), allow_abstain=allow_abstain
                )
            case _:
                raise Rejected(ErrorCode.INVALID, f"unknown method {method!r}")
    except SpecError as exc:
        raise Rejected(ErrorCode.INVALID, exc.message) from None


def _rules(method: str, body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The majority rule and quorum texts, each checked to parse."""
    rule_text = _rule_text(body.get("rule"), "rule")
    quorum_text = _rule_text(body.get("quorum"), "quorum")
    if method == "yes_no_abstain" and rule_text is None:
        raise Rejected(ErrorCode.INVALID, "a yes/no/abstain poll needs a majority rule")
    if quorum_text is not None:
        try:
            quorum_met(parse_rule(quorum_text), 0, 1)
        except RuleError as exc:
            raise Rejected(ErrorCode.INVALID, f"quorum: {exc.message}") from None
    return rule_text, quorum_text


def _options(raw: Sequence[Any]) -> tuple[Option, ...]:
    if len(raw) > MAX_OPTIONS:
        raise Rejected(ErrorCode.INVALID, f"at most {MAX_OPTIONS} options")
    out: list[Option] = []
    for n, item in enumerate(raw, start=1):
        if isinstance(item, str):
            option = Option(f"o{n}", nfc(item.strip()))
        elif isinstance(item, Mapping) and isinstance(item.get("id"), str):
            option = Option(item["id"], nfc(str(item.get("label", item["id"])).strip()))
        else:
            raise Rejected(ErrorCode.INVALID, "each option is a label or {\"id\", \"label\"}")
        # Ids end up in Redis field names ("o|1|c07"); keep them plain.
        if not POLL_ID.match(option.id) or option.id == ABSTAIN:
            raise Rejected(ErrorCode.INVALID,
                           f"option id {option.id!r}: 1-32 letters, digits, '.-_'")
        if not option.label or len(option.label) > 500:
            raise Rejected(ErrorCode.INVALID,
                           f"option {option.id} needs a label of 1-500 characters")
        out.append(option)
    return tuple(out)


def _rule_text(value: Any, name: str) -> str | None:
    if value is None or not str(value).strip():
        return None
    text = nfc(str(value).strip())
    try:
        parse_rule(text)
    except RuleError as exc:
        raise Rejected(ErrorCode.INVALID, f"{name}: {exc.message}") from None
    return text


def definition_to_dict(d: PollDef) -> dict[str, Any]:
    return {
        "poll": d.id,
        "title": d.title,
        "method": d.spec.method,
        "options": [{"id": o.id, "label": o.label} for o in d.labels],
        "min": d.spec.min,
        "max": d.spec.max,
        "seats": d.spec.seats,
        "allow_abstain": d.spec.allow_abstain,
        "secret": d.secret,
        "rule": d.rule_text,
        "quorum": d.quorum_text,
        "allow_change": d.allow_change,
        "live_tally": d.live_tally,
        "timer": d.timer,
        "agenda_item": d.agenda_item,
    }


def definition_from_dict(b: Mapping[str, Any]) -> PollDef:
    labels = tuple(Option(str(o["id"]), str(o["label"])) for o in b["options"])
    spec = PollSpec(
        b["method"], tuple(o.id for o in labels), int(b["min"]), b["max"], b["seats"],
        bool(b["allow_abstain"]),
    )
    return PollDef(
        id=str(b["poll"]), title=str(b["title"]), spec=spec, labels=labels,
        secret=bool(b["secret"]), rule_text=b["rule"], quorum_text=b["quorum"],
        allow_change=bool(b["allow_change"]), live_tally=bool(b["live_tally"]),
        timer=b["timer"], agenda_item=b["agenda_item"],
    )
