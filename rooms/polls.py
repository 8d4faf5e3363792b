"""Polls and elections: definitions, the lifecycle table, the snapshot frozen at opening,
who may cast which ballot, and the result, counted by `rooms.tally`.

The lifecycle is a table (`TRANSITIONS`): draft → open → closed → published, and draft or
open → cancelled. A repeated vote is a new poll; ballots are never rewritten after closing.

Ballots are not log events (thousands arrive in a minute): they live in per-poll Redis keys
guarded atomically. `rooms/poll_commands.py` turns every poll command and ballot into a
`rooms.decision.Decision` (which keys to guard, what to read at closing); this module holds
the rules it uses: `check_ballot` (may this actor cast this choice in this poll, for whom,
with what weight), the counter fields of a secret poll's ballot box (`counter_fields`,
`counter_increments`) and `decide_close`, which counts what was read from Redis into the
``poll.closed`` event.

A secret poll's ballots are sealed (encrypted under a key kept outside Redis) before they are
stored, and deleted once counted; see rooms/poll_commands.py. Polls opened before that kept
counters per (option, weight) instead (`counter_fields`); closing still counts those.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, Final

from protocol.errors import ErrorCode
from rooms.attendance_state import attendance
from rooms.ballots import (
    ABSTAIN,
    BallotError,
    NormalizedChoice,
    PollSpec,
    SpecError,
    validate_ballot,
)
from rooms.lifecycle import Status
from rooms.majority import Rule, RuleError, parse_rule, quorum_met
from rooms.model import STAFF, VOTING_ROLES, Actor, Command, Event, Rejected, Role, nfc
from rooms.settings import settings_of
from rooms.state import MeetingState, get_slice, with_slice
from rooms.tally import Result, TallyError, Total, tally, to_decimal

SLICE: Final = "polls"
POLL_ID: Final = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
MAX_OPTIONS: Final = 200


class PollStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    # Ballots are refused and the box is being counted. A step inside one ``poll.close``: it
    # is held only in Redis's poll status (rooms/poll_commands.py), never in a folded state.
    CLOSING = "closing"
    CLOSED = "closed"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


# (status, command or step) -> (event kind, next status). A missing pair is not allowed.
# ``poll.close`` takes two steps: stop the ballots (no event: the status in Redis changes,
# atomically with nothing else), then ``poll.count`` what the box holds into ``poll.closed``.
TRANSITIONS: Final[dict[tuple[PollStatus, str], tuple[str, PollStatus]]] = {
    (PollStatus.DRAFT, "poll.open"): ("poll.opened", PollStatus.OPEN),
    (PollStatus.OPEN, "poll.close"): ("", PollStatus.CLOSING),
    (PollStatus.CLOSING, "poll.count"): ("poll.closed", PollStatus.CLOSED),
    (PollStatus.CLOSED, "poll.publish"): ("poll.published", PollStatus.PUBLISHED),
    (PollStatus.DRAFT, "poll.cancel"): ("poll.cancelled", PollStatus.CANCELLED),
    (PollStatus.OPEN, "poll.cancel"): ("poll.cancelled", PollStatus.CANCELLED),
}
EVENT_STATUS: Final[dict[str, PollStatus]] = {
    ev: nxt for (ev, nxt) in TRANSITIONS.values() if ev
}


def transition(status: PollStatus, command_kind: str) -> tuple[str, PollStatus]:
    try:
        return TRANSITIONS[(status, command_kind)]
    except KeyError:
        raise Rejected(
            ErrorCode.INVALID_STATE,
            f"'{command_kind}' is not allowed while the poll is {status.value}",
            poll_status=status.value,
        ) from None


# ---- values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    id: str
    label: str


@dataclass(frozen=True)
class PollDef:
    """What the chair defined; never changes after ``poll.created``."""

    id: str
    title: str
    spec: PollSpec
    labels: tuple[Option, ...]
    secret: bool
    rule_text: str | None
    quorum_text: str | None
    allow_change: bool
    live_tally: bool
    timer: int | None  # seconds from opening to the automatic close
    agenda_item: str | None

    @property
    def rule(self) -> Rule | None:
        return None if self.rule_text is None else parse_rule(self.rule_text)


@dataclass(frozen=True)
class Snapshot:
    """Roster and attendance as they were when the poll opened; every count uses this.

    `voters` maps each delegate whose ballot may be cast to its weight; `proxies` maps the
    absent ones among them to the present delegate who holds their proxy and casts for them.
    """

    entitled: Total
    present: Total
    voters: Mapping[str, str]
    proxies: Mapping[str, str]
    check_in_required: bool

    @property
    def eligible(self) -> Total:
        weight = sum((Fraction(Decimal(w)) for w in self.voters.values()), Fraction(0))
        return Total(len(self.voters), to_decimal(weight))

    def caster(self, voter: str) -> str:
        return self.proxies.get(voter, voter)

    def cast_by(self, participant_id: str) -> list[str]:
        """Whose ballots this participant casts: its own unless it gave a proxy, and those
        of the absent delegates whose proxies it holds. Reads the proxies, not every voter:
        it runs for each tablet that connects during a poll."""
        mine = [a for a, holder in self.proxies.items() if holder == participant_id]
        if participant_id in self.voters and participant_id not in self.proxies:
            mine.append(participant_id)
        return sorted(v for v in mine if v in self.voters)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entitled": self.entitled.to_dict(),
            "present": self.present.to_dict(),
            "eligible": self.eligible.to_dict(),
            "check_in_required": self.check_in_required,
            "voters": dict(sorted(self.voters.items())),
            "proxies": dict(sorted(self.proxies.items())),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Snapshot:
        return Snapshot(
            entitled=_total(data["entitled"]),
            present=_total(data["present"]),
            voters=dict(data["voters"]),
            proxies=dict(data["proxies"]),
            check_in_required=bool(data["check_in_required"]),
        )


@dataclass(frozen=True)
class Poll:
    definition: PollDef
    status: PollStatus = PollStatus.DRAFT
    created_at: int = 0
    opened_at: int | None = None
    closes_at: int | None = None
    closed_at: int | None = None
    published_at: int | None = None
    snapshot: Snapshot | None = None
    # The body of ``poll.closed``: result, counts, receipts, and for named polls the ballots.
    closing: Mapping[str, Any] | None = None

    @property
    def id(self) -> str:
        return self.definition.id


@dataclass(frozen=True)
class PollsState:
    polls: Mapping[str, Poll] = field(default_factory=dict)


def polls_of(state: MeetingState) -> PollsState:
    return get_slice(state, SLICE, PollsState())


def get_poll(state: MeetingState, poll_id: object) -> Poll:
    poll = polls_of(state).polls.get(str(poll_id))
    if poll is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no poll {poll_id!r}", poll=str(poll_id))
    return poll


def _put(state: MeetingState, poll: Poll) -> MeetingState:
    current = polls_of(state)
    return with_slice(state, SLICE, PollsState({**current.polls, poll.id: poll}))


def _total(data: Mapping[str, Any]) -> Total:
    return Total(int(data["count"]), Decimal(str(data["weight"])))


def canonical_weight(weight: str) -> str:
    """A weight as the shortest decimal string ("1.50" → "1.5"), so equal weights are equal."""
    return str(to_decimal(Fraction(Decimal(weight))))


# ---- attendance ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Presence:
    """What polls need from attendance: who is checked in, who holds whose proxy, whether
    voting requires a check-in, and whether represented delegates count as present."""

    checked_in: frozenset[str]
    proxies: Mapping[str, str]  # absent delegate -> holder
    check_in_required: bool
    proxies_count_as_present: bool


def presence(state: MeetingState) -> Presence:
    """Read through `rooms.attendance_state`, so the poll rules do not depend on how it stores it.

    ``require_check_in`` (meeting setting, default true) is this module's: without it every
    entitled delegate may vote and counts as present. ``proxies_count_for_quorum`` is
    attendance's; a poll's "present" follows it so the quorum and the base agree.
    """
    att = attendance(state)
    return Presence(
        checked_in=frozenset(pid for pid, r in att.records.items() if r.present),
        proxies={giver: grant.holder for giver, grant in att.proxies.items()},
        check_in_required=settings_of(state).require_check_in,
        proxies_count_as_present=settings_of(state).proxies_count_for_quorum,
    )


def take_snapshot(state: MeetingState) -> Snapshot:
    """Freeze who is entitled, who is present, and who casts whose ballot, now."""
    seen = presence(state)
    entitled: dict[str, str] = {
        p.id: canonical_weight(p.weight)
        for p in state.participants.values() if p.role in VOTING_ROLES
    }
    if seen.check_in_required:
        present = {pid: w for pid, w in entitled.items() if pid in seen.checked_in}
    else:
        present = dict(entitled)
    # A ballot weighs something: a delegate with weight 0 is counted, never casts.
    voters = {pid: w for pid, w in present.items() if Decimal(w) > 0}
    proxies: dict[str, str] = {}
    # One level only (rooms/proxies.py refuses chains; this re-checks what is frozen): the
    # holder casts in their own right, and an absent delegate who holds a proxy passes nothing.
    for absent, holder in sorted(seen.proxies.items()):
        if (absent in entitled and absent not in present and holder in voters
                and holder not in seen.proxies and Decimal(entitled[absent]) > 0):
            voters[absent] = entitled[absent]
            proxies[absent] = holder
    counted_present = dict(present)
    if seen.proxies_count_as_present:
        counted_present.update({absent: entitled[absent] for absent in proxies})
    return Snapshot(
        entitled=_sum_total(entitled.values()),
        present=_sum_total(counted_present.values()),
        voters=voters,
        proxies=proxies,
        check_in_required=seen.check_in_required,
    )


def _sum_total(weights: Iterable[str]) -> Total:
    ws = list(weights)
    total = sum((Fraction(Decimal(w)) for w in ws), Fraction(0))
    return Total(len(ws), to_decimal(total))


# ---- commands: create --------------------------------------------------------------------


def decide_create(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    if state.status == Status.CLOSED:
        raise Rejected(ErrorCode.INVALID_STATE, "the meeting is closed")
    body = cmd.body
    poll_id = str(body.get("id") or "")
    if not POLL_ID.match(poll_id):
        raise Rejected(ErrorCode.INVALID, "a poll id is 1-32 letters, digits, '.', '_' or '-'")
    if poll_id in polls_of(state).polls:
        raise Rejected(ErrorCode.DUPLICATE, f"poll {poll_id} already exists", poll=poll_id)
    definition = parse_definition(poll_id, body)
    return [Event("poll.created", definition_to_dict(definition), cmd.actor.participant_id, now)]


def parse_definition(poll_id: str, body: Mapping[str, Any]) -> PollDef:
    """A poll definition from a ``poll.create`` body, or Rejected(ErrorCode.INVALID) saying why."""
    title = nfc(str(body.get("title", "")).strip())
    if not title:
        raise Rejected(ErrorCode.INVALID, "a poll needs a title")
    method = str(body.get("method", ""))
    secret = bool(body.get("secret", False))
    raw = body.get("candidates") if body.get("candidates") is not None else body.get("options")
    labels = _options(raw or [])
    ids = tuple(o.id for o in labels)
    allow_abstain = bool(body.get("allow_abstain", True))
    try:
        match method:
            case "yes_no_abstain":
                if labels:
                    raise Rejected(ErrorCode.INVALID, "a yes/no/abstain poll takes no options")
                spec = PollSpec.yes_no_abstain(allow_abstain=allow_abstain)
            case "single":
                spec = PollSpec.single(ids, allow_abstain=allow_abstain)
            case "multiple":
                spec = PollSpec.multiple(
                    ids, min=int(body.get("min", 1)), max=body.get("max"),
                    seats=body.get("seats"), allow_abstain=allow_abstain,
                )
            case "approval":
                spec = PollSpec.approval(
                    ids, seats=int(body.get("seats") or 0), allow_abstain=allow_abstain
                )
            case _:
                raise Rejected(ErrorCode.INVALID, f"unknown method {method!r}")
    except SpecError as exc:
        raise Rejected(ErrorCode.INVALID, exc.message) from None
    rule_text = _rule_text(body.get("rule"), "rule")
    quorum_text = _rule_text(body.get("quorum"), "quorum")
    if method == "yes_no_abstain" and rule_text is None:
        raise Rejected(ErrorCode.INVALID, "a yes/no/abstain poll needs a majority rule")
    if quorum_text is not None:
        try:
            quorum_met(parse_rule(quorum_text), 0, 1)
        except RuleError as exc:
            raise Rejected(ErrorCode.INVALID, f"quorum: {exc.message}") from None
    allow_change = bool(body.get("allow_change", False))
    live_tally = bool(body.get("live_tally", False))
    # A secret ballot box keeps no ballot to change (counters only), so a change would have
    # to find the voter's earlier choice: exactly the link secrecy forbids. Refuse both.
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


# ---- commands: open, publish, cancel -----------------------------------------------------


def decide_open(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    poll = get_poll(state, cmd.body.get("poll"))
    event_kind, _ = transition(poll.status, cmd.kind)
    if state.status != Status.OPEN:
        raise Rejected(ErrorCode.INVALID_STATE, f"the meeting is {state.status.value}, not open")
    snap = take_snapshot(state)
    quorum = _quorum_check(state, poll.definition, snap)
    if quorum is not None and quorum["required"] and not quorum["met"]:
        raise Rejected(
            ErrorCode.INVALID_STATE,
            f"no quorum: {quorum['present']['count']} present of {quorum['entitled']['count']}"
            f" does not meet '{quorum['rule']}'",
            quorum=quorum,
        )
    if not snap.voters:
        raise Rejected(ErrorCode.INVALID_STATE,
                       "nobody is eligible to vote (is anyone checked in?)")
    d = poll.definition
    rule = d.rule
    body: dict[str, Any] = {
        "poll": d.id,
        "rule": None if rule is None else {
            "text": d.rule_text,
            "fraction": f"{rule.fraction.numerator}/{rule.fraction.denominator}",
            "strict": rule.strict,
            "base": rule.base,
            "en": rule.describe("en"),
            "vi": rule.describe("vi"),
        },
        "base": "valid" if rule is None else rule.base,
        "quorum": quorum,
        "snapshot": snap.to_dict(),
        "closes_at": None if d.timer is None else now + d.timer * 1000,
    }
    return [Event(event_kind, body, cmd.actor.participant_id, now)]


def _quorum_check(state: MeetingState, d: PollDef, snap: Snapshot) -> dict[str, Any] | None:
    """The quorum at opening: required when the poll names a rule, else the meeting's rule,
    recorded for the minutes but not enforced. Measured on weight (= count when unweighted)."""
    text, required = d.quorum_text, True
    if text is None:
        text, required = state.info.quorum, False
    try:
        rule = parse_rule(text)
        met = quorum_met(rule, snap.present.weight, snap.entitled.weight)
    except RuleError:
        return None
    return {
        "rule": text,
        "required": required,
        "met": met,
        "present": snap.present.to_dict(),
        "entitled": snap.entitled.to_dict(),
    }


def decide_publish(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    poll = get_poll(state, cmd.body.get("poll"))
    event_kind, _ = transition(poll.status, cmd.kind)
    assert poll.closing is not None  # a closed poll always has its closing body
    body = {"poll": poll.id, **public_result(poll.closing)}
    return [Event(event_kind, body, cmd.actor.participant_id, now)]


def public_result(closing: Mapping[str, Any]) -> dict[str, Any]:
    """What a delegate or the hall screen sees of a result: no receipt list, no ballots (both
    can be thousands of entries; they are fetched over HTTP, see docs/api.md)."""
    return {
        "result": closing["result"],
        "counts": closing["counts"],
        "receipts_digest": closing["receipts_digest"],
    }


def decide_cancel(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    poll = get_poll(state, cmd.body.get("poll"))
    event_kind, _ = transition(poll.status, cmd.kind)
    body: dict[str, Any] = {"poll": poll.id}
    if cmd.body.get("reason"):
        body["reason"] = nfc(str(cmd.body["reason"]))
    return [Event(event_kind, body, cmd.actor.participant_id, now)]


# ---- ballots ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    """An allowed ballot: whose it is (`voter`), who sends it (`by`), its weight and choice."""

    poll: Poll
    voter: str
    by: str
    weight: str
    choice: NormalizedChoice


def check_ballot(state: MeetingState, actor: Actor, body: Mapping[str, Any]) -> Ticket:
    """Whether `actor` may cast this ballot now, against the snapshot frozen at opening.

    The poll's status here is this process's view; the shell re-checks it inside Redis.
    """
    poll = get_poll(state, body.get("poll"))
    if poll.status != PollStatus.OPEN:
        # A draft here may have been opened a moment ago by another process.
        raise Rejected(ErrorCode.INVALID_STATE, f"the poll is {poll.status.value}, not open",
                       stale=poll.status == PollStatus.DRAFT, poll_status=poll.status.value)
    assert poll.snapshot is not None
    snap = poll.snapshot
    sender = actor.participant_id
    voter = str(body.get("on_behalf_of") or sender)
    if actor.is_admin:
        raise Rejected(ErrorCode.FORBIDDEN, "the administrator does not vote")
    if voter != sender:
        if snap.proxies.get(voter) != sender:
            raise Rejected(ErrorCode.FORBIDDEN, f"you do not hold a proxy for {voter} in this poll",
                           reason="no_proxy", on_behalf_of=voter)
    elif voter not in snap.voters:
        raise Rejected(ErrorCode.FORBIDDEN, "you are not eligible in this poll: " + _why_not(
            state, snap, voter), reason="not_eligible")
    elif voter in snap.proxies:
        raise Rejected(ErrorCode.FORBIDDEN,
                       f"your vote is cast by your proxy {snap.proxies[voter]}",
                       reason="represented")
    try:
        choice = validate_ballot(poll.definition.spec, body.get("choice"))
    except BallotError as exc:
        raise Rejected(ErrorCode.INVALID, exc.message, reason=exc.code) from None
    return Ticket(poll, voter, sender, snap.voters[voter], choice)


def _why_not(state: MeetingState, snap: Snapshot, pid: str) -> str:
    p = state.participants.get(pid)
    if p is None:
        return "not on the roster"
    if p.role not in VOTING_ROLES:
        return f"a {p.role.value} does not vote"
    if Decimal(p.weight) <= 0:
        return "no vote weight"
    if snap.check_in_required:
        return "not checked in when the poll opened"
    return "not entitled"


# Secret polls opened before ballots were sealed (still counted at closing): the ballot box
# is a hash of counters, one field per (kind, weight[, option]):
#
#   "v|W"      ballots of weight W (all of them valid; see rooms.tally)
#   "b|W"      blank ballots of weight W (abstentions, empty selections)
#   "o|W|ID"   ballots of weight W that support option ID
#
# Why counters and not anonymous ballots keyed by receipt: Redis keeps a small hash (under
# hash-max-listpack-entries, 128 by default) in insertion order, so a hash of anonymous
# ballots would list them in the same order as the hash of who voted, and the n-th voter
# would be linked to the n-th ballot. Counters carry no order of arrival: every field exists
# from the opening, written in sorted order, and a ballot only increments existing fields.
# The price is that single ballots cannot be recounted; the totals are all a secret poll
# ever reports. A weight that only one delegate has is identifiable in any weighted result,
# whatever the storage; that is inherent in weighted secret votes.


def counter_fields(poll: Poll) -> list[str]:
    """Every counter field of a secret poll's box, in the order they are created."""
    assert poll.snapshot is not None
    out: list[str] = []
    for w in sorted(set(poll.snapshot.voters.values()), key=Decimal):
        out += [f"v|{w}", f"b|{w}", *(f"o|{w}|{o}" for o in poll.definition.spec.choosable)]
    return out


def counter_increments(choice: NormalizedChoice, weight: str) -> list[str]:
    """The counter fields one ballot adds 1 to."""
    fields = [f"v|{weight}"]
    if choice.blank:
        fields.append(f"b|{weight}")
    fields += [f"o|{weight}|{o}" for o in choice.selected]
    return fields


def ballots_from_counters(
    spec: PollSpec, counters: Mapping[str, int]
) -> list[tuple[NormalizedChoice, Decimal]]:
    """Ballots with exactly the counted totals, for `rooms.tally`.

    The tally only sums per option, per blank and over all ballots, so any set of ballots
    with the same sums per weight gives the same result. Per weight, options are dealt
    round-robin over the non-blank ballots: each option at most once per ballot (its count
    never exceeds the ballots), and no ballot gets more names than the most any real one had
    (the average, rounded up), so every dealt ballot is one the poll accepts.
    """
    weights: dict[str, dict[str, int]] = {}
    for key, n in counters.items():
        kind, _, rest = key.partition("|")
        if kind == "o":
            w, _, option = rest.partition("|")
            weights.setdefault(w, {})["o|" + option] = int(n)
        else:
            weights.setdefault(rest, {})[kind] = int(n)
    out: list[tuple[NormalizedChoice, Decimal]] = []
    position = {o: i for i, o in enumerate(spec.choosable)}
    for w, slot in weights.items():
        total, blank = slot.get("v", 0), slot.get("b", 0)
        marked = total - blank
        if total == 0:
            continue
        picks: list[list[str]] = [[] for _ in range(marked)]
        at = 0
        for o in spec.choosable:
            for _ in range(slot.get("o|" + o, 0)):
                if marked == 0:
                    raise TallyError("inconsistent_counts", f"option {o} counted on no ballot")
                picks[at % marked].append(o)
                at += 1
        weight = Decimal(w)
        out += [(NormalizedChoice(spec.method, (), abstain=False), weight)] * blank
        for names in picks:
            if not names:
                raise TallyError("inconsistent_counts", "a marked ballot supports nothing")
            ordered = tuple(sorted(names, key=position.__getitem__))
            out.append((NormalizedChoice(spec.method, ordered), weight))
    return out


# ---- closing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedBallot:
    voter: str
    by: str
    choice: Any  # the canonical JSON choice
    weight: str
    receipt_hash: str


@dataclass(frozen=True)
class BallotBox:
    """What the shell read from Redis at closing, after new ballots were already refused."""

    named: tuple[NamedBallot, ...] = ()
    # Secret polls: the opened sealed ballots (voter → JSON choice, weight, receipt hash; see
    # rooms/poll_commands.py), and the counters and receipts of a poll opened before ballots
    # were sealed (empty for any other).
    sealed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    counters: Mapping[str, int] = field(default_factory=dict)
    voted: frozenset[str] = frozenset()
    receipts: frozenset[str] = frozenset()


def decide_close(
    state: MeetingState, cmd: Command, now: int, box: BallotBox
) -> list[Event]:
    poll = get_poll(state, cmd.body.get("poll"))
    _, closing = transition(poll.status, cmd.kind)
    event_kind, _ = transition(closing, "poll.count")
    assert poll.snapshot is not None
    snap, d = poll.snapshot, poll.definition
    ballots: list[tuple[NormalizedChoice, Decimal]]
    body: dict[str, Any] = {"poll": poll.id}
    if cmd.body.get("reason"):
        body["reason"] = nfc(str(cmd.body["reason"]))
    if d.secret:
        ballots, receipts = _secret_ballots(poll, box)
        voted = sorted(box.voted)
        if len(ballots) != len(voted):
            raise Rejected(ErrorCode.INTERNAL, f"the ballot box holds {len(ballots)} ballots for "
                           f"{len(voted)} voters")
    else:
        ballots, rows = [], []
        for b in sorted(box.named, key=lambda b: b.voter):
            if snap.voters.get(b.voter) != b.weight or snap.caster(b.voter) != b.by:
                raise Rejected(ErrorCode.INTERNAL,
                               f"stored ballot of {b.voter} does not match the poll")
            try:
                choice = validate_ballot(d.spec, b.choice)
            except BallotError as exc:
                raise Rejected(ErrorCode.INTERNAL,
                               f"stored ballot of {b.voter}: {exc.message}") from None
            ballots.append((choice, Decimal(b.weight)))
            row = {"voter": b.voter, "choice": choice.to_json(), "weight": b.weight}
            if b.by != b.voter:
                row["by"] = b.by
            rows.append(row)
        body["ballots"] = rows
        voted = [b.voter for b in sorted(box.named, key=lambda b: b.voter)]
        receipts = sorted(b.receipt_hash for b in box.named)
    cast_weight = sum((w for _, w in ballots), Decimal(0))
    try:
        result = tally(d.spec, d.rule, ballots, entitled=snap.entitled, present=snap.present)
    except TallyError as exc:
        # Never a voter's mistake: the box does not fit the snapshot. Refuse to close rather
        # than record a result nobody can stand behind.
        raise Rejected(ErrorCode.INTERNAL,
                       f"the ballot box cannot be counted: {exc.message}") from None
    body["result"] = result.to_dict()
    body["outcome"] = outcome(result)
    body["counts"] = {
        "eligible": snap.eligible.to_dict(),
        "voted": Total(len(voted), to_decimal(Fraction(cast_weight))).to_dict(),
        "ballots": len(ballots),
        "receipts": len(receipts),
    }
    body["voted"] = voted
    body["receipts"] = receipts
    body["receipts_digest"] = receipts_digest(receipts)
    return [Event(event_kind, body, cmd.actor.participant_id, now)]


def _secret_ballots(
    poll: Poll, box: BallotBox
) -> tuple[list[tuple[NormalizedChoice, Decimal]], list[str]]:
    """Every ballot of a secret poll, in no order that says whose it is, and the receipts."""
    assert poll.snapshot is not None
    d = poll.definition
    try:
        ballots = ballots_from_counters(d.spec, box.counters)
    except TallyError as exc:
        raise Rejected(ErrorCode.INTERNAL,
                       f"the ballot box is inconsistent: {exc.message}") from None
    receipts = set(box.receipts)
    for voter, record in box.sealed.items():
        if poll.snapshot.voters.get(voter) != record["w"]:
            raise Rejected(ErrorCode.INTERNAL, "a sealed ballot does not match the poll's snapshot")
        try:
            choice = validate_ballot(d.spec, record["c"])
        except BallotError as exc:
            raise Rejected(ErrorCode.INTERNAL, f"a sealed ballot: {exc.message}") from None
        ballots.append((choice, Decimal(record["w"])))
        receipts.add(str(record["r"]))
    return ballots, sorted(receipts)


def outcome(result: Result) -> dict[str, Any]:
    """The decision in words the minutes use: passed / failed, or elected / tied."""
    if result.method == "yes_no_abstain":
        return {"decision": "passed" if result.passed else "failed"}
    if result.seats is None:
        return {"decision": "counted"}
    return {
        "decision": "tied" if result.tie_at_last_seat else "elected",
        "elected": list(result.winners),
        "tied": list(result.tie_at_last_seat),
        "seats_open": result.seats_open,
    }


def receipt_hash(receipt: str) -> str:
    """What the published result lists for a receipt: its SHA-256, hex."""
    return hashlib.sha256(receipt.encode("utf-8")).hexdigest()


def receipts_digest(hashes: Sequence[str]) -> str:
    """One hash over the sorted receipt hashes, printed in the minutes."""
    return hashlib.sha256("\n".join(sorted(hashes)).encode("ascii")).hexdigest()


# ---- evolve -------------------------------------------------------------------------------


def evolve_created(state: MeetingState, event: Event) -> MeetingState:
    d = definition_from_dict(event.body)
    return _put(state, Poll(d, created_at=event.at))


def evolve_opened(state: MeetingState, event: Event) -> MeetingState:
    poll = get_poll(state, event.body["poll"])
    return _put(state, replace(
        poll, status=PollStatus.OPEN, opened_at=event.at, closes_at=event.body["closes_at"],
        snapshot=Snapshot.from_dict(event.body["snapshot"]),
    ))


def evolve_closed(state: MeetingState, event: Event) -> MeetingState:
    poll = get_poll(state, event.body["poll"])
    return _put(state, replace(
        poll, status=PollStatus.CLOSED, closed_at=event.at, closing=dict(event.body)
    ))


def evolve_published(state: MeetingState, event: Event) -> MeetingState:
    poll = get_poll(state, event.body["poll"])
    return _put(state, replace(poll, status=PollStatus.PUBLISHED, published_at=event.at))


def evolve_cancelled(state: MeetingState, event: Event) -> MeetingState:
    poll = get_poll(state, event.body["poll"])
    return _put(state, replace(poll, status=PollStatus.CANCELLED))


# ---- audiences, projections, snapshot ------------------------------------------------------


def _project_opened(event: Event, role: Role) -> Mapping[str, Any] | None:
    if role in STAFF:
        return event.body
    # Thousands of tablets need the counts, not the list of every voter (they learn their
    # own ballots from the snapshot and a personal live message).
    snap = {k: v for k, v in event.body["snapshot"].items() if k not in ("voters", "proxies")}
    return {**event.body, "snapshot": snap}


def _project_closed(event: Event, role: Role) -> Mapping[str, Any] | None:
    if role in STAFF:
        return event.body
    # Until published, only staff see results; the others learn that voting has ended.
    body = {"poll": event.body["poll"], "counts": event.body["counts"]}
    if "reason" in event.body:
        body["reason"] = event.body["reason"]
    return body


def poll_view(poll: Poll, role: Role | None, participant_id: str) -> dict[str, Any]:
    """A poll as `role` sees it (None: the administrator, who sees all)."""
    staff = role is None or role in STAFF
    out: dict[str, Any] = {
        **definition_to_dict(poll.definition),
        "status": poll.status.value,
        "created_at": poll.created_at,
        "opened_at": poll.opened_at,
        "closes_at": poll.closes_at,
        "closed_at": poll.closed_at,
        "published_at": poll.published_at,
    }
    if poll.snapshot is not None:
        # Counts only: the voter list, receipts and named ballots can be thousands of entries
        # each; the HTTP poll endpoint serves them (docs/api.md).
        snap = poll.snapshot.to_dict()
        out["snapshot"] = {k: v for k, v in snap.items() if k not in ("voters", "proxies")}
        out["may_cast_for"] = poll.snapshot.cast_by(participant_id)
    if poll.closing is not None:
        if staff or poll.status == PollStatus.PUBLISHED:
            out.update(public_result(poll.closing))
            out["outcome"] = poll.closing["outcome"]
        else:
            out["counts"] = poll.closing["counts"]
    return out


def snapshot_part(state: MeetingState, role: Role, participant_id: str) -> dict[str, Any]:
    return {"polls": [poll_view(p, role, participant_id) for p in polls_of(state).polls.values()]}


DECIDERS = {
    "poll.create": decide_create,
    "poll.open": decide_open,
    "poll.publish": decide_publish,
    "poll.cancel": decide_cancel,
}
EVOLVERS = {
    "poll.created": evolve_created,
    "poll.opened": evolve_opened,
    "poll.closed": evolve_closed,
    "poll.published": evolve_published,
    "poll.cancelled": evolve_cancelled,
}
PERMISSIONS = {
    **{kind: STAFF for kind in
       ("poll.create", "poll.open", "poll.close", "poll.publish", "poll.cancel")},
    "ballot.cast": VOTING_ROLES,
}
PROJECTORS = {
    "poll.opened": _project_opened,
    "poll.closed": _project_closed,
}
SNAPSHOT = snapshot_part
