"""The secretary's notes: given a meeting, when note.add / note.edit, then events."""

from __future__ import annotations

import pytest

from rooms import aggregate
from rooms.minutes_builder import build_minutes
from rooms.model import Rejected, Role
from rooms.notes import by_item, notes_of
from tests.rooms.minutes_fixtures import Meeting


def meeting() -> Meeting:
    m = Meeting()
    m.do(
        "S1",
        "agenda.import",
        {"items": [{"id": "1", "title": "Khai mạc"}, {"id": "2", "title": "Thảo luận"}]},
    )
    m.do("C1", "meeting.open", minute=1)
    return m


def test_the_secretary_adds_notes_per_item_with_ids_in_order() -> None:
    m = meeting()
    [first] = m.do("S1", "note.add", {"item": "2", "text": "  Ý kiến thứ nhất "}, minute=2)
    [second] = m.do("C1", "note.add", {"item": "2", "text": "Ý kiến thứ hai"}, minute=3)
    assert first.kind == "note.added"
    assert first.body == {"id": "n1", "item": "2", "text": "Ý kiến thứ nhất"}
    assert second.body["id"] == "n2"
    assert m.state is not None
    assert [n.text for n in by_item(m.state)["2"]] == ["Ý kiến thứ nhất", "Ý kiến thứ hai"]


def test_edit_changes_the_text_and_an_empty_edit_withdraws_it() -> None:
    m = meeting()
    m.do("S1", "note.add", {"item": "1", "text": "Nháp"}, minute=2)
    [edited] = m.do("S1", "note.edit", {"id": "n1", "text": "Bản sửa"}, minute=3)
    assert edited.body == {"id": "n1", "text": "Bản sửa"}
    assert m.do("S1", "note.edit", {"id": "n1", "text": "Bản sửa"}) == []  # no change
    assert m.state is not None and notes_of(m.state).notes["n1"].edited_at > 0
    m.do("S1", "note.edit", {"id": "n1", "text": ""}, minute=4)
    assert by_item(m.state) == {}
    assert build_minutes(m.entries, final=False).agenda == ()


def test_notes_appear_under_their_item_in_the_minutes() -> None:
    m = meeting()
    m.do("C1", "agenda.set_current", {"id": "1"}, minute=2)
    m.do("S1", "note.add", {"item": "1", "text": "Đại hội biểu dương"}, minute=3)
    [item] = build_minutes(m.entries, final=False).agenda
    assert item.notes == ("Đại hội biểu dương",)


def test_rejections() -> None:
    m = meeting()
    with pytest.raises(Rejected) as exc:
        m.do("D1", "note.add", {"item": "1", "text": "x"})
    assert exc.value.code == "forbidden"
    with pytest.raises(Rejected) as exc:
        m.do("S1", "note.add", {"item": "9", "text": "x"})
    assert exc.value.code == "not_found"
    with pytest.raises(Rejected) as exc:
        m.do("S1", "note.add", {"item": "1", "text": "   "})
    assert exc.value.code == "invalid"
    with pytest.raises(Rejected) as exc:
        m.do("S1", "note.edit", {"id": "n7", "text": "x"})
    assert exc.value.code == "not_found"
    m.do("C1", "meeting.close", minute=9)
    with pytest.raises(Rejected) as exc:
        m.do("S1", "note.add", {"item": "1", "text": "muộn"})
    assert exc.value.code == "invalid_state"


def test_only_staff_see_notes() -> None:
    m = meeting()
    [event] = m.do("S1", "note.add", {"item": "1", "text": "x"})
    assert aggregate.project(event, Role.SECRETARY) is not None
    assert aggregate.project(event, Role.DELEGATE) is None
    assert aggregate.project(event, Role.SCREEN) is None
    assert m.state is not None
    assert aggregate.snapshot(m.state, Role.CHAIR, "C1")["notes"][0]["text"] == "x"
    assert "notes" not in aggregate.snapshot(m.state, Role.DELEGATE, "D1")
