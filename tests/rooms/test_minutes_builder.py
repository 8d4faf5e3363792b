"""The minutes built from a log: given a meeting's events, the minutes say what happened."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from rooms.minutes_builder import (
    MinutesError,
    build_minutes,
    entries_from_export,
)
from rooms.minutes_model import Minutes, poll_result_rows
from tests.rooms.minutes_fixtures import Meeting, full_meeting, partial_named_meeting


def test_meeting_details_and_times_are_in_the_meetings_timezone() -> None:
    m = full_meeting()
    minutes = build_minutes(m.entries, final=True)
    assert minutes.status == "final"
    assert minutes.meeting.title == "Đại hội đại biểu MTTQ tỉnh"
    assert minutes.meeting.started_at == datetime.fromisoformat("2025-11-20T08:00:00+07:00")
    assert minutes.meeting.ended_at == datetime.fromisoformat("2025-11-20T08:45:00+07:00")
    assert minutes.meeting.started_at.utcoffset() is not None
    assert (minutes.signatures.chair, minutes.signatures.secretary) == (
        "Trần Thị Loan",
        "Lê Văn Hùng",
    )


def test_attendance_absences_with_reasons_proxies_and_quorum_at_opening() -> None:
    a = build_minutes(full_meeting().entries, final=True).attendance
    # Chair, secretary and four delegates are entitled; the screen is not.
    assert (a.entitled, a.present) == (6, 4)
    assert [(x.name, x.reason) for x in a.absent] == [
        ("Vũ Thị Ênh", ""),
        ("Đỗ Minh Quân", "Ốm, có giấy xin phép"),
    ]
    assert [(p.from_name, p.to_name) for p in a.proxies] == [("Đỗ Minh Quân", "Nguyễn Văn Ánh")]
    q = a.quorum
    assert (q.present, q.entitled, q.met) == (4, 6, True)
    assert q.rule_text == "Quá 1/2 tổng số đại biểu có mặt"
    assert q.at == datetime.fromisoformat("2025-11-20T08:00:00+07:00")


def test_the_agenda_as_it_ran_with_speakers_documents_feedback_and_notes() -> None:
    items = build_minutes(full_meeting().entries, final=True).agenda
    assert [(i.number, i.title) for i in items] == [
        (1, "Khai mạc Đại hội"),
        (2, "Thảo luận báo cáo chính trị"),
        (3, "Bầu Ủy ban MTTQ khóa mới"),
        (4, "Bế mạc"),
    ]
    second = items[1]
    assert second.started_at is not None and second.ended_at is not None
    assert (second.started_at.strftime("%H:%M"), second.ended_at.strftime("%H:%M")) == (
        "08:10",
        "08:25",
    )
    assert [(s.name, s.seconds) for s in second.speakers] == [("Phạm Thị Đào", 210)]
    assert [(d.title, d.version, d.pages) for d in second.documents] == [
        ("Báo cáo chính trị", "1", 12)
    ]
    fb = second.feedback
    assert fb is not None and (fb.count, fb.accepted, fb.answered) == (2, 1, 0)
    assert fb.samples[0].text == "Đề nghị bổ sung số liệu về việc làm"
    assert fb.samples[0].upvotes == 1  # D2's duplicate was merged into it
    assert second.notes == ("Đại biểu thống nhất cao với báo cáo.",)
    assert items[0].feedback is None and items[0].notes == ()
    # The last item ended when the meeting closed.
    assert items[3].ended_at == datetime.fromisoformat("2025-11-20T08:45:00+07:00")


def test_poll_counts_equal_the_closed_polls_result() -> None:
    m = full_meeting()
    closed = {
        e.event.body["poll"]: e.event.body for e in m.entries if e.event.kind == "poll.closed"
    }
    polls = build_minutes(m.entries, final=True).polls
    assert [p.title for p in polls] == ["Thông qua báo cáo chính trị", "Bầu Ủy viên Ủy ban"]
    vote, election = polls
    result = closed["p1"]["result"]
    assert (vote.cast, vote.valid, vote.invalid) == (
        result["cast"]["count"],
        result["valid"]["count"],
        result["invalid"]["count"],
    )
    assert {o.key: o.count for o in vote.options} == {"yes": 3, "no": 1, "abstain": 1}
    assert vote.option("yes").pct_of_base == Decimal(result["options"][0]["percent_of_base"])
    assert vote.outcome.decision == "passed" and vote.agenda_number == 2
    assert (vote.eligible, vote.base_name, vote.base_value) == (5, "valid", 5)
    assert vote.rule_text == "Quá 1/2 tổng số phiếu hợp lệ"
    assert election.secret and election.seats == 2 and election.agenda_number == 3
    assert {o.label: o.count for o in election.options} == {
        "Hoàng Văn Nam": 4,
        "Bùi Thị Hạnh": 3,
        "Ngô Đức Long": 2,
    }
    assert election.outcome.elected == ("k1", "k2")
    assert election.receipts_digest == closed["p2"]["receipts_digest"]
    rows = poll_result_rows(polls)
    assert [(r.option_key, r.result) for r in rows[3:]] == [
        ("k1", "elected"),
        ("k2", "elected"),
        ("k3", "not_elected"),
    ]


def test_a_named_poll_lists_every_voter_and_choice_in_vietnamese_name_order() -> None:
    vote = build_minutes(full_meeting().entries, final=True).polls[0]
    assert not vote.secret
    # Given names first (Ánh < Đào < Hùng < Loan < Quân), as Vietnamese lists are sorted.
    assert [(v.code, v.name, v.choice, v.cast_by) for v in vote.named_votes] == [
        ("D1", "Nguyễn Văn Ánh", ("yes",), ""),
        ("D2", "Phạm Thị Đào", ("no",), ""),
        ("S1", "Lê Văn Hùng", ("yes",), ""),
        ("C1", "Trần Thị Loan", ("yes",), ""),
        # D3 was absent; D1, holding the proxy, cast D3's ballot.
        ("D3", "Đỗ Minh Quân", ("abstain",), "Nguyễn Văn Ánh"),
    ]
    assert [v.delegation for v in vote.named_votes][:2] == ["Hạ Long", "Cẩm Phả"]
    assert {v.weight for v in vote.named_votes} == {Decimal(1)}
    # Everyone eligible voted: as many rows as ballots, and the choices add up to the counts.
    assert len(vote.named_votes) == vote.cast == vote.eligible
    for o in vote.options:
        assert sum(v.choice == (o.key,) for v in vote.named_votes) == o.count


def test_a_secret_poll_lists_nobody_and_no_ballot_reaches_the_minutes() -> None:
    m = full_meeting()
    election = build_minutes(m.entries, final=True).polls[1]
    assert election.secret and election.named_votes == ()
    data: dict[str, Any] = build_minutes(m.entries, final=True).to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert "ballots" not in text and '"voted"' not in text and 'receipts"' not in text
    secret = json.dumps(data["polls"][1], ensure_ascii=False)
    assert '"named_votes": []' in secret
    for code, name in (("D1", "Nguyễn Văn Ánh"), ("D2", "Phạm Thị Đào"), ("D3", "Đỗ Minh Quân")):
        assert f'"{code}"' not in secret and name not in secret


def test_weights_and_multiple_choices_in_the_named_list() -> None:
    roster = [
        {"id": "C1", "full_name": "Trần Thị Loan", "role": "chair"},
        {
            "id": "B2",
            "full_name": "Nguyễn Văn Bình",
            "role": "delegate",
            "weight": "2",
            "seat": "A02",
        },
        {"id": "B1", "full_name": "Nguyễn Văn Bình", "role": "delegate", "seat": "A01"},
        {"id": "E1", "full_name": "Đinh Thị Êm", "role": "delegate", "weight": "1.5"},
    ]
    m = Meeting(roster=roster)
    for pid in ("C1", "B1", "B2", "E1"):
        m.do("C1", "checkin.manual", {"participant": pid})
    m.do("C1", "meeting.open")
    m.do(
        "C1",
        "poll.create",
        {
            "id": "p",
            "title": "Chọn nội dung ưu tiên",
            "method": "multiple",
            "min": 0,
            "max": 2,
            "options": [{"id": "a", "label": "Giáo dục"}, {"id": "b", "label": "Y tế"}],
        },
    )
    m.do("C1", "poll.open", {"poll": "p"})
    m.close_poll("p", {"B2": ["b", "a"], "B1": [], "E1": ["a"]}, minute=2)
    poll = build_minutes(m.entries, final=False).polls[0]
    # Namesakes stay apart by their code; the choice keeps the poll's option order.
    assert [(v.code, v.choice, v.weight, v.seat) for v in poll.named_votes] == [
        ("B1", (), Decimal(1), "A01"),
        ("B2", ("a", "b"), Decimal(2), "A02"),
        ("E1", ("a",), Decimal("1.5"), ""),
        ("C1", None, Decimal(1), ""),  # the chair, present, did not vote
    ]


def test_a_named_poll_lists_the_eligible_who_did_not_vote_in_name_order() -> None:
    """S1, present, casts nothing; D1 casts their own ballot but not D3's, whose proxy they
    hold. Every voter of the snapshot is listed, among the others by name."""
    vote = build_minutes(partial_named_meeting().entries, final=True).polls[0]
    assert [(v.code, v.name, v.choice, v.cast_by) for v in vote.named_votes] == [
        ("D1", "Nguyễn Văn Ánh", ("yes",), ""),
        ("D2", "Phạm Thị Đào", ("no",), ""),
        ("D4", "Vũ Thị Ênh", ("abstain",), ""),
        ("S1", "Lê Văn Hùng", None, ""),
        ("C1", "Trần Thị Loan", ("yes",), ""),
        ("D3", "Đỗ Minh Quân", None, "Nguyễn Văn Ánh"),
    ]
    # The list is the snapshot's voters; its ballots are section III's cast.
    assert len(vote.named_votes) == vote.eligible == 6
    assert sum(v.choice is not None for v in vote.named_votes) == vote.cast == 4
    assert vote.named_votes[3].delegation == "Thư ký đoàn"
    # The secret election of the same meeting, where S1 did not vote either, lists nobody.
    election = build_minutes(partial_named_meeting().entries, final=True).polls[1]
    assert election.secret and election.named_votes == ()


def test_draft_minutes_carry_the_named_list_of_a_closed_poll() -> None:
    draft = build_minutes(full_meeting(close=False).entries, final=False)
    assert draft.is_draft and len(draft.polls[0].named_votes) == 5


def test_the_log_seal_is_the_last_events_hash() -> None:
    m = full_meeting()
    minutes = build_minutes(m.entries, final=True)
    assert minutes.log.event_count == len(m.entries)
    assert minutes.log.final_hash == m.entries[-1].hash == m.hash


def test_draft_while_running_and_final_refused_before_closing() -> None:
    m = full_meeting(close=False)
    with pytest.raises(MinutesError, match="closed"):
        build_minutes(m.entries, final=True)
    draft = build_minutes(m.entries, final=False)
    assert draft.is_draft and draft.meeting.ended_at is None
    # The current item is still running.
    assert draft.agenda[-1].title == "Bế mạc" and draft.agenda[-1].ended_at is None


def test_english_minutes_use_the_english_title_and_rule_words() -> None:
    m = Meeting(title_en="Provincial Front Congress")
    m.do("C1", "meeting.open", minute=0)
    m.do("C1", "meeting.close", minute=5)
    minutes = build_minutes(m.entries, final=True, lang="en")
    assert minutes.language == "en"
    assert minutes.meeting.title == "Provincial Front Congress"
    assert minutes.attendance.quorum.rule_text == "More than 1/2 of delegates present"


def test_a_meeting_with_no_features_used_gives_empty_sections() -> None:
    m = Meeting()
    minutes = build_minutes(m.entries, final=False, generated_at=m.entries[-1].event.at)
    assert minutes.agenda == () and minutes.polls == ()
    assert minutes.attendance.present == 0 and minutes.attendance.proxies == ()
    assert minutes.generated_at is not None
    # It survives the JSON round trip the exports rely on.
    assert Minutes.from_dict(minutes.to_dict()) == minutes


def test_unknown_event_kinds_are_skipped_not_fatal() -> None:
    m = Meeting()
    from rooms.minutes_builder import Logged
    from rooms.model import Event

    entries = [*m.entries, Logged(3, Event("future.thing", {}, "C1", 0), "f" * 64)]
    minutes = build_minutes(entries, final=False)
    assert minutes.log.event_count == 3 and minutes.log.final_hash == "f" * 64


def test_an_empty_log_is_an_error() -> None:
    with pytest.raises(MinutesError):
        build_minutes([], final=False)


def test_entries_from_an_export_build_the_same_minutes() -> None:
    m = full_meeting()
    export = {"events": [{"seq": e.seq, **e.event.to_dict(), "hash": e.hash} for e in m.entries]}
    export = json.loads(json.dumps(export))
    assert build_minutes(entries_from_export(export), final=True) == build_minutes(
        m.entries, final=True
    )
