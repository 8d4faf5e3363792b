"""Meeting documents (metadata only: files live content-addressed on disk) and
follow-the-chair.

A document has versions; each version is a draft until released. Drafts are for the chair
and the secretary: a draft upload is the event ``document.drafted``, seen by staff only, and
releasing it is ``document.published``, which carries the whole version so delegates never
need the draft event. A newer released version supersedes the older ones, which are kept.

``floor.follow`` is the chair's "document X, page N": every view gets it; a delegate's tablet
turns to that page unless its user left follow mode (a client-side choice, never stored).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from protocol.errors import ErrorCode
from rooms.lifecycle import Status
from rooms.model import STAFF, Command, Event, Rejected, Role, nfc
from rooms.state import MeetingState, get_slice, with_slice

NAME: Final = "documents"
MIMES: Final = ("application/pdf", "image/png", "image/jpeg", "image/webp", "image/gif")
SHA256: Final = re.compile(r"^[0-9a-f]{64}$")
MAX_TITLE: Final = 500
MAX_DOCUMENTS: Final = 1000
MAX_VERSIONS: Final = 100


@dataclass(frozen=True)
class Version:
    n: int
    sha256: str
    size: int
    mime: str
    filename: str
    pages: int
    at: int
    by: str
    released: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.n,
            "sha256": self.sha256,
            "size": self.size,
            "mime": self.mime,
            "filename": self.filename,
            "pages": self.pages,
            "at": self.at,
            "by": self.by,
            "released": self.released,
        }


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    item: str | None
    versions: tuple[Version, ...] = ()

    @property
    def current(self) -> Version | None:
        """The newest released version: what delegates read."""
        released = [v for v in self.versions if v.released]
        return released[-1] if released else None

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    def version(self, n: int) -> Version | None:
        return self.versions[n - 1] if 0 < n <= len(self.versions) else None

    def visible(self, role: Role) -> bool:
        return role in STAFF or self.current is not None

    def to_dict(self, role: Role) -> dict[str, Any]:
        """The document as ``role`` sees it: delegates and screens only see released versions."""
        versions = [v for v in self.versions if role in STAFF or v.released]
        current = self.current
        return {
            "id": self.id,
            "title": self.title,
            "item": self.item,
            "current": current.n if current else None,
            "versions": [v.to_dict() for v in versions],
        }


@dataclass(frozen=True)
class Follow:
    document: str
    version: int
    page: int
    at: int

    def to_dict(self) -> dict[str, Any]:
        return {"document": self.document, "version": self.version, "page": self.page,
                "at": self.at}


@dataclass(frozen=True)
class DocumentsState:
    documents: Mapping[str, Document]
    follow: Follow | None = None


EMPTY: Final = DocumentsState({})


def documents_of(state: MeetingState) -> DocumentsState:
    return get_slice(state, NAME, EMPTY)


def visible_to(state: MeetingState, role: Role, document_id: str, version: int | None = None
               ) -> Version | None:
    """The version ``role`` may download (the current one when ``version`` is None), or None:
    a delegate asking for a draft gets exactly what it gets for a document that does not
    exist."""
    doc = documents_of(state).documents.get(document_id)
    if doc is None:
        return None
    if version is None:
        found = doc.latest if role in STAFF else doc.current
    else:
        found = doc.version(version)
    if found is None or (role not in STAFF and not found.released):
        return None
    return found


# ---- commands -------------------------------------------------------------------------------


def decide_add(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    """A stored upload's metadata; sent by the upload route after the file is on disk."""
    if state.status == Status.CLOSED:
        raise Rejected(ErrorCode.INVALID_STATE, "the meeting is closed")
    body = cmd.body
    docs = documents_of(state).documents
    doc = docs.get(body["id"])
    if not SHA256.match(body["sha256"]) or body["mime"] not in MIMES:
        raise Rejected(ErrorCode.INVALID, "bad file metadata")
    if body["pages"] < 1 or body["size"] < 1:
        raise Rejected(ErrorCode.INVALID, "a document has at least one page and one byte")
    title = nfc(str(body.get("title") or (doc.title if doc else "")).strip())
    if not title:
        title = nfc(str(body["filename"]))[:MAX_TITLE]
    if len(title) > MAX_TITLE:
        raise Rejected(ErrorCode.INVALID, f"a title has at most {MAX_TITLE} characters")
    item = body.get("item", doc.item if doc else None)
    if doc is None and len(docs) >= MAX_DOCUMENTS:
        raise Rejected(ErrorCode.INVALID, f"a meeting has at most {MAX_DOCUMENTS} documents")
    if doc is not None and len(doc.versions) >= MAX_VERSIONS:
        raise Rejected(ErrorCode.INVALID, f"a document has at most {MAX_VERSIONS} versions")
    version = 1 if doc is None else len(doc.versions) + 1
    draft = bool(body.get("draft", False))
    event_body = {
        "id": body["id"],
        "title": title,
        "item": item,
        "version": version,
        "sha256": body["sha256"],
        "size": body["size"],
        "mime": body["mime"],
        "filename": nfc(str(body["filename"])),
        "pages": body["pages"],
        "by": cmd.actor.participant_id,
    }
    kind = "document.drafted" if draft else "document.published"
    return [Event(kind, event_body, cmd.actor.participant_id, now)]


def decide_release(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    doc = documents_of(state).documents.get(cmd.body["id"])
    if doc is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no document {cmd.body['id']}", id=cmd.body["id"])
    version = doc.version(cmd.body.get("version", len(doc.versions)))
    if version is None:
        raise Rejected(ErrorCode.NOT_FOUND, "no such version", id=doc.id)
    if version.released:
        return []
    current = doc.current
    if current is not None and current.n > version.n:
        raise Rejected(ErrorCode.INVALID,
                       f"version {current.n} is already released; release a newer one")
    body = {
        "id": doc.id,
        "title": doc.title,
        "item": doc.item,
        **{k: v for k, v in version.to_dict().items() if k not in ("at", "released")},
    }
    return [Event("document.published", body, cmd.actor.participant_id, now)]


def decide_follow(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    docs = documents_of(state)
    doc = docs.documents.get(cmd.body["document"])
    if doc is None or doc.current is None:
        # A draft is never pushed: the hall would be told to open what it may not read.
        raise Rejected(ErrorCode.NOT_FOUND,
                       "no released document with that id", id=cmd.body["document"])
    version = doc.version(cmd.body.get("version", doc.current.n))
    if version is None or not version.released:
        raise Rejected(ErrorCode.NOT_FOUND, "no released version with that number")
    page = cmd.body.get("page", 1)
    if not 1 <= page <= version.pages:
        raise Rejected(ErrorCode.INVALID, f"page must be 1-{version.pages}", pages=version.pages)
    follow = docs.follow
    if follow and (follow.document, follow.version, follow.page) == (doc.id, version.n, page):
        return []
    return [
        Event("floor.followed", {"document": doc.id, "version": version.n, "page": page},
              cmd.actor.participant_id, now)
    ]


def decide_unfollow(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    if documents_of(state).follow is None:
        return []
    return [Event("floor.unfollowed", {}, cmd.actor.participant_id, now)]


# ---- events -----------------------------------------------------------------------------------


def _version_from(body: Mapping[str, Any], at: int, released: bool) -> Version:
    return Version(
        n=body["version"], sha256=body["sha256"], size=body["size"], mime=body["mime"],
        filename=body["filename"], pages=body["pages"], at=at, by=body["by"], released=released,
    )


def _store(state: MeetingState, body: Mapping[str, Any], at: int, released: bool) -> MeetingState:
    docs = documents_of(state)
    doc = docs.documents.get(body["id"]) or Document(body["id"], body["title"], body["item"])
    version = _version_from(body, at, released)
    versions = list(doc.versions)
    if version.n <= len(versions):
        # Releasing a draft: keep when it was uploaded, flip it to released.
        versions[version.n - 1] = replace(versions[version.n - 1], released=released)
    else:
        versions.append(version)
    doc = replace(doc, title=body["title"], item=body["item"], versions=tuple(versions))
    return with_slice(state, NAME, replace(docs, documents={**docs.documents, doc.id: doc}))


def evolve_drafted(state: MeetingState, event: Event) -> MeetingState:
    return _store(state, event.body, event.at, released=False)


def evolve_published(state: MeetingState, event: Event) -> MeetingState:
    return _store(state, event.body, event.at, released=True)


def evolve_followed(state: MeetingState, event: Event) -> MeetingState:
    b = event.body
    follow = Follow(b["document"], b["version"], b["page"], event.at)
    return with_slice(state, NAME, replace(documents_of(state), follow=follow))


def evolve_unfollowed(state: MeetingState, event: Event) -> MeetingState:
    return with_slice(state, NAME, replace(documents_of(state), follow=None))


def snapshot(state: MeetingState, role: Role, participant_id: str) -> dict[str, Any]:
    docs = documents_of(state)
    return {
        "documents": [d.to_dict(role) for d in docs.documents.values() if d.visible(role)],
        "follow": docs.follow.to_dict() if docs.follow else None,
    }


DECIDERS = {
    # document.add has no wire schema: only the upload route sends it, after storing the file.
    "document.add": decide_add,
    "document.release": decide_release,
    "floor.follow": decide_follow,
    "floor.unfollow": decide_unfollow,
}
EVOLVERS = {
    "document.drafted": evolve_drafted,
    "document.published": evolve_published,
    "floor.followed": evolve_followed,
    "floor.unfollowed": evolve_unfollowed,
}
PERMISSIONS = {
    "document.add": STAFF,
    "document.release": STAFF,
    "floor.follow": frozenset({Role.CHAIR}),
    "floor.unfollow": frozenset({Role.CHAIR}),
}
AUDIENCES = {"document.drafted": STAFF}
SNAPSHOT = snapshot
