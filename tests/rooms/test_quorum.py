"""The quorum reads a roster's voting weights once per roster, and a new roster anew."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from rooms.attendance_state import SLICE, AttendanceState, Record
from rooms.model import MeetingInfo, Participant, Role
from rooms.quorum import quorum
from rooms.state import MeetingState, with_slice


def hall(weights: dict[str, str], present: list[str]) -> MeetingState:
    roster = {pid: Participant(pid, pid, Role.DELEGATE, weight=w) for pid, w in weights.items()}
    roster["QS01"] = Participant("QS01", "Quan sát viên", Role.OBSERVER)  # does not count
    records = {pid: Record(status="present", at=1, first_in=1) for pid in present}
    state = MeetingState(id="m1", info=MeetingInfo(title="Hội nghị", quorum="majority of entitled"),
                         participants=roster)
    return with_slice(state, SLICE, AttendanceState(records=records))


def test_a_changed_roster_is_counted_with_its_new_weights() -> None:
    before = hall({"D1": "1", "D2": "1", "D3": "1"}, ["D1"])
    q = quorum(before)
    assert (q.entitled, q.present, q.weighted) == (3, 1, False)
    assert quorum(before) == q  # the same roster again: the same answer
    reweighed = replace(before, participants={
        **before.participants, "D1": replace(before.participants["D1"], weight="2.5")})
    q2 = quorum(reweighed)
    assert (q2.entitled, q2.present, q2.weighted) == (3, 1, True)
    assert (q2.entitled_weight, q2.present_weight) == (Decimal("4.5"), Decimal("2.5"))
    fewer = replace(before, participants={k: v for k, v in before.participants.items()
                                          if k != "D3"})
    assert (quorum(fewer).entitled, quorum(before).entitled) == (2, 3)
