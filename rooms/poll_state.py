"""A poll's values and its lifecycle table: status, definition, the snapshot frozen at
opening, and the polls slice of the meeting state."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Any, Final

from protocol.errors import ErrorCode
from rooms.attendance_state import attendance
from rooms.ballots import (
    PollSpec,
)
from rooms.majority import Rule, parse_rule
from rooms.model import VOTING_ROLES, Rejected
from rooms.settings import settings_of
from rooms.state import MeetingState, get_slice, with_slice
from rooms.tally import Total, to_decimal

SLICE: Final = "polls"
POLL_ID: Final = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


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
    """What the chair defined at ``poll.created``; a draft may be redefined whole
    (``poll.updated``), an opened poll never is."""

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

    @cached_property
    def eligible(self) -> Total:
        """Once per snapshot, each distinct weight converted once: a poll's close may be
        decided several times over a box of 5,000 ballots, and all weights are mostly "1"."""
        weight = sum((Fraction(Decimal(w)) * n for w, n in Counter(self.voters.values()).items()),
                     Fraction(0))
        return Total(len(self.voters), to_decimal(weight))

    @cached_property
    def longest_weight(self) -> str:
        """The longest weight text among the voters (what a sealed ballot is padded for):
        computed once per snapshot, not once for each of 5,000 ballots."""
        return max(self.voters.values(), key=len, default="1")

    def caster(self, voter: str) -> str:
        return self.proxies.get(voter, voter)

    @cached_property
    def _holders(self) -> frozenset[str]:
        return frozenset(self.proxies.values())

    def casts_own_only(self, participant_id: str) -> bool:
        """Whether ``cast_by`` is exactly the participant's own ballot, in three lookups: the
        opening of a poll asks it for each of 5,000 tablets, and nearly all say yes."""
        return (participant_id in self.voters and participant_id not in self.proxies
                and participant_id not in self._holders)

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


_NO_POLLS = PollsState()  # frozen: one empty value, not a new one on every ballot's lookup


def polls_of(state: MeetingState) -> PollsState:
    return get_slice(state, SLICE, _NO_POLLS)


def get_poll(state: MeetingState, poll_id: object) -> Poll:
    poll = polls_of(state).polls.get(str(poll_id))
    if poll is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no poll {poll_id!r}", poll=str(poll_id))
    return poll


def put_poll(state: MeetingState, poll: Poll) -> MeetingState:
    current = polls_of(state)
    return with_slice(state, SLICE, PollsState({**current.polls, poll.id: poll}))


def _total(data: Mapping[str, Any]) -> Total:
    return Total(int(data["count"]), Decimal(str(data["weight"])))


# A congress has a handful of distinct weights among thousands of delegates: each is worked
# out once, not once per delegate at every poll.open (5,000 delegates took 96 ms, the event
# loop held all the while).
@lru_cache(maxsize=1024)
def canonical_weight(weight: str) -> str:
    """A weight as the shortest decimal string ("1.50" → "1.5"), so equal weights are equal."""
    return str(to_decimal(Fraction(Decimal(weight))))


@lru_cache(maxsize=1024)
def _weighs(weight: str) -> bool:
    return Decimal(weight) > 0


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
    voters = {pid: w for pid, w in present.items() if _weighs(w)}
    proxies: dict[str, str] = {}
    # One level only (rooms/proxies.py refuses chains; this re-checks what is frozen): the
    # holder casts in their own right, and an absent delegate who holds a proxy passes nothing.
    for absent, holder in sorted(seen.proxies.items()):
        if (absent in entitled and absent not in present and holder in voters
                and holder not in seen.proxies and _weighs(entitled[absent])):
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
    # Exact, and one Fraction per distinct weight rather than per delegate.
    counts = Counter(weights)
    total = sum((Fraction(Decimal(w)) * n for w, n in counts.items()), Fraction(0))
    return Total(counts.total(), to_decimal(total))
