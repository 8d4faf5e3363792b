"""Proxies (ủy quyền): an absent delegate's vote given to a present one, one level deep.

The rules, each refused with its own reason: not to oneself; the giver is absent and the
holder present; both are voting members; no chains (a holder cannot give their own vote
away, and someone who gave theirs cannot hold another's); a giver has one proxy at a time;
a holder holds at most ``proxy_limit`` (a meeting setting, default 1). A giver who arrives
later votes in person: their proxy lapses at check-in (rooms/attendance.py).

The state lives in the attendance slice, so one guard per delegate covers both.
"""

from __future__ import annotations

from dataclasses import replace

from protocol.errors import ErrorCode
from rooms.attendance_state import SLICE, Grant, attendance
from rooms.model import STAFF, VOTING_ROLES, Command, Event, Participant, Rejected
from rooms.settings import settings_of
from rooms.state import MeetingState, with_slice


def _voter(state: MeetingState, participant_id: str, side: str) -> Participant:
    participant = state.participants.get(participant_id)
    if participant is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no participant {participant_id} on the roster",
                       participant=participant_id)
    if participant.role not in VOTING_ROLES:
        raise Rejected(ErrorCode.INVALID,
                       f"{participant.full_name} is not a voting member and cannot "
                       f"{side} a proxy", reason="not_voting", participant=participant_id)
    return participant


def decide_grant(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    if state.status.value == "closed":
        raise Rejected(ErrorCode.INVALID_STATE, "the meeting is closed")
    giver_id, holder_id = cmd.body["from"], cmd.body["to"]
    if giver_id == holder_id:
        raise Rejected(ErrorCode.INVALID, "a delegate cannot give a proxy to themselves",
                       reason="proxy_to_self")
    giver = _voter(state, giver_id, "give")
    holder = _voter(state, holder_id, "hold")
    att = attendance(state)
    giver_record, holder_record = att.record(giver_id), att.record(holder_id)
    if giver_record.present:
        raise Rejected(ErrorCode.INVALID, f"{giver.full_name} is present and votes in person",
                       reason="giver_present", participant=giver_id)
    if not holder_record.present:
        raise Rejected(ErrorCode.INVALID,
                       f"{holder.full_name} is not checked in; a proxy goes to a "
                       "delegate who is present", reason="holder_absent", participant=holder_id)
    existing = att.proxies.get(giver_id)
    if existing is not None:
        if existing.holder == holder_id:
            return []
        raise Rejected(ErrorCode.DUPLICATE, f"{giver.full_name} already gave a proxy to "
                       f"{_name(state, existing.holder)}; revoke it first",
                       reason="already_given", participant=giver_id, to=existing.holder)
    if att.held.get(giver_id):
        raise Rejected(ErrorCode.INVALID,
                       f"{giver.full_name} holds a proxy and cannot pass votes on "
                       "(one level only)", reason="proxy_chain", participant=giver_id)
    if holder_id in att.proxies:
        raise Rejected(ErrorCode.INVALID,
                       f"{holder.full_name} gave their own vote away and cannot hold "
                       "another's (one level only)", reason="proxy_chain", participant=holder_id)
    limit = settings_of(state).proxy_limit
    if len(att.held.get(holder_id, ())) >= limit:
        raise Rejected(ErrorCode.INVALID, f"{holder.full_name} already holds {limit} "
                       f"prox{'y' if limit == 1 else 'ies'}, the most this meeting allows",
                       reason="proxy_limit", participant=holder_id, limit=limit)
    return [Event("proxy.granted", {"from": giver_id, "to": holder_id},
                  cmd.actor.participant_id, now)]


def decide_revoke(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    giver_id = cmd.body["from"]
    grant = attendance(state).proxies.get(giver_id)
    if grant is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"{_name(state, giver_id)} has given no proxy",
                       reason="no_proxy", participant=giver_id)
    return [Event("proxy.revoked", {"from": giver_id, "to": grant.holder, "reason": "revoked"},
                  cmd.actor.participant_id, now)]


def _name(state: MeetingState, participant_id: str) -> str:
    participant = state.participants.get(participant_id)
    return participant.full_name if participant else participant_id


def evolve_granted(state: MeetingState, event: Event) -> MeetingState:
    att = attendance(state)
    giver, holder = event.body["from"], event.body["to"]
    grant = Grant(giver, holder, event.at, event.actor)
    return with_slice(state, SLICE, replace(
        att,
        proxies={**att.proxies, giver: grant},
        held={**att.held, holder: (*att.held.get(holder, ()), giver)},
    ))


def evolve_revoked(state: MeetingState, event: Event) -> MeetingState:
    att = attendance(state)
    giver = event.body["from"]
    grant = att.proxies.get(giver)
    if grant is None:
        return state
    proxies = {k: v for k, v in att.proxies.items() if k != giver}
    held = dict(att.held)
    remaining = tuple(g for g in held.get(grant.holder, ()) if g != giver)
    if remaining:
        held[grant.holder] = remaining
    else:
        held.pop(grant.holder, None)
    ended = replace(grant, ended_at=event.at, end_reason=str(event.body.get("reason", "revoked")))
    return with_slice(state, SLICE, replace(att, proxies=proxies, held=held,
                                            ended=(*att.ended, ended)))


def holders(state: MeetingState) -> dict[str, tuple[str, ...]]:
    """Who holds whose vote now: holder → givers. What a poll records when it opens."""
    return dict(attendance(state).held)


DECIDERS = {"proxy.grant": decide_grant, "proxy.revoke": decide_revoke}
EVOLVERS = {"proxy.granted": evolve_granted, "proxy.revoked": evolve_revoked}
PERMISSIONS = {"proxy.grant": STAFF, "proxy.revoke": STAFF}
AUDIENCES = {"proxy.granted": STAFF, "proxy.revoked": STAFF}
