"""Section III of the minutes, the polls: for each closed poll how it was held, its counts
as a table and its outcome, as the ``poll.closed`` event recorded them."""

from __future__ import annotations

from rooms.minutes_model import PollResult
from server.exports.blocks import Block, Column, Heading, Paragraph, Run, Table, para
from server.exports.i18n import (
    Lang,
    fmt_number,
    fmt_percent,
    fmt_span,
    option_label,
    t,
    t_or,
)


def polls_section(polls: tuple[PollResult, ...], lang: Lang) -> list[Block]:
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
    start, end = fmt_span(poll.opened_at, poll.closed_at, lang)
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
