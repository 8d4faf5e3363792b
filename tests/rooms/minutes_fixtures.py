"""A meeting driven command by command through the real domain, its log kept with the real
hash chain, for the minutes builder's and the log verifier's tests."""

from __future__ import annotations

from typing import Any

from protocol.canonical import GENESIS, canonical_bytes, digest, link
from rooms import aggregate, polls
from rooms.ballots import validate_ballot
from rooms.minutes_builder import Logged
from rooms.model import Actor, Command, Event, Participant, Role
from rooms.state import MeetingState
from tests.rooms import contexts

# 2025-11-20 08:00:00 in Hà Nội (UTC+7) is 01:00:00 UTC.
T0 = 1_763_600_400_000

ROSTER = [
    {"id": "C1", "full_name": "Trần Thị Loan", "role": "chair", "delegation": "Đoàn Chủ tịch"},
    {"id": "S1", "full_name": "Lê Văn Hùng", "role": "secretary", "delegation": "Thư ký đoàn"},
    {"id": "D1", "full_name": "Nguyễn Văn Ánh", "role": "delegate", "delegation": "Hạ Long"},
    {"id": "D2", "full_name": "Phạm Thị Đào", "role": "delegate", "delegation": "Cẩm Phả"},
    {"id": "D3", "full_name": "Đỗ Minh Quân", "role": "delegate", "delegation": "Uông Bí"},
    {"id": "D4", "full_name": "Vũ Thị Ênh", "role": "delegate", "delegation": "Móng Cái"},
    {"id": "H1", "full_name": "Màn hình hội trường", "role": "screen"},
]
ROLES = {p["id"]: Role(p["role"]) for p in ROSTER}


class Meeting:
    """Send commands as participants; every event is folded and chained as the store does."""

    def __init__(self, roster: list[dict[str, Any]] | None = None, **info: Any) -> None:
        self.entries: list[Logged] = []
        self.state: MeetingState | None = None
        self.hash = GENESIS
        created = {
            "id": "m1",
            "title": "Đại hội đại biểu MTTQ tỉnh",
            "place": "Hội trường A",
            "organisation": "Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh",
            "timezone": "Asia/Ho_Chi_Minh",
            "settings": {},
            **info,
        }
        self.append(Event("meeting.created", created, "@admin", T0 - 3_600_000))
        # Each row as the roster's writer puts it in the log: every field of a Participant.
        rows = ROSTER if roster is None else roster
        people = [Participant.from_dict(row).to_dict() for row in rows]
        self.roles = {p["id"]: Role(p["role"]) for p in people}
        self.append(Event("roster.imported", {"participants": people}, "@admin", T0 - 3_000_000))

    def append(self, event: Event) -> None:
        seq = len(self.entries) + 1
        self.hash = link(self.hash, seq, digest(canonical_bytes(event.to_dict())))
        self.entries.append(Logged(seq, event, self.hash))
        self.state = aggregate.evolve(self.state, event, seq)

    def do(
        self, who: str, kind: str, body: dict[str, Any] | None = None, *, minute: float = 0
    ) -> list[Event]:
        """``who`` sends ``kind`` at T0 + ``minute`` minutes."""
        assert self.state is not None
        actor = Actor(who, self.roles[who]) if who in self.roles else Actor.admin()
        events = contexts.decide(
            self.state, Command(kind, body or {}, actor), T0 + int(minute * 60_000)
        )
        for event in events:
            self.append(event)
        return events

    def close_poll(self, poll_id: str, ballots: dict[str, Any], *, minute: float) -> Event:
        """Close ``poll_id`` with these ballots (voter → choice), as the shell would after
        reading them from Redis: named ballots for an open poll, counters for a secret one."""
        assert self.state is not None
        poll = polls.get_poll(self.state, poll_id)
        assert poll.snapshot is not None
        spec = poll.definition.spec
        if poll.definition.secret:
            counters = dict.fromkeys(polls.counter_fields(poll), 0)
            for voter, choice in ballots.items():
                weight = poll.snapshot.voters[voter]
                for name in polls.counter_increments(validate_ballot(spec, choice), weight):
                    counters[name] += 1
            box = polls.BallotBox(
                counters=counters,
                voted=frozenset(ballots),
                receipts=frozenset(f"{poll_id}-{v}" for v in ballots),
            )
        else:
            box = polls.BallotBox(
                named=tuple(
                    polls.NamedBallot(
                        voter,
                        poll.snapshot.caster(voter),
                        validate_ballot(spec, choice).to_json(),
                        poll.snapshot.voters[voter],
                        f"{poll_id}-{voter}",
                    )
                    for voter, choice in ballots.items()
                )
            )
        cmd = Command("poll.close", {"poll": poll_id}, Actor("C1", Role.CHAIR))
        events = polls.decide_close(self.state, cmd, T0 + int(minute * 60_000), box)
        for event in events:
            self.append(event)
        return events[-1]


def full_meeting(*, close: bool = True) -> Meeting:
    """A short congress: check-ins, an absence with its reason, a proxy, two agenda items
    with speakers, a document, feedback and notes, a named vote and a secret election."""
    m = Meeting()
    m.do(
        "S1",
        "agenda.import",
        {
            "items": [
                {"id": "1", "title": "Khai mạc Đại hội", "kind": "procedural"},
                {
                    "id": "2",
                    "title": "Thảo luận báo cáo chính trị",
                    "kind": "discussion",
                    "feedback": True,
                },
                {"id": "3", "title": "Bầu Ủy ban MTTQ khóa mới", "kind": "election"},
                {"id": "4", "title": "Bế mạc", "kind": "procedural"},
            ]
        },
        minute=-30,
    )
    for pid in ("C1", "S1", "D1", "D2"):
        m.do("S1", "checkin.manual", {"participant": pid}, minute=-10)
    m.do("S1", "checkin.absent", {"participant": "D3", "reason": "Ốm, có giấy xin phép"}, minute=-5)
    m.do("S1", "proxy.grant", {"from": "D3", "to": "D1"}, minute=-4)
    m.do("C1", "meeting.open", minute=0)
    m.do("C1", "agenda.set_current", {"id": "1"}, minute=1)
    m.do("C1", "speakers.give_floor", {"participant": "C1"}, minute=2)
    m.do("C1", "speakers.end", minute=7)
    m.do("C1", "agenda.set_current", {"id": "2"}, minute=10)
    m.do(
        "S1",
        "document.add",
        {
            "id": "bc",
            "title": "Báo cáo chính trị",
            "item": "2",
            "sha256": "a" * 64,
            "size": 1000,
            "mime": "application/pdf",
            "filename": "bao-cao.pdf",
            "pages": 12,
        },
        minute=10,
    )
    m.do("D2", "speakers.request", minute=11)
    m.do("C1", "speakers.give_floor", minute=12)
    m.do("C1", "speakers.end", minute=15.5)
    m.do(
        "D1",
        "feedback.submit",
        {"id": "f1", "text": "Đề nghị bổ sung số liệu về việc làm"},
        minute=13,
    )
    m.do("D2", "feedback.submit", {"id": "f2", "text": "Bổ sung số liệu việc làm"}, minute=14)
    m.do("S1", "feedback.merge", {"id": "f2", "into": "f1"}, minute=16)
    m.do("S1", "feedback.mark", {"id": "f1", "status": "accepted"}, minute=16)
    m.do("S1", "note.add", {"item": "2", "text": "Đại biểu thống nhất cao với báo cáo."}, minute=17)
    m.do(
        "S1",
        "poll.create",
        {
            "id": "p1",
            "title": "Thông qua báo cáo chính trị",
            "method": "yes_no_abstain",
            "rule": "more than 1/2 of valid ballots",
            "agenda_item": "2",
        },
        minute=18,
    )
    m.do("C1", "poll.open", {"poll": "p1"}, minute=19)
    # D1 votes for themselves and, holding D3's proxy, for D3.
    m.close_poll(
        "p1", {"C1": "yes", "S1": "yes", "D1": "yes", "D2": "no", "D3": "abstain"}, minute=21
    )
    m.do("C1", "agenda.set_current", {"id": "3"}, minute=25)
    m.do(
        "S1",
        "poll.create",
        {
            "id": "p2",
            "title": "Bầu Ủy viên Ủy ban",
            "method": "approval",
            "secret": True,
            "seats": 2,
            "agenda_item": "3",
            "rule": "more than 1/2 of valid ballots",
            "candidates": [
                {"id": "k1", "label": "Hoàng Văn Nam"},
                {"id": "k2", "label": "Bùi Thị Hạnh"},
                {"id": "k3", "label": "Ngô Đức Long"},
            ],
        },
        minute=25,
    )
    m.do("C1", "poll.open", {"poll": "p2"}, minute=26)
    m.close_poll(
        "p2",
        {
            "C1": ["k1", "k2"],
            "S1": ["k1"],
            "D1": ["k1", "k3"],
            "D2": ["k2", "k3"],
            "D3": ["k1", "k2"],
        },
        minute=30,
    )
    m.do("C1", "agenda.set_current", {"id": "4"}, minute=40)
    if close:
        m.do("C1", "meeting.close", minute=45)
    return m


def partial_named_meeting() -> Meeting:
    """A named vote that not every eligible delegate took part in: S1 (present) casts
    nothing, and D1 casts their own ballot but not the one of D3, whose proxy they hold.
    D4, checked in, abstains. A secret election follows in which S1 does not vote either."""
    m = Meeting()
    for pid in ("C1", "S1", "D1", "D2", "D4"):
        m.do("S1", "checkin.manual", {"participant": pid}, minute=-10)
    m.do("S1", "checkin.absent", {"participant": "D3", "reason": "Công tác"}, minute=-5)
    m.do("S1", "proxy.grant", {"from": "D3", "to": "D1"}, minute=-4)
    m.do("C1", "meeting.open", minute=0)
    m.do(
        "S1",
        "poll.create",
        {
            "id": "p1",
            "title": "Thông qua Nghị quyết Đại hội",
            "method": "yes_no_abstain",
            "rule": "more than 1/2 of valid ballots",
        },
        minute=1,
    )
    m.do("C1", "poll.open", {"poll": "p1"}, minute=2)
    m.close_poll("p1", {"C1": "yes", "D1": "yes", "D2": "no", "D4": "abstain"}, minute=4)
    m.do(
        "S1",
        "poll.create",
        {
            "id": "p2",
            "title": "Bầu Trưởng ban",
            "method": "approval",
            "secret": True,
            "seats": 1,
            "rule": "more than 1/2 of valid ballots",
            "candidates": [
                {"id": "k1", "label": "Hoàng Văn Nam"},
                {"id": "k2", "label": "Bùi Thị Hạnh"},
            ],
        },
        minute=5,
    )
    m.do("C1", "poll.open", {"poll": "p2"}, minute=6)
    m.close_poll("p2", {"C1": ["k1"], "D1": ["k2"], "D2": ["k1"], "D3": ["k1"]}, minute=8)
    m.do("C1", "meeting.close", minute=10)
    return m
