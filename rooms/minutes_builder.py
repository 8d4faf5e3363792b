"""The minutes of a meeting, built from its event log and nothing else.

Pure: the log is passed in (each entry with its seq and chain hash, as the store reads it or
as ``log.json`` exports it), folded with ``rooms.aggregate.evolve`` (``rooms.minutes_log``),
and read through each feature's slice; what a slice does not keep (when each agenda item began
and ended, the state when the meeting opened) is taken from the events as they pass. Times are
shown in the meeting's timezone with ``zoneinfo``, a table lookup: no clock is read. A feature
whose events are absent from the log simply gives an empty section. The poll results are in
``rooms.minutes_polls``.

Meeting settings read here, all optional (``MeetingInfo.settings``): ``parent_organisation``,
``reference`` (the document number, "Số: 01/BB-MTTQ") and ``city`` (for the dateline).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from rooms.agenda import agenda_of
from rooms.agenda_items import AgendaItem as PlanItem
from rooms.agenda_items import walk
from rooms.attendance_state import attendance
from rooms.documents import documents_of
from rooms.feedback import feedback_of, summarize
from rooms.lifecycle import Status
from rooms.majority import RuleError, parse_rule

# Logged, LoggedEvent, MinutesError and entries_from_export are re-exported (see __all__):
# callers of build_minutes (the HTTP and CLI shells, the tests' fixtures) use them.
from rooms.minutes_log import (
    Logged,
    LoggedEvent,
    LogRun,
    MinutesError,
    entries_from_export,
    fold_log,
)
from rooms.minutes_model import (
    AbsentDelegate,
    AgendaItem,
    Attendance,
    DocumentRef,
    FeedbackSample,
    FeedbackSummary,
    Language,
    LogSeal,
    MeetingInfo,
    Minutes,
    Proxy,
    QuestionEntry,
    QuorumCheck,
    Signatures,
    Speaker,
)
from rooms.minutes_polls import counted_polls, poll_result
from rooms.model import STAFF, VOTING_ROLES, Participant, Role
from rooms.notes import by_item as notes_by_item
from rooms.polls import polls_of
from rooms.questions import ranked
from rooms.quorum import quorum
from rooms.settings import settings_of
from rooms.speakers import speeches_by_item
from rooms.state import MeetingState
from rooms.timezone import zone
from rooms.vietnamese import name_sort_key

# How many feedback points per item the minutes quote; the rest are counted.
FEEDBACK_SAMPLES: Final = 3
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


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
    run = fold_log(entries)
    state = run.state
    if final and state.status != Status.CLOSED:
        raise MinutesError(f"final minutes need a closed meeting; it is {state.status.value}")
    language: Language = "en" if lang == "en" else "vi"
    tz = zone(state)

    def when(ms: int | None) -> datetime | None:
        return None if ms is None else _time(ms, tz)

    agenda_items, numbers = _agenda(state, run, when)
    listed = {item.number for item in agenda_items}
    general = tuple(
        q
        for item_id, questions in _questions_by_item(state).items()
        if item_id is None or numbers.get(item_id) not in listed
        for q in questions
    )
    polls = tuple(poll_result(state, p, numbers, language, when) for p in counted_polls(state))
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
        questions=general,
    )


# ---- meeting -------------------------------------------------------------------------------


def _time(ms: int, tz: tzinfo) -> datetime:
    return (_EPOCH + timedelta(milliseconds=ms)).astimezone(tz)


def _meeting(state: MeetingState, run: LogRun, lang: Language, tz: tzinfo) -> MeetingInfo:
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


def _attendance(state: MeetingState, run: LogRun, lang: Language, when: Any) -> Attendance:
    att = attendance(state)
    voters = [p for p in state.participants.values() if p.role in VOTING_ROLES]

    def attended(p: Participant) -> bool:
        # The chair and the secretaries run the meeting from their consoles and seldom check
        # in: one who sent a logged command was there, never an absent delegate.
        return bool(att.record(p.id).first_in) or (p.role in STAFF and p.id in run.actors)

    present = [p for p in voters if attended(p)]
    absent = sorted(
        (p for p in voters if not attended(p)), key=lambda p: name_sort_key(p.full_name)
    )
    entitled_w = sum((_weight(p) for p in voters), Decimal(0))
    present_w = sum((_weight(p) for p in present), Decimal(0))
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
        present=len(present),
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
    state: MeetingState, run: LogRun, when: Any
) -> tuple[tuple[AgendaItem, ...], dict[str, int]]:
    """Items in the order they first became current, then the items that never did but have
    something to record (a speech, feedback, a note, a poll), in the plan's order."""
    plan = {item.id: item for item in walk(agenda_of(state).items)}
    speeches = speeches_by_item(state)
    notes = notes_by_item(state)
    feedback = summarize(feedback_of(state).entries)
    polled = {p.definition.agenda_item for p in counted_polls(state)}
    asked = _questions_by_item(state)

    ran = sorted(run.visits, key=lambda item_id: run.visits[item_id][0][0])
    rest = [
        item_id
        for item_id in plan
        if item_id not in run.visits
        and any(item_id in found for found in (speeches, notes, feedback, polled, asked))
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
                questions=asked.get(item_id, ()),
            )
        )
    return tuple(items), numbers


def _questions_by_item(state: MeetingState) -> dict[str | None, tuple[QuestionEntry, ...]]:
    """The Q&A's approved questions by agenda item (None: asked with no item current), in
    the hall screen's order: most supported first. Pending and hidden ones were never shown
    to the hall and are not in the minutes."""
    out: dict[str | None, list[QuestionEntry]] = {}
    for q in ranked(state):
        entry = QuestionEntry(
            q.text, _name(state, q.author), _delegation(state, q.author), q.votes, q.answered
        )
        out.setdefault(q.item, []).append(entry)
    return {item: tuple(entries) for item, entries in out.items()}


def _delegation(state: MeetingState, participant_id: str) -> str:
    p = state.participants.get(participant_id)
    return p.delegation if p else ""


def _documents(
    state: MeetingState, item_id: str, source: PlanItem | None
) -> tuple[DocumentRef, ...]:
    """The released documents of the item: those the plan names and those uploaded for it.
    Drafts are not in the minutes, nor placeholders: a plan imported before the files names
    a document by its title ("Dự thảo Báo cáo chính trị (PDF, ~60 trang)") until it is
    uploaded, and a title alone was never before the meeting."""
    docs = documents_of(state).documents
    out: list[DocumentRef] = []
    listed: set[str] = set()
    for ref in source.documents if source else ():
        doc = docs.get(ref)
        if doc is not None and doc.current is not None:
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


__all__ = [
    "Logged",
    "LoggedEvent",
    "MinutesError",
    "build_minutes",
    "entries_from_export",
]
