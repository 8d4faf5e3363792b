"""The quorum: delegates on the roster who are present, by count and weight, against the
meeting's quorum rule (``MeetingInfo.quorum``), at one moment.

Read live by the hall screen and the staff (rooms/attendance.py's snapshot, the shell's live
quorum), by ``meeting.open`` / ``meeting.resume`` when the meeting setting
``require_quorum_to_open`` is on (rooms/meeting.py), and by the minutes. The quorum at a past
moment, rebuilt from the log, is rooms/quorum_history.py's.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from rooms.attendance_state import attendance
from rooms.majority import Rule, RuleError, parse_rule, quorum_met
from rooms.model import VOTING_ROLES, Participant
from rooms.settings import settings_of
from rooms.state import MeetingState


@lru_cache(maxsize=64)
def _rule(text: str) -> Rule:
    return parse_rule(text)


def _weight(participant: Participant) -> Decimal:
    try:
        return Decimal(participant.weight)
    except InvalidOperation:  # the roster refuses such weights; an old log keeps counting
        return Decimal(1)


# The voting delegates of a roster with their weights, by the roster mapping's identity (a
# roster is immutable; a roster change makes a new one). During a check-in storm the quorum
# is recomputed every 50 ms over a roster that does not change: its weights are read once.
_VOTERS: OrderedDict[int, tuple[Mapping[str, Participant], tuple[tuple[str, Decimal], ...]]] = (
    OrderedDict())
_VOTERS_KEPT = 8


def _voters(participants: Mapping[str, Participant]) -> tuple[tuple[str, Decimal], ...]:
    hit = _VOTERS.get(id(participants))
    # The roster is kept in the entry, so its id cannot be reused while cached.
    if hit is not None and hit[0] is participants:
        return hit[1]
    voters = tuple((pid, _weight(p)) for pid, p in participants.items()
                   if p.role in VOTING_ROLES)
    _VOTERS[id(participants)] = (participants, voters)
    if len(_VOTERS) > _VOTERS_KEPT:
        _VOTERS.popitem(last=False)
    return voters


@dataclass(frozen=True)
class Quorum:
    """Presence against the meeting's quorum rule at one moment."""

    rule: str
    entitled: int
    present: int
    in_person: int
    online: int
    # Proxies held by present delegates for absent ones; counted only if the meeting says so.
    proxies: int
    counts_proxies: bool
    entitled_weight: Decimal
    present_weight: Decimal
    weighted: bool
    met: bool | None  # None when the rule cannot be read
    needed: int | None  # the smallest count that meets the rule (unweighted rules)
    error: str = ""
    at: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule, "entitled": self.entitled, "present": self.present,
            "in_person": self.in_person, "online": self.online, "proxies": self.proxies,
            "counts_proxies": self.counts_proxies, "weighted": self.weighted,
            "met": self.met, "needed": self.needed, "at": self.at,
        }
        if self.weighted:
            out["entitled_weight"] = str(self.entitled_weight)
            out["present_weight"] = str(self.present_weight)
        if self.error:
            out["error"] = self.error
        return out

    def counts(self) -> dict[str, Any]:
        """What a delegate's tablet shows: numbers only."""
        return {"present": self.present, "entitled": self.entitled, "met": self.met}


def quorum(state: MeetingState, at: int = 0) -> Quorum:
    """The quorum now (or as of the state given): delegates on the roster who are present,
    by count and weight, against ``state.info.quorum``. Proxies held by present delegates
    count only with the meeting setting ``proxies_count_for_quorum`` (a quorum is of people
    in the hall by default)."""
    att = attendance(state)
    counts_proxies = settings_of(state).proxies_count_for_quorum
    entitled = present = in_person = online = proxies = 0
    entitled_w = present_w = Decimal(0)
    weighted = False
    for pid, weight in _voters(state.participants):
        weighted = weighted or weight != 1
        entitled += 1
        entitled_w += weight
        record = att.records.get(pid)
        if record is not None and record.present:
            present += 1
            present_w += weight
            if record.mode == "online":
                online += 1
            else:
                in_person += 1
            continue
        grant = att.proxies.get(pid)
        if grant is not None and att.record(grant.holder).present:
            proxies += 1
            if counts_proxies:
                present_w += weight
    measured = present + (proxies if counts_proxies else 0)
    met: bool | None = None
    needed: int | None = None
    error = ""
    try:
        rule = _rule(state.info.quorum)
        if weighted:
            met = quorum_met(rule, present_w, entitled_w)
        else:
            met = quorum_met(rule, measured, entitled)
            needed = rule.min_count(entitled)
    except RuleError as exc:
        error = exc.message
    return Quorum(
        rule=state.info.quorum, entitled=entitled, present=present, in_person=in_person,
        online=online, proxies=proxies, counts_proxies=counts_proxies, entitled_weight=entitled_w,
        present_weight=present_w, weighted=weighted, met=met, needed=needed, error=error, at=at,
    )
