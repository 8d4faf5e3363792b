"""Document metadata: drafts for staff only, release, versions, and follow-the-chair."""

from __future__ import annotations

from typing import Any

import pytest

from rooms.documents import documents_of, snapshot, visible_to
from rooms.model import Rejected, Role
from tests.rooms.floor_fixtures import given, opened_meeting, sees, then_apply, when

SHA1 = "a" * 64
SHA2 = "b" * 64


def upload(
    doc_id: str = "d1", sha: str = SHA1, draft: bool = False, **extra: Any
) -> dict[str, Any]:
    return {
        "id": doc_id,
        "sha256": sha,
        "size": 1234,
        "mime": "application/pdf",
        "pages": 12,
        "filename": "bao-cao.pdf",
        "title": "Báo cáo chính trị",
        "draft": draft,
        **extra,
    }


def test_a_draft_upload_is_seen_by_staff_only() -> None:
    state = given(*opened_meeting())
    (event,) = when(state, "s1", "document.add", upload(draft=True))
    assert event.kind == "document.drafted"
    assert {r for r in Role if sees(event, r)} == {Role.CHAIR, Role.SECRETARY}
    after = then_apply(state, [event])
    assert snapshot(after, Role.DELEGATE, "d1")["documents"] == []
    assert snapshot(after, Role.SCREEN, "h1")["documents"] == []
    (staff_view,) = snapshot(after, Role.SECRETARY, "s1")["documents"]
    assert staff_view["current"] is None and staff_view["versions"][0]["released"] is False
    assert visible_to(after, Role.DELEGATE, "d1") is None
    assert visible_to(after, Role.DELEGATE, "d1", 1) is None
    assert visible_to(after, Role.CHAIR, "d1") is not None


def test_release_publishes_the_version_to_everyone_with_its_metadata() -> None:
    state = then_apply(
        given(*opened_meeting()),
        when(given(*opened_meeting()), "s1", "document.add", upload(draft=True)),
    )
    (event,) = when(state, "c1", "document.release", {"id": "d1"})
    assert event.kind == "document.published"
    assert all(sees(event, r) for r in Role)
    assert event.body["sha256"] == SHA1 and event.body["pages"] == 12
    after = then_apply(state, [event])
    (doc,) = snapshot(after, Role.DELEGATE, "d1")["documents"]
    assert doc["current"] == 1 and doc["title"] == "Báo cáo chính trị"
    assert when(after, "c1", "document.release", {"id": "d1"}) == []


def test_a_new_version_supersedes_and_the_old_one_is_kept() -> None:
    state = given(*opened_meeting())
    state = then_apply(state, when(state, "s1", "document.add", upload()))
    (event,) = when(state, "s1", "document.add", upload(sha=SHA2, title=None))
    assert event.kind == "document.published" and event.body["version"] == 2
    assert event.body["title"] == "Báo cáo chính trị"  # kept from version 1
    after = then_apply(state, [event])
    doc = documents_of(after).documents["d1"]
    assert [v.sha256 for v in doc.versions] == [SHA1, SHA2]
    assert visible_to(after, Role.DELEGATE, "d1").sha256 == SHA2  # type: ignore[union-attr]
    assert visible_to(after, Role.DELEGATE, "d1", 1).sha256 == SHA1  # type: ignore[union-attr]


def test_a_draft_version_of_a_released_document_leaves_delegates_on_the_old_one() -> None:
    state = given(*opened_meeting())
    state = then_apply(state, when(state, "s1", "document.add", upload()))
    state = then_apply(state, when(state, "s1", "document.add", upload(sha=SHA2, draft=True)))
    assert visible_to(state, Role.DELEGATE, "d1").n == 1  # type: ignore[union-attr]
    assert visible_to(state, Role.DELEGATE, "d1", 2) is None
    assert visible_to(state, Role.CHAIR, "d1").n == 2  # type: ignore[union-attr]
    (doc,) = snapshot(state, Role.DELEGATE, "d1")["documents"]
    assert [v["version"] for v in doc["versions"]] == [1]


def test_delegates_cannot_upload_or_release() -> None:
    state = given(*opened_meeting())
    for kind, body in (("document.add", upload()), ("document.release", {"id": "d1"})):
        with pytest.raises(Rejected) as rej:
            when(state, "d1", kind, body)
        assert rej.value.code == "forbidden"


def test_chair_pushes_document_and_page_to_everyone() -> None:
    state = given(*opened_meeting())
    state = then_apply(state, when(state, "s1", "document.add", upload()))
    (event,) = when(state, "c1", "floor.follow", {"document": "d1", "page": 7})
    assert (event.kind, dict(event.body)) == (
        "floor.followed",
        {"document": "d1", "version": 1, "page": 7},
    )
    assert all(sees(event, r) for r in Role)
    after = then_apply(state, [event])
    assert snapshot(after, Role.DELEGATE, "d2")["follow"]["page"] == 7
    assert when(after, "c1", "floor.follow", {"document": "d1", "page": 7}) == []
    (off,) = when(after, "c1", "floor.unfollow")
    assert snapshot(then_apply(after, [off]), Role.DELEGATE, "d2")["follow"] is None


@pytest.mark.parametrize(
    ("body", "then_code"),
    [
        ({"document": "nope", "page": 1}, "not_found"),
        ({"document": "d2", "page": 1}, "not_found"),  # a draft is never pushed
        ({"document": "d1", "page": 13}, "invalid"),  # 12 pages
        ({"document": "d1", "version": 9, "page": 1}, "not_found"),
    ],
)
def test_follow_refuses_what_delegates_cannot_open(body: dict[str, Any], then_code: str) -> None:
    state = given(*opened_meeting())
    state = then_apply(state, when(state, "s1", "document.add", upload()))
    state = then_apply(state, when(state, "s1", "document.add", upload("d2", draft=True)))
    with pytest.raises(Rejected) as rej:
        when(state, "c1", "floor.follow", body)
    assert rej.value.code == then_code


def test_only_the_chair_moves_the_hall() -> None:
    state = given(*opened_meeting())
    state = then_apply(state, when(state, "s1", "document.add", upload()))
    with pytest.raises(Rejected) as rej:
        when(state, "d1", "floor.follow", {"document": "d1", "page": 2})
    assert rej.value.code == "forbidden"
