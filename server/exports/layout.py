"""The minutes as format-neutral blocks in one language: what every renderer (DOCX, PDF,
Markdown) prints, decided once so that the formats cannot drift apart in content."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, assert_never

from rooms.minutes_model import AgendaItem, Minutes, NamedVote, PollResult
from rooms.vietnamese import name_sort_key, nfc
from server.exports.i18n import (
    MOTTO,
    NATION,
    Lang,
    fmt_clock,
    fmt_date,
    fmt_duration,
    fmt_number,
    fmt_percent,
    fmt_stamp,
    fmt_time,
    lang_of,
    option_label,
    place_date,
    t,
    t_or,
)

Align = Literal["left", "center", "right"]
_ROMAN = ("I", "II", "III", "IV", "V", "VI")


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    mono: bool = False


@dataclass(frozen=True)
class Heading:
    text: str
    level: Literal[1, 2]  # 1: "I. THÀNH PHẦN THAM DỰ"; 2: "1. <item title>"


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    indent: int = 0  # levels of indentation
    quote: bool = False  # a delegate's words, set apart from the secretary's


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # relative to the other columns
    align: Align = "left"


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Paragraph | Table


@dataclass(frozen=True)
class Signature:
    role: str  # "THƯ KÝ"
    hint: str  # "(Ký, ghi rõ họ tên)"
    name: str


@dataclass(frozen=True)
class Annex:
    """What follows the signatures on its own page: "PHỤ LỤC", its title, the line that ties
    it to the minutes, then blocks like the body's."""

    title: str  # "PHỤ LỤC"
    subtitle: str  # "KẾT QUẢ BIỂU QUYẾT CÔNG KHAI"
    attached: str  # "(Kèm theo Biên bản số 01/BB-MTTQ)"
    body: tuple[Block, ...]


@dataclass(frozen=True)
class Layout:
    lang: Lang
    parent_organisation: str  # upper-case, may be empty
    organisation: str  # upper-case
    reference: str  # "Số: …", may be empty
    nation: str
    motto: str
    dateline: str  # "Hạ Long, ngày 20 tháng 11 năm 2025"
    title: str  # "BIÊN BẢN"
    subtitle: str  # the meeting's title
    draft_mark: str  # "" when final
    body: tuple[Block, ...]
    signatures: tuple[Signature, Signature]  # left: secretary, right: chair
    seal_text: str
    seal_hash: str
    annex: Annex | None = None  # named votes; None when no named poll has ballots to list


def para(text: str, *, bold: bool = False, italic: bool = False, indent: int = 0) -> Paragraph:
    return Paragraph((Run(text, bold=bold, italic=italic),), indent=indent)


def build_layout(minutes: Minutes, lang: str | None = None) -> Layout:
    """Lay out `minutes` in `lang` (default: the minutes' own language)."""
    language = lang_of(lang or minutes.language)
    m = minutes.meeting
    dated = m.ended_at or m.started_at
    body: list[Block] = [
        para(
            t(
                language,
                "opening",
                time=fmt_time(m.started_at, language),
                date=fmt_date(m.started_at, language),
                place=m.place,
                title=m.title,
            )
        )
    ]
    sections = [
        (t(language, "sec_attendance"), _attendance(minutes, language)),
        (t(language, "sec_agenda"), _agenda(minutes, language)),
        (t(language, "sec_polls"), _polls(minutes.polls, language)),
    ]
    if m.ended_at is not None:
        closing = t(
            language,
            "closing",
            time=fmt_time(m.ended_at, language),
            date=fmt_date(m.ended_at, language),
        )
        sections.append((t(language, "sec_closing"), [para(closing)]))
    for number, (title, blocks) in enumerate(sections):
        body.append(Heading(f"{_ROMAN[number]}. {title}", 1))
        body.extend(blocks)

    layout = Layout(
        lang=language,
        parent_organisation=m.parent_organisation.upper(),
        organisation=m.organisation.upper(),
        reference=t(language, "reference", ref=m.reference) if m.reference else "",
        nation=NATION,
        motto=MOTTO,
        dateline=place_date(m.city or m.place, dated, language),
        title=t(language, "title"),
        subtitle=m.title,
        draft_mark=t(language, "draft") if minutes.is_draft else "",
        body=tuple(body),
        signatures=(
            Signature(
                t(language, "sig_secretary"), t(language, "sign_hint"), minutes.signatures.secretary
            ),
            Signature(t(language, "sig_chair"), t(language, "sign_hint"), minutes.signatures.chair),
        ),
        seal_text=t(
            language,
            "seal" if minutes.log.final_hash else "seal_no_hash",
            count=fmt_number(minutes.log.event_count, language),
            algorithm=_algorithm_name(minutes.log.algorithm),
        ),
        seal_hash=minutes.log.final_hash.lower(),
        annex=_annex(minutes, language),
    )
    return _nfc_layout(layout)


def _algorithm_name(algorithm: str) -> str:
    """ "sha256" → "SHA-256", the way the standards name it."""
    return re.sub(r"^([A-Z]+)-?(\d+)$", r"\1-\2", algorithm.upper())


def _attendance(minutes: Minutes, lang: Lang) -> list[Block]:
    a = minutes.attendance
    present = fmt_number(a.present, lang)
    if a.weighted:
        present += t(
            lang,
            "weight_note",
            w=fmt_number(a.present_weight if a.present_weight is not None else a.present, lang),
            total=fmt_number(
                a.entitled_weight if a.entitled_weight is not None else a.entitled, lang
            ),
        )
    q = a.quorum
    quorum_key = "quorum_met" if q.met else "quorum_not_met"
    blocks: list[Block] = [
        para("- " + t(lang, "entitled", n=fmt_number(a.entitled, lang))),
        para("- " + t(lang, "present", n=present)),
        para("- " + t(lang, "absent", n=fmt_number(a.absent_count, lang))),
    ]
    if minutes.signatures.chair:
        blocks.append(para("- " + t(lang, "chair", name=minutes.signatures.chair)))
    if minutes.signatures.secretary:
        blocks.append(para("- " + t(lang, "secretary", name=minutes.signatures.secretary)))
    blocks += [
        para("- " + t(lang, "quorum_rule", rule=q.rule_text)),
        para(
            t(
                lang,
                quorum_key,
                present=fmt_number(q.present, lang),
                entitled=fmt_number(q.entitled, lang),
                pct=fmt_percent(q.percent, lang),
            ),
            bold=True,
        ),
    ]
    if a.absent:
        blocks.append(para(t(lang, "absent_list"), italic=True))
        absent = sorted(a.absent, key=lambda x: name_sort_key(x.name))
        blocks.append(
            Table(
                (
                    Column(t(lang, "col_no"), 0.7, "center"),
                    Column(t(lang, "col_name"), 3),
                    Column(t(lang, "col_delegation"), 3),
                    Column(t(lang, "col_reason"), 3),
                ),
                tuple(
                    (str(i), x.name, x.delegation, x.reason or t(lang, "reason_none"))
                    for i, x in enumerate(absent, 1)
                ),
            )
        )
    if a.proxies:
        blocks.append(para(t(lang, "proxy_list"), italic=True))
        blocks.append(
            Table(
                (
                    Column(t(lang, "col_no"), 0.7, "center"),
                    Column(t(lang, "col_proxy_from"), 3),
                    Column(t(lang, "col_proxy_to"), 3),
                    Column(t(lang, "col_time"), 2, "center"),
                ),
                tuple(
                    (str(i), p.from_name, p.to_name, fmt_stamp(p.at, lang) if p.at else "")
                    for i, p in enumerate(a.proxies, 1)
                ),
            )
        )
    return blocks


def _span(start: datetime | None, end: datetime | None, lang: Lang) -> tuple[str, str]:
    if start is None:
        return ("", "")
    if end is None:
        return (fmt_clock(start), t(lang, "item_open"))
    if start.date() == end.date():
        return (fmt_clock(start), fmt_clock(end))
    return (fmt_stamp(start, lang), fmt_stamp(end, lang))


def _agenda(minutes: Minutes, lang: Lang) -> list[Block]:
    if not minutes.agenda:
        return [para(t(lang, "no_items"), italic=True)]
    blocks: list[Block] = []
    for item in minutes.agenda:
        blocks.append(Heading(f"{item.number}. {item.title}", 2))
        blocks.extend(_item(item, minutes.polls, lang))
    return blocks


def _item(item: AgendaItem, polls: tuple[PollResult, ...], lang: Lang) -> list[Block]:
    kind = t_or(lang, f"kind_{item.kind}", item.kind)
    start, end = _span(item.started_at, item.ended_at, lang)
    line = kind + (". " + t(lang, "item_time", start=start, end=end) if start else "")
    blocks: list[Block] = [para(line, italic=True)]
    if item.documents:
        blocks.append(para(t(lang, "documents")))
        for d in item.documents:
            details = [t(lang, "doc_version", v=d.version)] if d.version else []
            if d.pages is not None:
                details.append(t(lang, "doc_pages", n=fmt_number(d.pages, lang)))
            suffix = f" ({', '.join(details)})" if details else ""
            blocks.append(para(f"- {d.title}{suffix}", indent=1))
    if item.speakers:
        blocks.append(para(t(lang, "speakers", n=len(item.speakers))))
        blocks.append(
            Table(
                (
                    Column(t(lang, "col_no"), 0.7, "center"),
                    Column(t(lang, "col_name"), 3.5),
                    Column(t(lang, "col_delegation"), 3.5),
                    Column(t(lang, "col_duration"), 1.5, "center"),
                ),
                tuple(
                    (str(i), s.name, s.delegation, fmt_duration(s.seconds))
                    for i, s in enumerate(item.speakers, 1)
                ),
            )
        )
    fb = item.feedback
    if fb is not None:
        blocks.append(
            para(
                t(
                    lang,
                    "feedback",
                    count=fmt_number(fb.count, lang),
                    accepted=fmt_number(fb.accepted, lang),
                    answered=fmt_number(fb.answered, lang),
                )
            )
        )
        if fb.samples:
            blocks.append(para(t(lang, "feedback_samples")))
        for s in fb.samples:
            who = [s.author or t(lang, "anonymous")]
            if s.upvotes:
                who.append(t(lang, "upvotes", n=fmt_number(s.upvotes, lang)))
            blocks.append(
                Paragraph(
                    (Run(f"“{s.text}”", italic=True), Run(f" — {'; '.join(who)}")),
                    indent=1,
                    quote=True,
                )
            )
    if item.notes:
        blocks.append(para(t(lang, "notes")))
        blocks.extend(para(f"- {note}", indent=1) for note in item.notes)
    for number, poll in enumerate(polls, 1):
        if poll.agenda_number == item.number:
            blocks.append(para(t(lang, "poll_ref", n=number), italic=True))
    return blocks


def _polls(polls: tuple[PollResult, ...], lang: Lang) -> list[Block]:
    if not polls:
        return [para(t(lang, "no_polls"), italic=True)]
    blocks: list[Block] = []
    for number, poll in enumerate(polls, 1):
        blocks.append(Heading(f"{number}. {poll.title}", 2))
        blocks.extend(_poll(poll, number, lang))
    return blocks


def _poll(poll: PollResult, number: int, lang: Lang) -> list[Block]:
    form = t(lang, "form_secret" if poll.secret else "form_open")
    method = t_or(
        lang,
        f"method_{poll.method}",
        poll.method,
        seats=poll.seats if poll.seats is not None else "?",
        candidates=len(poll.options),
    )
    base = t_or(lang, f"base_{poll.base_name}", poll.base_name)
    blocks: list[Block] = [
        para("- " + t(lang, "poll_form", form=form)),
        para("- " + t(lang, "poll_method", method=method)),
        para("- " + t(lang, "poll_rule", rule=poll.rule_text)),
        para("- " + t(lang, "poll_base", base=base, value=fmt_number(poll.base_value, lang))),
    ]
    start, end = _span(poll.opened_at, poll.closed_at, lang)
    if start:
        blocks.append(para("- " + t(lang, "poll_time", start=start, end=end)))
    blocks.append(
        para(
            "- "
            + t(
                lang,
                "poll_counts",
                eligible=fmt_number(poll.eligible, lang),
                cast=fmt_number(poll.cast, lang),
                valid=fmt_number(poll.valid, lang),
                invalid=fmt_number(poll.invalid, lang),
            )
        )
    )
    blocks.append(_poll_table(poll, base, lang))
    blocks.extend(_outcome(poll, lang))
    if poll.receipts_digest:
        blocks.append(
            Paragraph(
                (
                    Run(t(lang, "receipts") + " "),
                    Run(poll.receipts_digest.lower(), mono=True),
                )
            )
        )
    if poll.named_votes and not poll.secret:
        blocks.append(para(t(lang, "poll_annex_ref", n=number), italic=True))
    return blocks


def _poll_table(poll: PollResult, base: str, lang: Lang) -> Table:
    is_election = poll.outcome.decision == "elected"
    show_weight = poll.weighted
    # When the base is all delegates the two percentage columns would say the same thing.
    show_entitled = poll.base_name != "entitled"
    columns = [
        Column(t(lang, "col_no"), 0.7, "center"),
        Column(t(lang, "col_candidate" if is_election else "col_option"), 3.6),
        Column(t(lang, "col_count"), 1.3, "right"),
    ]
    if show_weight:
        columns.append(Column(t(lang, "col_weight"), 1.3, "right"))
    columns.append(Column(t(lang, "col_pct_base", base=base), 1.8, "right"))
    if show_entitled:
        columns.append(Column(t(lang, "col_pct_entitled"), 1.8, "right"))
    if is_election:
        columns.append(Column(t(lang, "col_result"), 1.6, "center"))
    rows = []
    for i, o in enumerate(poll.options, 1):
        row = [str(i), option_label(poll.method, o.key, o.label, lang), fmt_number(o.count, lang)]
        if show_weight:
            row.append(fmt_number(o.weight, lang))
        row.append(fmt_percent(o.pct_of_base, lang))
        if show_entitled:
            row.append(fmt_percent(o.pct_of_entitled, lang))
        if is_election:
            status = poll.option_status(o.key)
            row.append(t(lang, f"result_{status}") if status else "")
        rows.append(tuple(row))
    return Table(tuple(columns), tuple(rows))


def _outcome(poll: PollResult, lang: Lang) -> list[Block]:
    out = poll.outcome
    names = [poll.option(key).label for key in out.elected]
    if out.decision == "passed":
        blocks: list[Block] = [para(t(lang, "outcome_passed"), bold=True)]
    elif out.decision == "failed":
        blocks = [para(t(lang, "outcome_failed"), bold=True)]
    elif out.decision == "counted":
        blocks = [para(t(lang, "outcome_counted"), bold=True)]
    elif names:
        seats = poll.seats if poll.seats is not None else len(names)
        blocks = [
            para(
                t(lang, "outcome_elected", n=len(names), seats=seats, names=", ".join(names)),
                bold=True,
            )
        ]
    else:
        blocks = [para(t(lang, "outcome_none_elected"), bold=True)]
    if out.tied:
        tied = ", ".join(poll.option(key).label for key in out.tied)
        blocks.append(para(t(lang, "outcome_tied", n=len(out.tied), names=tied), bold=True))
    if out.seats_unfilled:
        blocks.append(para(t(lang, "outcome_unfilled", n=out.seats_unfilled)))
    if out.note:
        blocks.append(para(out.note, italic=True))
    return blocks


# --- annex: named votes -------------------------------------------------------------------


def _annex(minutes: Minutes, lang: Lang) -> Annex | None:
    """One table per named poll with a list, numbered as in section III. A secret poll is
    skipped here as well as refused by the model: never a name next to a secret choice."""
    body: list[Block] = []
    for number, poll in enumerate(minutes.polls, 1):
        if poll.secret or not poll.named_votes:
            continue
        body.append(Heading(f"{number}. {poll.title}", 2))
        body.append(para(_annex_totals(poll, number, lang), italic=True))
        body.append(_named_table(poll, lang))
    if not body:
        return None
    m = minutes.meeting
    attached = (
        t(lang, "annex_attached_ref", ref=m.reference)
        if m.reference
        else t(lang, "annex_attached", title=m.title)
    )
    return Annex(t(lang, "annex_title"), t(lang, "annex_subtitle"), attached, tuple(body))


def _annex_totals(poll: PollResult, number: int, lang: Lang) -> str:
    """The line under a poll's heading. A full roll call (every eligible voter listed, as the
    model checks against section III) gives section III's eligible and cast and the
    difference; an older list of ballots only gives its count."""
    votes = poll.named_votes
    voted = sum(1 for v in votes if v.choice is not None)
    if len(votes) != poll.eligible:
        return t(lang, "annex_poll", n=number, count=fmt_number(voted, lang))
    return t(
        lang,
        "annex_roll_call",
        n=number,
        eligible=fmt_number(poll.eligible, lang),
        cast=fmt_number(voted, lang),
        missing=fmt_number(poll.eligible - voted, lang),
    )


def _choice_text(
    vote: NamedVote, labels: dict[str, str], blank: str, abstain: str, not_voted: str
) -> str:
    if vote.choice is None:
        return not_voted
    if not vote.choice:
        return blank
    return "; ".join(labels.get(key, abstain if key == "abstain" else key) for key in vote.choice)


def named_note(vote: NamedVote, lang: Lang) -> str:
    """The annex's note on a ballot a proxy holder cast, or was to cast and did not."""
    if not vote.cast_by:
        return ""
    key = "proxy_not_cast" if vote.choice is None else "cast_by"
    return t(lang, key, name=vote.cast_by)


def _named_table(poll: PollResult, lang: Lang) -> Table:
    """Rows, not paragraphs: a national congress lists 5,000 delegates. Labels are worked
    out once per poll, each row is a few lookups; columns nobody fills are left out."""
    votes = poll.named_votes
    labels = {o.key: option_label(poll.method, o.key, o.label, lang) for o in poll.options}
    blank = t(lang, "choice_blank_approval" if poll.method == "approval" else "choice_blank")
    abstain = t(lang, "option_abstain")
    not_voted = t(lang, "choice_not_voted")
    show_delegation = any(v.delegation for v in votes)
    show_seat = any(v.seat for v in votes)
    show_weight = any(v.weight != 1 for v in votes)
    show_note = any(v.cast_by for v in votes)
    # Widths checked in LibreOffice: "STT", a 7-character delegate code (DB00220) and the
    # longest choice ("Không biểu quyết") each fit on one line at 12 pt.
    columns = [
        Column(t(lang, "col_no"), 1.0, "center"),
        Column(t(lang, "col_code"), 1.9, "center"),
        Column(t(lang, "col_name"), 2.7),
    ]
    if show_delegation:
        columns.append(Column(t(lang, "col_delegation"), 2.1))
    if show_seat:
        columns.append(Column(t(lang, "col_seat"), 1.2, "center"))
    columns.append(Column(t(lang, "col_choice"), 2.9))
    if show_weight:
        columns.append(Column(t(lang, "col_weight"), 1.1, "right"))
    if show_note:
        columns.append(Column(t(lang, "col_note"), 1.8))
    rows: list[tuple[str, ...]] = []
    for i, v in enumerate(votes, 1):
        row = [str(i), v.code, v.name]
        if show_delegation:
            row.append(v.delegation)
        if show_seat:
            row.append(v.seat)
        row.append(_choice_text(v, labels, blank, abstain, not_voted))
        if show_weight:
            row.append(fmt_number(v.weight, lang))
        if show_note:
            row.append(named_note(v, lang))
        rows.append(tuple(row))
    return Table(tuple(columns), tuple(rows))


def _nfc_layout(layout: Layout) -> Layout:
    """Every string NFC: the model already is, but labels and joins are checked here too,
    since a decomposed "ế" prints as "e" plus floating marks in most PDF fonts."""

    def block(b: Block) -> Block:
        match b:
            case Heading():
                return Heading(nfc(b.text), b.level)
            case Paragraph():
                runs = tuple(Run(nfc(r.text), r.bold, r.italic, r.mono) for r in b.runs)
                return Paragraph(runs, b.indent, b.quote)
            case Table():
                columns = tuple(Column(nfc(c.title), c.width, c.align) for c in b.columns)
                return Table(columns, tuple(tuple(nfc(c) for c in row) for row in b.rows))
            case _:
                assert_never(b)

    left, right = layout.signatures
    annex = layout.annex
    return Layout(
        lang=layout.lang,
        parent_organisation=nfc(layout.parent_organisation),
        organisation=nfc(layout.organisation),
        reference=nfc(layout.reference),
        nation=nfc(layout.nation),
        motto=nfc(layout.motto),
        dateline=nfc(layout.dateline),
        title=nfc(layout.title),
        subtitle=nfc(layout.subtitle),
        draft_mark=nfc(layout.draft_mark),
        body=tuple(block(b) for b in layout.body),
        signatures=(
            Signature(nfc(left.role), nfc(left.hint), nfc(left.name)),
            Signature(nfc(right.role), nfc(right.hint), nfc(right.name)),
        ),
        seal_text=nfc(layout.seal_text),
        seal_hash=layout.seal_hash,
        annex=None
        if annex is None
        else Annex(
            nfc(annex.title),
            nfc(annex.subtitle),
            nfc(annex.attached),
            tuple(block(b) for b in annex.body),
        ),
    )
