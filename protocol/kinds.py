"""Every command kind and every event kind, as closed types.

``CommandKind`` is what a client may send (the kinds of ``protocol.commands.COMMANDS``);
``ServerCommandKind`` is what only the server issues, after checks of its own (an HTTP upload
stores the file or parses the roster first), so it has no wire schema; ``EventKind`` is every
event the meeting log holds. ``rooms.aggregate`` keys its decider and evolver tables by these;
tests/protocol/test_kinds.py keeps them equal to the tables, in both directions.
"""

from __future__ import annotations

from typing import Literal, TypeGuard, get_args

CommandKind = Literal[
    "agenda.add", "agenda.import", "agenda.remove", "agenda.reorder", "agenda.set_current",
    "agenda.timer.start", "agenda.timer.stop", "agenda.update",
    "ballot.cast",
    "checkin.absent", "checkin.manual", "checkin.out", "checkin.scan", "checkin.self",
    "document.release",
    "feedback.mark", "feedback.merge", "feedback.submit", "feedback.tag",
    "floor.follow", "floor.unfollow",
    "meeting.adjourn", "meeting.close", "meeting.open", "meeting.resume", "meeting.update",
    "note.add", "note.edit",
    "device.pair",
    "participant.add", "participant.reissue", "participant.remove", "participant.sign_in",
    "participant.update",
    "poll.cancel", "poll.close", "poll.create", "poll.open", "poll.publish", "poll.update",
    "proxy.grant", "proxy.revoke",
    "question.answer", "question.approve", "question.ask", "question.hide", "question.vote",
    "speakers.end", "speakers.give_floor", "speakers.reorder", "speakers.request",
    "speakers.withdraw",
]

ServerCommandKind = Literal[
    "document.add",  # the document upload route, after the file is stored
    "roster.import",  # the roster upload route, after the CSV is parsed
]

# Every kind a decider decides.
DecidedKind = CommandKind | ServerCommandKind

EventKind = Literal[
    "agenda.current_changed", "agenda.imported", "agenda.item_added", "agenda.item_removed",
    "agenda.item_updated", "agenda.reordered", "agenda.timer_started", "agenda.timer_stopped",
    "attendance.absent", "attendance.checked_in", "attendance.checked_out", "attendance.device",
    "attendance.double_presence",
    "document.drafted", "document.published",
    "feedback.marked", "feedback.merged", "feedback.submitted", "feedback.tagged",
    "floor.followed", "floor.unfollowed",
    "meeting.adjourned", "meeting.closed", "meeting.created", "meeting.opened", "meeting.resumed",
    "meeting.updated",
    "note.added", "note.edited",
    "device.paired",
    "participant.added", "participant.reissued", "participant.removed", "participant.signed_in",
    "participant.updated",
    "poll.cancelled", "poll.closed", "poll.created", "poll.opened", "poll.published",
    "poll.updated",
    "proxy.granted", "proxy.revoked",
    "question.answered", "question.approved", "question.asked", "question.hidden",
    "question.voted",
    "roster.imported",
    "speakers.floor_ended", "speakers.floor_given", "speakers.reordered", "speakers.requested",
    "speakers.withdrawn",
]

COMMAND_KINDS: frozenset[str] = frozenset(get_args(CommandKind))
SERVER_COMMAND_KINDS: frozenset[str] = frozenset(get_args(ServerCommandKind))
DECIDED_KINDS: frozenset[str] = COMMAND_KINDS | SERVER_COMMAND_KINDS
EVENT_KINDS: frozenset[str] = frozenset(get_args(EventKind))


def is_decided_kind(kind: str) -> TypeGuard[DecidedKind]:
    return kind in DECIDED_KINDS


def is_event_kind(kind: str) -> TypeGuard[EventKind]:
    return kind in EVENT_KINDS
