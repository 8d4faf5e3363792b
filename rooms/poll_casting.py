"""Whether a ballot may be cast (against the snapshot frozen at opening), for whom and with
what weight; and the counters of a secret poll opened before ballots were sealed."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from protocol.errors import ErrorCode
from rooms.ballots import (
    BallotError,
    NormalizedChoice,
    PollSpec,
    validate_ballot,
)
from rooms.model import VOTING_ROLES, Actor, Rejected
from rooms.poll_state import Poll, PollStatus, Snapshot, get_poll
from rooms.state import MeetingState
from rooms.tally import TallyError

# ---- ballots ------------------------------------------------------------------------------


class Ticket(NamedTuple):
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
