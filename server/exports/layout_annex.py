"""The annex of the minutes: for every named (open) poll, the roll call of who chose what,
numbered as in section III. A secret poll never appears here."""

from __future__ import annotations

from rooms.minutes_model import Minutes, NamedVote, PollResult
from server.exports.blocks import Annex, Block, Column, Heading, Table, para
from server.exports.i18n import Lang, fmt_number, option_label, t


def annex(minutes: Minutes, lang: Lang) -> Annex | None:
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


def choice_text(
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
        row.append(choice_text(v, labels, blank, abstain, not_voted))
        if show_weight:
            row.append(fmt_number(v.weight, lang))
        if show_note:
            row.append(named_note(v, lang))
        rows.append(tuple(row))
    return Table(tuple(columns), tuple(rows))
