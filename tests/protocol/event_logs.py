"""Whole meetings' logs, made by the real domain, for tests/protocol/test_event_bodies.py: the
fixtures that build whole meetings, the demo congress's set-up, and one meeting that uses
every feature the fixtures leave out, so that together they hold every event kind."""

from __future__ import annotations

from typing import Any

from rooms import aggregate
from rooms.definition_meeting import plan
from rooms.model import Actor, Command, Event, Role
from rooms.roster import parse_roster_csv
from rooms.state import MeetingState
from server.demo import demo_files
from tests.rooms import contexts
from tests.rooms.floor_fixtures import opened_meeting
from tests.rooms.minutes_fixtures import T0, Meeting, full_meeting, partial_named_meeting


def fixture_logs() -> dict[str, list[Event]]:
    """The shared fixtures' meetings, by name."""
    return {
        "minutes_fixtures.full_meeting": _events(full_meeting()),
        "minutes_fixtures.partial_named_meeting": _events(partial_named_meeting()),
        "floor_fixtures.opened_meeting": opened_meeting(),
    }


def _events(m: Meeting) -> list[Event]:
    return [entry.event for entry in m.entries]


def demo_congress() -> list[Event]:
    """The demo congress as server/demo.py sets it up (the meeting, its 350-line roster, the
    hall screen and the kiosk), with its agenda as the plan upload would import it; decided
    by the domain, without Redis."""
    congress, roster = demo_files()
    admin = Actor.admin()
    create = Command("meeting.create", congress.meeting.create_body(), admin)
    events = list(contexts.decide_create("demo", create, T0))
    state = aggregate.fold(events)
    rows = [{**p.to_dict(), "code": p.id} for p in parse_roster_csv(roster)]
    steps: list[tuple[str, dict[str, Any]]] = [
        ("roster.import", {"participants": rows}),
        ("participant.add", {"id": "SCREEN", "full_name": "Màn hình hội trường",
                             "role": Role.SCREEN.value}),
        ("participant.add", {"id": "KIOSK", "full_name": "Bàn điểm danh",
                             "role": Role.OBSERVER.value}),
    ]
    steps += [(step.kind, step.body) for step in plan(congress, [])]
    for kind, body in steps:
        state = _apply(state, events, contexts.decide(state, Command(kind, body, admin), T0))
    return events


def _apply(state: MeetingState, log: list[Event], new: list[Event]) -> MeetingState:
    for event in new:
        log.append(event)
        state = aggregate.evolve(state, event)
    return state


def every_feature() -> list[Event]:
    """A meeting that uses what the fixtures leave out: roster and settings changes, the agenda
    edited and timed, adjournment, devices, badges, proxies revoked, drafts, follow-the-chair,
    the speakers' list reordered, tags, Q&A, a published and a cancelled poll."""
    m = Meeting()
    m.do("S1", "meeting.update", {"place": "Hội trường B", "settings": {
        "hybrid": True, "proxy_limit": 2, "city": "Hạ Long", "badge_sign_in": "open"}},
         minute=-60)
    m.do("S1", "participant.add", {"id": "D5", "full_name": "Lý Thị Mai", "role": "delegate",
                                   "seat": "B12", "weight": "1.5"}, minute=-59)
    m.do("S1", "participant.update", {"id": "D5", "title": "Đại biểu khách mời"}, minute=-59)
    m.do("S1", "participant.add", {"id": "O1", "full_name": "Phóng viên", "role": "observer"},
         minute=-58)
    m.do("S1", "participant.remove", {"id": "O1"}, minute=-58)
    m.do("S1", "participant.reissue", {"id": "D5"}, minute=-58)
    m.do("S1", "device.pair", {"kind": "kiosk"}, minute=-57)
    m.do("@admin", "participant.sign_in", {"id": "D5", "via": "badge"}, minute=-57)
    _agenda(m)
    _attendance(m)
    m.do("C1", "meeting.open", minute=0)
    m.do("C1", "agenda.set_current", {"id": "1"}, minute=1)
    m.do("C1", "agenda.timer.start", {"seconds": 300}, minute=1)
    m.do("C1", "agenda.timer.stop", minute=4)
    m.do("C1", "agenda.timer.start", minute=5)
    m.do("C1", "agenda.set_current", {"id": "2"}, minute=8)  # stops the running timer first
    _documents_and_feedback(m)
    _speakers_and_questions(m)
    m.do("C1", "meeting.adjourn", {"reason": "Nghỉ giải lao"}, minute=30)
    m.do("C1", "meeting.resume", minute=45)
    _polls(m)
    m.do("S1", "note.add", {"item": "2", "text": "Ghi chú"}, minute=70)
    m.do("S1", "note.edit", {"id": "n1", "text": ""}, minute=71)
    m.do("C1", "meeting.close", minute=90)
    return _events(m)


def _agenda(m: Meeting) -> None:
    m.do("S1", "agenda.import", {"items": [
        {"id": "1", "title": "Khai mạc", "minutes": 10},
        {"id": "2", "title": "Thảo luận", "kind": "discussion", "feedback": True,
         "documents": ["Dự thảo"], "speaker_seconds": 240,
         "items": [{"id": "2.1", "title": "Báo cáo"}]},
        {"id": "3", "title": "Biểu quyết", "kind": "vote",
         "poll": {"method": "yes_no_abstain", "pass": "more than 1/2 of delegates present"}},
    ]}, minute=-50)
    m.do("S1", "agenda.add", {"item": {"id": "2.2", "title": "Tham luận"}, "parent": "2"},
         minute=-49)
    m.do("S1", "agenda.add", {"item": {"title": "Bế mạc"}}, minute=-49)
    m.do("S1", "agenda.update", {"id": "2.2", "title": "Tham luận của các đoàn", "minutes": 20},
         minute=-48)
    m.do("S1", "agenda.reorder", {"parent": "2", "order": ["2.2", "2.1"]}, minute=-48)
    m.do("S1", "agenda.reorder", {"order": ["2", "1", "3", "x6"]}, minute=-48)
    m.do("S1", "agenda.reorder", {"order": ["1", "2", "3", "x6"]}, minute=-48)
    m.do("S1", "agenda.remove", {"id": "x6"}, minute=-47)


def _attendance(m: Meeting) -> None:
    m.do("D1", "checkin.self", {"device": "tab-1"}, minute=-30)
    m.do("D1", "checkin.self", {"device": "tab-2"}, minute=-29)  # double presence
    for pid in ("C1", "S1", "D2"):
        m.do("S1", "checkin.manual", {"participant": pid}, minute=-28)
    m.do("D2", "checkin.self", {"device": "tab-9"}, minute=-27)  # binds the desk's check-in
    m.do("S1", "checkin.manual", {"participant": "D5", "mode": "online"}, minute=-26)
    _decided(m, "S1", "checkin.scan", {"token": "badge:D4"}, minute=-25)
    _decided(m, "S1", "checkin.out", {"token": "badge:D4"}, minute=-24)
    m.do("S1", "checkin.out", {"participant": "D5"}, minute=-24)
    m.do("S1", "checkin.absent", {"participant": "D3"}, minute=-23)
    m.do("S1", "proxy.grant", {"from": "D3", "to": "D1"}, minute=-22)
    m.do("S1", "proxy.revoke", {"from": "D3"}, minute=-21)
    m.do("S1", "proxy.grant", {"from": "D3", "to": "D2"}, minute=-20)
    m.do("S1", "checkin.manual", {"participant": "D3"}, minute=-10)  # the proxy lapses


def _documents_and_feedback(m: Meeting) -> None:
    upload = {"id": "dt", "title": "Dự thảo", "item": "2", "sha256": "b" * 64, "size": 2048,
              "mime": "application/pdf", "filename": "du-thao.pdf", "pages": 8}
    m.do("S1", "document.add", {**upload, "draft": True}, minute=9)
    m.do("S1", "document.release", {"id": "dt"}, minute=10)
    m.do("S1", "document.add", {**upload, "sha256": "c" * 64, "item": None}, minute=11)
    m.do("C1", "floor.follow", {"document": "dt", "page": 3}, minute=12)
    m.do("C1", "floor.unfollow", minute=13)
    m.do("D1", "feedback.submit", {"id": "f1", "text": "Sửa đoạn 2", "document": "dt",
                                   "version": 1, "page": 2, "paragraph": 4}, minute=14)
    m.do("S1", "feedback.tag", {"id": "f1", "tags": ["kinh tế", "việc làm"]}, minute=15)
    m.do("S1", "feedback.mark", {"id": "f1", "status": "answered", "answer": "Đã sửa"},
         minute=15)


def _speakers_and_questions(m: Meeting) -> None:
    m.do("D1", "speakers.request", minute=16)
    m.do("D2", "speakers.request", minute=16)
    m.do("D3", "speakers.request", {"point_of_order": True}, minute=16)
    m.do("C1", "speakers.reorder", {"order": ["D3", "D2", "D1"]}, minute=17)
    m.do("D1", "speakers.withdraw", minute=17)
    m.do("C1", "speakers.give_floor", minute=18)
    m.do("C1", "speakers.give_floor", {"participant": "D2", "seconds": 120}, minute=20)
    m.do("C1", "speakers.end", minute=22)
    m.do("D1", "question.ask", {"id": "q1", "text": "Khi nào có số liệu?"}, minute=23)
    m.do("D2", "question.ask", {"id": "q2", "text": "Câu hỏi trùng", "item": "1"}, minute=23)
    m.do("S1", "question.approve", {"id": "q1"}, minute=24)
    m.do("S1", "question.hide", {"id": "q2"}, minute=24)
    m.do("D2", "question.vote", {"id": "q1", "up": True}, minute=25)
    m.do("D2", "question.vote", {"id": "q1", "up": False}, minute=25)
    m.do("S1", "question.answer", {"id": "q1"}, minute=26)


def _polls(m: Meeting) -> None:
    m.do("S1", "poll.create", {"id": "p1", "title": "Chọn địa điểm", "method": "single",
                               "options": ["Hạ Long", "Cẩm Phả"], "allow_abstain": False,
                               "quorum": "more than 1/2 of delegates present", "timer": 120,
                               "agenda_item": "3"}, minute=50)
    m.do("C1", "poll.open", {"poll": "p1"}, minute=51)
    m.close_poll("p1", {"C1": "o1", "S1": "o2", "D1": "o1", "D2": "o1", "D3": "o2"}, minute=53)
    m.do("C1", "poll.publish", {"poll": "p1"}, minute=54)
    m.do("S1", "poll.create", {"id": "p2", "title": "Chọn ba nội dung", "method": "multiple",
                               "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
                               "min": 1, "max": 2}, minute=55)
    # An option left out, mended while a draft.
    m.do("S1", "poll.update", {"poll": "p2", "title": "Chọn ba nội dung", "method": "multiple",
                               "options": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"},
                                           {"id": "c", "label": "C"}], "min": 1, "max": 2},
         minute=55.5)
    m.do("C1", "poll.open", {"poll": "p2"}, minute=56)
    m.do("C1", "poll.cancel", {"poll": "p2", "reason": "Sai phương án"}, minute=57)


def _decided(m: Meeting, who: str, kind: str, body: dict[str, Any], *, minute: float) -> None:
    """``kind`` through ``aggregate.decide`` whole, with the context's badge reader: the path
    a command takes in the shell (a badge check-out's ``via`` is only set there)."""
    assert m.state is not None
    actor = Actor(who, Role.SECRETARY if who == "S1" else Role.CHAIR)
    now = T0 + int(minute * 60_000)
    for event in aggregate.decide(m.state, Command(kind, body, actor), contexts.at(now)).events:
        m.append(event)
