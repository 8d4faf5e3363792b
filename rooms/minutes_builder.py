"""The minutes of a meeting, built from its event log and nothing else.

Pure: the log is passed in (each entry with its seq and chain hash, as the store reads it or
as ``log.json`` exports it), folded with ``rooms.aggregate.evolve``, and read through each
feature's slice; what a slice does not keep (when each agenda item began and ended, the state
when the meeting opened) is taken from the events as they pass. Times are shown in the
meeting's timezone with ``zoneinfo``, a table lookup: no clock is read. A feature whose events
are absent from the log simply gives an empty section.

Meeting settings read here, all optional (``MeetingInfo.settings``): ``parent_organisation``,
``reference`` (the document number, "Số: 01/BB-MTTQ") and ``city`` (for the dateline).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Protocol, cast

from rooms import aggregate
from rooms.agenda import AgendaItem as PlanItem
from rooms.agenda import agenda_of, walk
from rooms.attendance_state import attendance
from rooms.documents import documents_of
from rooms.feedback import feedback_of, summarize
from rooms.lifecycle import Status
from rooms.majority import RuleError, parse_rule
from rooms.minutes_model import (
    AbsentDelegate,
    AgendaItem,
    Attendance,
    Decision,
    DocumentRef,
    FeedbackSample,
    FeedbackSummary,
    Language,
    LogSeal,
    MeetingInfo,
    Minutes,
    NamedVote,
    OptionResult,
    Outcome,
    PollResult,
    Proxy,
    QuorumCheck,
    Signatures,
    Speaker,
)
from rooms.model import VOTING_ROLES, Event, Participant, Role
from rooms.notes import by_item as notes_by_item
from rooms.polls import Poll, PollStatus, polls_of
from rooms.quorum import quorum
from rooms.settings import settings_of
from rooms.speakers import speeches_by_item
from rooms.state import MeetingState
from rooms.timezone import zone
from rooms.vietnamese import name_sort_key

# How many feedback points per item the minutes quote; the rest are counted.
FEEDBACK_SAMPLES: Final = 3
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ABSTAIN_LABEL: Final[dict[str, str]] = {"vi": "Không biểu quyết", "en": "Abstain"}


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
class _Run:
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


def _fold(entries: Iterable[LoggedEvent]) -> _Run:
    state: MeetingState | None = None
    opened: MeetingState | None = None
    opened_at: int | None = None
    closed_at: int | None = None
    visits: dict[str, list[tuple[int, int | None]]] = {}
    seen: dict[str, PlanItem] = {}
    current: tuple[str, int] | None = None
    count, final_hash = 0, ""

    def leave(at: int) -> None:
        nonlocal current
        if current is not None:
            visits.setdefault(current[0], []).append((current[1], at))
            current = None

    for entry in entries:
        event = entry.event
        count, final_hash = count + 1, entry.hash
        if event.kind != "meeting.created" and event.kind not in aggregate.EVOLVERS:
            # A kind this build does not know (a feature not installed here): its section
            # stays empty, the rest of the minutes is still right.
            continue
        state = aggregate.evolve(state, event, entry.seq)
        if event.kind.startswith("agenda."):
            for item in walk(agenda_of(state).items):
                seen[item.id] = item
        match event.kind:
            case "meeting.opened" if opened is None:
                opened, opened_at = state, event.at
            case "meeting.closed":
                closed_at = event.at
                leave(event.at)
            case "agenda.current_changed":
                leave(event.at)
                if event.body.get("id") is not None:
                    current = (str(event.body["id"]), event.at)
            case _:
                pass
    if state is None:
        raise MinutesError("the log is empty or does not start with meeting.created")
    if current is not None:
        visits.setdefault(current[0], []).append((current[1], None))
    return _Run(state, opened, opened_at, closed_at, visits, seen, count, final_hash)


def build_minutes(
    entries: Iterable[LoggedEvent],
    *,
    final: bool,
    lang: str = "vi",
    generated_at: int | None = None,
) -> Minutes:
    """The minutes of the meeting whose whole log is ``entries`` (in seq order).

    ``final`` minutes need a closed meeting; draft minutes show the meeting as it stands.
    ``generated_at`` (ms) is printed if given: the caller knows the time, this module does not.
    """
    run = _fold(entries)
    state = run.state
    if final and state.status != Status.CLOSED:
        raise MinutesError(f"final minutes need a closed meeting; it is {state.status.value}")
    language: Language = "en" if lang == "en" else "vi"
    tz = zone(state)

    def when(ms: int | None) -> datetime | None:
        return None if ms is None else _time(ms, tz)

    agenda_items, numbers = _agenda(state, run, when)
    polls = tuple(_poll(state, p, numbers, language, when) for p in _counted_polls(state))
    return Minutes(
        meeting=_meeting(state, run, language, tz),
        attendance=_attendance(state, run, language, when),
        agenda=agenda_items,
        polls=polls,
        log=LogSeal(run.event_count, run.final_hash, "sha256"),
        signatures=Signatures(_first_of(state, Role.CHAIR), _first_of(state, Role.SECRETARY)),
        status="final" if final else "draft",
        language=language,
        generated_at=when(generated_at),
    )


# ---- meeting -------------------------------------------------------------------------------


def _time(ms: int, tz: tzinfo) -> datetime:
    return (_EPOCH + timedelta(milliseconds=ms)).astimezone(tz)


def _meeting(state: MeetingState, run: _Run, lang: Language, tz: tzinfo) -> MeetingInfo:
    info, settings = state.info, settings_of(state)
    started = run.opened_at if run.opened_at is not None else state.created_at
    return MeetingInfo(
        title=info.title_en if lang == "en" and info.title_en else info.title,
        organisation=info.organisation,
        place=info.place,
        started_at=_time(started, tz),
        ended_at=_time(run.closed_at, tz) if run.closed_at is not None else None,
        parent_organisation=settings.parent_organisation,
        reference=settings.reference,
        city=settings.city,
    )


def _first_of(state: MeetingState, role: Role) -> str:
    for p in state.participants.values():
        if p.role == role:
            return p.full_name
    return ""


def _name(state: MeetingState, participant_id: str) -> str:
    p = state.participants.get(participant_id)
    return p.full_name if p else participant_id


def _weight(p: Participant) -> Decimal:
    try:
        return Decimal(p.weight)
    except InvalidOperation:
        return Decimal(1)


def _rule_words(text: str, lang: Language) -> str:
    """A rule as the minutes print it, in their language when the rule can be read."""
    try:
        words = parse_rule(text).describe(lang)
    except RuleError:
        words = text
    return words[:1].upper() + words[1:]


# ---- attendance ----------------------------------------------------------------------------


def _attendance(state: MeetingState, run: _Run, lang: Language, when: Any) -> Attendance:
    att = attendance(state)
    voters = [p for p in state.participants.values() if p.role in VOTING_ROLES]
    attended = [p for p in voters if att.record(p.id).first_in]
    absent = sorted(
        (p for p in voters if not att.record(p.id).first_in),
        key=lambda p: name_sort_key(p.full_name),
    )
    entitled_w = sum((_weight(p) for p in voters), Decimal(0))
    present_w = sum((_weight(p) for p in attended), Decimal(0))
    weighted = any(_weight(p) != 1 for p in voters)

    # The quorum as it stood when the meeting opened (never opened: as it stands now).
    q = quorum(run.opened or state, run.opened_at or 0)
    measured = q.present + (q.proxies if q.counts_proxies else 0)
    check = QuorumCheck(
        rule_text=_rule_words(q.rule, lang),
        met=bool(q.met),
        present=min(measured, q.entitled),
        entitled=q.entitled,
        at=when(run.opened_at),
    )
    return Attendance(
        entitled=len(voters),
        present=len(attended),
        quorum=check,
        entitled_weight=entitled_w if weighted else None,
        present_weight=present_w if weighted else None,
        absent=tuple(
            AbsentDelegate(
                p.full_name,
                p.delegation,
                att.record(p.id).reason if att.record(p.id).status == "absent" else "",
            )
            for p in absent
        ),
        proxies=_proxies(state, when),
    )


def _proxies(state: MeetingState, when: Any) -> tuple[Proxy, ...]:
    """Proxies in force at the end, and those that ended but were recorded by a poll at its
    opening (they carried a vote); a proxy that lapsed unused is left out."""
    att = attendance(state)
    used = {
        (giver, holder)
        for poll in polls_of(state).polls.values()
        if poll.snapshot is not None
        for giver, holder in poll.snapshot.proxies.items()
    }
    grants = [*att.proxies.values(), *(g for g in att.ended if (g.giver, g.holder) in used)]
    grants.sort(key=lambda g: g.at)
    out: list[Proxy] = []
    seen: set[tuple[str, str]] = set()
    for g in grants:
        if (g.giver, g.holder) not in seen:
            seen.add((g.giver, g.holder))
            out.append(Proxy(_name(state, g.giver), _name(state, g.holder), when(g.at)))
    return tuple(out)


# ---- agenda --------------------------------------------------------------------------------


def _agenda(
    state: MeetingState, run: _Run, when: Any
) -> tuple[tuple[AgendaItem, ...], dict[str, int]]:
    """Items in the order they first became current, then the items that never did but have
    something to record (a speech, feedback, a note, a poll), in the plan's order."""
    plan = {item.id: item for item in walk(agenda_of(state).items)}
    speeches = speeches_by_item(state)
    notes = notes_by_item(state)
    feedback = summarize(feedback_of(state).entries)
    polled = {p.definition.agenda_item for p in _counted_polls(state)}

    ran = sorted(run.visits, key=lambda item_id: run.visits[item_id][0][0])
    rest = [
        item_id
        for item_id in plan
        if item_id not in run.visits
        and (item_id in speeches or item_id in notes or item_id in feedback or item_id in polled)
    ]
    items: list[AgendaItem] = []
    numbers: dict[str, int] = {}
    for number, item_id in enumerate([*ran, *rest], start=1):
        source = plan.get(item_id) or run.seen_items.get(item_id)
        visits = run.visits.get(item_id, [])
        ends = [end for _, end in visits]
        numbers[item_id] = number
        items.append(
            AgendaItem(
                number=number,
                title=source.title if source else item_id,
                kind=source.kind if source else "procedural",
                started_at=when(visits[0][0]) if visits else None,
                # Still running (a draft) while any visit is open; else the last time it ended.
                ended_at=None if not ends or None in ends else when(max(e for e in ends if e)),
                speakers=tuple(
                    Speaker(
                        _name(state, s.participant),
                        _delegation(state, s.participant),
                        (s.spoke_ms + 500) // 1000,
                    )
                    for s in speeches.get(item_id, [])
                ),
                documents=_documents(state, item_id, source),
                feedback=_feedback(state, feedback.get(item_id)),
                notes=tuple(n.text for n in notes.get(item_id, [])),
            )
        )
    return tuple(items), numbers


def _delegation(state: MeetingState, participant_id: str) -> str:
    p = state.participants.get(participant_id)
    return p.delegation if p else ""


def _documents(
    state: MeetingState, item_id: str, source: PlanItem | None
) -> tuple[DocumentRef, ...]:
    """The released documents of the item: those the plan names (by id, or by title when
    the file was never uploaded) and those uploaded for it. Drafts are not in the minutes."""
    docs = documents_of(state).documents
    out: list[DocumentRef] = []
    listed: set[str] = set()
    for ref in source.documents if source else ():
        doc = docs.get(ref)
        if doc is None:
            out.append(DocumentRef(ref))
        elif doc.current is not None:
            out.append(DocumentRef(doc.title, str(doc.current.n), doc.current.pages))
        listed.add(ref)
    for doc in docs.values():
        if doc.item == item_id and doc.id not in listed and doc.current is not None:
            out.append(DocumentRef(doc.title, str(doc.current.n), doc.current.pages))
    return tuple(out)


def _feedback(state: MeetingState, summary: Any) -> FeedbackSummary | None:
    if summary is None:
        return None
    samples = tuple(
        FeedbackSample(
            text=point.feedback.text,
            author=_name(state, point.feedback.author),
            # Those who raised the same point after the author (merged duplicates).
            upvotes=len(point.supporters) - 1,
        )
        for point in summary.points[:FEEDBACK_SAMPLES]
    )
    return FeedbackSummary(
        count=summary.received,
        accepted=summary.by_status.get("accepted", 0),
        answered=summary.by_status.get("answered", 0),
        samples=samples,
    )


# ---- polls ---------------------------------------------------------------------------------


def _counted_polls(state: MeetingState) -> list[Poll]:
    """Polls that closed with a count, in the order they closed; cancelled and still-open
    polls have no result to record."""
    done = [
        p
        for p in polls_of(state).polls.values()
        if p.status in (PollStatus.CLOSED, PollStatus.PUBLISHED) and p.closing is not None
    ]
    return sorted(done, key=lambda p: (p.closed_at or 0, p.id))


def _dec(value: object) -> Decimal:
    return Decimal(str(value))


def _poll(
    state: MeetingState, poll: Poll, numbers: Mapping[str, int], lang: Language, when: Any
) -> PollResult:
    """A closed poll as the minutes print it: every figure is read from the ``poll.closed``
    event's result, never recounted, so the minutes say exactly what the hall was shown.
    A named poll also lists who chose what, from the ballots its closing recorded, and who of
    its snapshot's voters did not vote; a secret poll's closing has no ballots, and nothing
    per voter is read for it."""
    d = poll.definition
    closing = cast(Mapping[str, Any], poll.closing)
    result = closing["result"]
    labels = {o.id: o.label for o in d.labels}
    options = [
        OptionResult(
            key=str(row["option"]),
            label=labels.get(str(row["option"]), str(row["option"])),
            count=int(row["count"]),
            weight=_dec(row["weight"]),
            pct_of_base=_dec(row["percent_of_base"]),
            pct_of_entitled=_dec(row["percent_of_entitled"]),
        )
        for row in result["options"]
    ]
    blank = result["blank"]
    # Abstentions are blank ballots; a yes/no/abstain poll always shows them, a single-choice
    # poll when it offered abstaining. Elections count blank ballots as valid only.
    if d.spec.method == "yes_no_abstain" or (d.spec.method == "single" and d.spec.allow_abstain):
        options.append(
            OptionResult(
                key="abstain",
                label="abstain" if d.spec.method == "yes_no_abstain" else _ABSTAIN_LABEL[lang],
                count=int(blank["count"]),
                weight=_dec(blank["weight"]),
                pct_of_base=_dec(blank["percent_of_base"]),
                pct_of_entitled=_dec(blank["percent_of_entitled"]),
            )
        )
    rule = result.get("rule")
    counts = closing.get("counts", {})
    eligible = counts.get("eligible", {}).get("count")
    if eligible is None and poll.snapshot is not None:
        eligible = poll.snapshot.eligible.count
    return PollResult(
        title=d.title,
        method=d.spec.method,
        secret=d.secret,
        rule_text=_capital(str(rule[lang])) if isinstance(rule, Mapping) else "",
        base_name=str(result["base"]),
        base_value=int(result["base_total"]["count"]),
        eligible=int(eligible or 0),
        cast=int(result["cast"]["count"]),
        valid=int(result["valid"]["count"]),
        invalid=int(result["invalid"]["count"]),
        options=tuple(options),
        outcome=_outcome(closing.get("outcome", {}), result),
        seats=result.get("seats") if d.spec.method != "yes_no_abstain" else None,
        agenda_number=numbers.get(d.agenda_item) if d.agenda_item else None,
        opened_at=when(poll.opened_at),
        closed_at=when(poll.closed_at),
        receipts_digest=str(closing.get("receipts_digest", "")),
        poll_id=poll.id,
        named_votes=() if d.secret else _named_votes(state, poll, closing.get("ballots", ())),
    )


def _named_votes(
    state: MeetingState, poll: Poll, ballots: Iterable[Mapping[str, Any]]
) -> tuple[NamedVote, ...]:
    """The roll call of a named poll: every voter of the snapshot frozen at opening
    (``poll.opened``'s ``voters`` and ``proxies``, the staff copy the log holds), with the
    ballot ``poll.closed`` recorded for it (voter, canonical choice, weight, ``by`` when a
    proxy cast it) or ``choice=None`` when none was cast. Vietnamese name order, the code
    breaking ties between namesakes. One dict lookup per voter, then one sort."""
    snap = poll.snapshot
    voters: Mapping[str, str] = snap.voters if snap is not None else {}
    proxies: Mapping[str, str] = snap.proxies if snap is not None else {}
    votes: list[NamedVote] = []
    seen: set[str] = set()
    for b in ballots:
        voter = str(b["voter"])
        seen.add(voter)
        p = state.participants.get(voter)
        choice = b["choice"]
        by = b.get("by")
        votes.append(
            NamedVote(
                code=voter,
                name=p.full_name if p else voter,
                # A str is one key (yes, no, abstain, a single choice's option); a list is a
                # multiple choice or the names kept on an election ballot, maybe empty.
                choice=(str(choice),) if isinstance(choice, str) else tuple(map(str, choice)),
                weight=_dec(b.get("weight", "1")),
                delegation=p.delegation if p else "",
                seat=p.seat if p else "",
                cast_by=_name(state, str(by)) if by and by != voter else "",
            )
        )
    # Those who could have voted and did not: with them the list accounts for every voter of
    # the snapshot, so its length is section III's "eligible" and its ballots its "cast".
    for voter, weight in voters.items():
        if voter in seen:
            continue
        p = state.participants.get(voter)
        holder = proxies.get(voter)
        votes.append(
            NamedVote(
                code=voter,
                name=p.full_name if p else voter,
                choice=None,
                weight=_dec(weight),
                delegation=p.delegation if p else "",
                seat=p.seat if p else "",
                cast_by=_name(state, holder) if holder and holder != voter else "",
            )
        )
    # One order for the whole roll call, voters and non-voters together: the annex is read by
    # looking a delegate up by name, and a name must not move because of how they voted.
    votes.sort(key=lambda v: (name_sort_key(v.name), v.code))
    return tuple(votes)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


_DECISIONS: Final[dict[str, Decision]] = {
    "passed": "passed",
    "failed": "failed",
    "elected": "elected",
    # A tie at the last seat is an election whose tied seats stay open; the model lists them.
    "tied": "elected",
    "counted": "counted",
}


def _outcome(outcome: Mapping[str, Any], result: Mapping[str, Any]) -> Outcome:
    decision = str(outcome.get("decision", ""))
    if decision not in _DECISIONS:
        raise MinutesError(f"a poll closed with an unknown decision {decision!r}")
    return Outcome(
        decision=_DECISIONS[decision],
        elected=tuple(str(x) for x in result.get("winners", ())),
        tied=tuple(str(x) for x in result.get("tie_at_last_seat", ())),
        seats_unfilled=int(result.get("seats_open", 0) or 0),
    )


__all__ = [
    "Logged",
    "LoggedEvent",
    "MinutesError",
    "build_minutes",
    "entries_from_export",
]
