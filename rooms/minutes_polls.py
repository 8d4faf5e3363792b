"""The poll results of the minutes: every closed poll as its ``poll.closed`` event recorded
it, and for a named poll the roll call of who chose what. Pure, like the minutes builder.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final, cast

from rooms.minutes_log import MinutesError
from rooms.minutes_model import Decision, Language, NamedVote, OptionResult, Outcome, PollResult
from rooms.polls import Poll, PollStatus, polls_of
from rooms.state import MeetingState
from rooms.vietnamese import name_sort_key

_ABSTAIN_LABEL: Final[dict[str, str]] = {"vi": "Không biểu quyết", "en": "Abstain"}


def counted_polls(state: MeetingState) -> list[Poll]:
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


def poll_result(
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
    options = _options(poll, result, lang)
    rule = result.get("rule")
    return PollResult(
        title=d.title,
        method=d.spec.method,
        secret=d.secret,
        rule_text=_capital(str(rule[lang])) if isinstance(rule, Mapping) else "",
        base_name=str(result["base"]),
        base_value=int(result["base_total"]["count"]),
        eligible=_eligible(poll, closing),
        cast=int(result["cast"]["count"]),
        valid=int(result["valid"]["count"]),
        invalid=int(result["invalid"]["count"]),
        options=options,
        outcome=_outcome(closing.get("outcome", {}), result),
        seats=result.get("seats") if d.spec.method != "yes_no_abstain" else None,
        agenda_number=numbers.get(d.agenda_item) if d.agenda_item else None,
        opened_at=when(poll.opened_at),
        closed_at=when(poll.closed_at),
        receipts_digest=str(closing.get("receipts_digest", "")),
        poll_id=poll.id,
        named_votes=() if d.secret else _named_votes(state, poll, closing.get("ballots", ())),
    )


def _options(poll: Poll, result: Mapping[str, Any], lang: Language) -> tuple[OptionResult, ...]:
    """Each option's row as counted, then the abstentions where the poll shows them."""
    d = poll.definition
    labels = {o.id: o.label for o in d.labels}
    options = [
        _option(str(row["option"]), labels.get(str(row["option"]), str(row["option"])), row)
        for row in result["options"]
    ]
    # Abstentions are blank ballots; a yes/no/abstain poll always shows them, a single-choice
    # poll when it offered abstaining. Elections count blank ballots as valid only.
    if d.spec.method == "yes_no_abstain" or (d.spec.method == "single" and d.spec.allow_abstain):
        label = "abstain" if d.spec.method == "yes_no_abstain" else _ABSTAIN_LABEL[lang]
        options.append(_option("abstain", label, result["blank"]))
    return tuple(options)


def _option(key: str, label: str, share: Mapping[str, Any]) -> OptionResult:
    """One row from a share of the result (an option's, or the blank ballots')."""
    return OptionResult(
        key=key,
        label=label,
        count=int(share["count"]),
        weight=_dec(share["weight"]),
        pct_of_base=_dec(share["percent_of_base"]),
        pct_of_entitled=_dec(share["percent_of_entitled"]),
    )


def _eligible(poll: Poll, closing: Mapping[str, Any]) -> int:
    """Who could vote, as the closing counted them (or, in older logs, the snapshot)."""
    eligible = closing.get("counts", {}).get("eligible", {}).get("count")
    if eligible is None and poll.snapshot is not None:
        eligible = poll.snapshot.eligible.count
    return int(eligible or 0)


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


def _name(state: MeetingState, participant_id: str) -> str:
    p = state.participants.get(participant_id)
    return p.full_name if p else participant_id
