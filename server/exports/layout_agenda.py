"""Section II of the minutes, the agenda: each item as it ran, with its documents, speakers,
feedback, the secretary's notes and the polls held on it."""

from __future__ import annotations

from rooms.minutes_model import AgendaItem, FeedbackSummary, Minutes, PollResult, QuestionEntry
from server.exports.blocks import Block, Column, Heading, Paragraph, Run, Table, para
from server.exports.i18n import Lang, fmt_duration, fmt_number, fmt_span, t, t_or


def agenda_section(minutes: Minutes, lang: Lang) -> list[Block]:
    blocks: list[Block] = []
    if not minutes.agenda:
        blocks.append(para(t(lang, "no_items"), italic=True))
    for item in minutes.agenda:
        blocks.append(Heading(f"{item.number}. {item.title}", 2))
        blocks.extend(_item(item, minutes.polls, lang))
    if minutes.questions:  # asked while no item was current
        blocks.append(Heading(t(lang, "general_questions"), 2))
        blocks.extend(questions_blocks(minutes.questions, lang))
    return blocks


def _item(item: AgendaItem, polls: tuple[PollResult, ...], lang: Lang) -> list[Block]:
    kind = t_or(lang, f"kind_{item.kind}", item.kind)
    start, end = fmt_span(item.started_at, item.ended_at, lang)
    line = kind + (". " + t(lang, "item_time", start=start, end=end) if start else "")
    blocks: list[Block] = [para(line, italic=True)]
    if item.documents:
        blocks.append(para(t(lang, "documents")))
        blocks.extend(_documents(item, lang))
    if item.speakers:
        blocks.append(para(t(lang, "speakers", n=len(item.speakers))))
        blocks.append(_speakers_table(item, lang))
    if item.feedback is not None:
        blocks.extend(_feedback(item.feedback, lang))
    if item.questions:
        blocks.extend(questions_blocks(item.questions, lang))
    if item.notes:
        blocks.append(para(t(lang, "notes")))
        blocks.extend(para(f"- {note}", indent=1) for note in item.notes)
    for number, poll in enumerate(polls, 1):
        if poll.agenda_number == item.number:
            blocks.append(para(t(lang, "poll_ref", n=number), italic=True))
    return blocks


def _documents(item: AgendaItem, lang: Lang) -> list[Block]:
    blocks: list[Block] = []
    for d in item.documents:
        details = [t(lang, "doc_version", v=d.version)] if d.version else []
        if d.pages is not None:
            details.append(t(lang, "doc_pages", n=fmt_number(d.pages, lang)))
        suffix = f" ({', '.join(details)})" if details else ""
        blocks.append(para(f"- {d.title}{suffix}", indent=1))
    return blocks


def _speakers_table(item: AgendaItem, lang: Lang) -> Table:
    return Table(
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


def _feedback(fb: FeedbackSummary, lang: Lang) -> list[Block]:
    """The counts, then the sampled points in the delegates' own words."""
    blocks: list[Block] = [
        para(
            t(
                lang,
                "feedback",
                count=fmt_number(fb.count, lang),
                accepted=fmt_number(fb.accepted, lang),
                answered=fmt_number(fb.answered, lang),
            )
        )
    ]
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
    return blocks


def questions_blocks(questions: tuple[QuestionEntry, ...], lang: Lang) -> list[Block]:
    """The Q&A's approved questions as the hall saw them, most supported first."""
    rows = tuple(
        (
            str(i),
            q.text,
            f"{q.author} ({q.delegation})" if q.author and q.delegation else q.author,
            fmt_number(q.votes, lang),
            t(lang, "answered_yes" if q.answered else "answered_no"),
        )
        for i, q in enumerate(questions, 1)
    )
    table = Table(
        (
            Column(t(lang, "col_no"), 0.9, "center"),
            Column(t(lang, "col_question"), 5),
            Column(t(lang, "col_asked_by"), 2.6),
            Column(t(lang, "col_support"), 1.4, "center"),
            Column(t(lang, "col_answered"), 1.8, "center"),
        ),
        rows,
    )
    return [para(t(lang, "questions", n=fmt_number(len(questions), lang))), table]
