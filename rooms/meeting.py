"""Creating a meeting, its details, and its lifecycle commands."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from protocol.errors import ErrorCode
from rooms import settings as meeting_settings
from rooms.lifecycle import EVENT_STATUS, transition
from rooms.model import STAFF, Command, Event, MeetingInfo, Rejected, Role, nfc
from rooms.quorum import quorum
from rooms.state import MeetingState

_INFO_FIELDS = (
    "title",
    "title_en",
    "place",
    "organisation",
    "timezone",
    "starts",
    "ends",
    "quorum",
)


def decide_create(meeting_id: str, cmd: Command, now: int) -> list[Event]:
    info = _info_from(cmd.body)
    if not info["title"].strip():
        raise Rejected(ErrorCode.INVALID, "a meeting needs a title")
    body = cmd.body if hasattr(cmd.body, "get") else {}
    # The event keeps the settings as given; evolve fills in the defaults.
    info["settings"] = meeting_settings.check(_given(body))
    return [Event("meeting.created", {"id": meeting_id, **info}, cmd.actor.participant_id, now)]


def _info_from(body: dict[str, Any] | Any) -> dict[str, Any]:
    info: dict[str, Any] = {}
    for name in _INFO_FIELDS:
        if name in body and body[name] is not None:
            value = body[name]
            if not isinstance(value, str) or len(value) > 500:
                raise Rejected(ErrorCode.INVALID,
                               f"'{name}' must be a text of at most 500 characters")
            info[name] = nfc(value.strip())
    info.setdefault("title", "")
    return info


def _given(body: Any) -> Any:
    value = body.get("settings")
    return {} if value is None else value


def evolve_created(_state: MeetingState | None, event: Event) -> MeetingState:
    body = event.body
    info = MeetingInfo(
        **{k: body[k] for k in _INFO_FIELDS if k in body},
        settings=meeting_settings.effective(body.get("settings", {})),
    )
    return MeetingState(id=body["id"], info=info, created_at=event.at)


def decide_lifecycle(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    event_kind, _ = transition(state.status, cmd.kind)
    if cmd.kind in ("meeting.open", "meeting.resume"):
        _require_quorum(state)
    return [Event(event_kind, dict(cmd.body), cmd.actor.participant_id, now)]


def _require_quorum(state: MeetingState) -> None:
    """A congress sits only when its quorum is present: with the meeting setting
    ``require_quorum_to_open`` the chair cannot open (or resume) it before that."""
    if not meeting_settings.settings_of(state).require_quorum_to_open:
        return
    q = quorum(state)
    if q.met is not True:
        raise Rejected(
            ErrorCode.INVALID_STATE,
            f"quorum not met: {q.present} of {q.entitled} present ({q.rule})",
            quorum=q.to_dict(),
        )


def evolve_lifecycle(state: MeetingState, event: Event) -> MeetingState:
    status = EVENT_STATUS[event.kind]
    return replace(state, status=status, history=(*state.history, (status.value, event.at)))


def decide_update(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    changes = _info_from(cmd.body)
    if changes.get("title") == "":
        changes.pop("title")
    current = state.info.to_dict()
    changes = {k: v for k, v in changes.items() if current.get(k) != v}
    # Only the settings that change, each checked against rooms/settings.py's table and guards.
    settings = meeting_settings.changes(state, _given(cmd.body))
    if settings:
        changes["settings"] = settings
    if not changes:
        return []
    return [Event("meeting.updated", changes, cmd.actor.participant_id, now)]


def evolve_updated(state: MeetingState, event: Event) -> MeetingState:
    settings = {**state.info.settings, **event.body.get("settings", {})}
    fields = {k: v for k, v in event.body.items() if k in _INFO_FIELDS}
    return replace(state, info=replace(state.info, **fields, settings=settings))


LIFECYCLE_COMMANDS = ("meeting.open", "meeting.adjourn", "meeting.resume", "meeting.close")

DECIDERS = {
    **{kind: decide_lifecycle for kind in LIFECYCLE_COMMANDS},
    "meeting.update": decide_update,
}
EVOLVERS = {
    **{kind: evolve_lifecycle for kind in EVENT_STATUS},
    "meeting.updated": evolve_updated,
}
PERMISSIONS = {
    **{kind: frozenset({Role.CHAIR}) for kind in LIFECYCLE_COMMANDS},
    "meeting.update": STAFF,
}
