"""A delegate's own questions and feedback, as their tablet shows them ("my questions and
feedback"): the state of each (pending, approved, hidden, answered; new, accepted, answered,
merged) and the secretariat's answer.

The events that change them are for staff (``question.asked``, every ``feedback.*``): a
delegate must not see another delegate's feedback or pending question, and audiences are per
role. So the author's items travel as a personal live message ``mine`` instead
(server/floor_live.py): these pure functions say what it holds and whom an event concerns.
"""

from __future__ import annotations

from typing import Any, Final

from rooms.feedback import feedback_of
from rooms.model import Event
from rooms.questions import questions_of
from rooms.state import MeetingState

# The kinds after which an author's own items may have changed. question.voted is not one:
# the counts reach every tablet as the live ``questions.votes``.
KINDS: Final = frozenset({
    "question.asked", "question.approved", "question.hidden", "question.answered",
    "feedback.submitted", "feedback.tagged", "feedback.merged", "feedback.marked",
})


def my_items(state: MeetingState, participant_id: str) -> dict[str, Any]:
    """Everything ``participant_id`` asked or sent, oldest first."""
    questions = [q.to_dict() for q in questions_of(state).questions.values()
                 if q.author == participant_id]
    feedback = [f.to_dict() for f in feedback_of(state).entries.values()
                if f.author == participant_id]
    return {"questions": sorted(questions, key=lambda q: (q["at"], q["id"])),
            "feedback": sorted(feedback, key=lambda f: (f["at"], f["id"]))}


def changed_items(state: MeetingState, event: Event) -> dict[str, dict[str, Any]]:
    """For ``event`` already folded into ``state``: each author whose items it changed, with
    just those items ({participant: {"questions": [...], "feedback": [...]}})."""
    if event.kind not in KINDS:
        return {}
    out: dict[str, dict[str, Any]] = {}
    if event.kind.startswith("question."):
        question = questions_of(state).questions.get(event.body["id"])
        if question is not None:
            out[question.author] = {"questions": [question.to_dict()], "feedback": []}
        return out
    entries = feedback_of(state).entries
    if event.kind == "feedback.merged":
        # The merged entry and whatever had been merged into it now point at the target.
        ids = {event.body["id"]} | {
            e.id for e in entries.values() if e.merged_into == event.body["into"]
        }
    else:
        ids = {event.body["id"]}
    for entry_id in sorted(ids):
        entry = entries.get(entry_id)
        if entry is not None:
            mine = out.setdefault(entry.author, {"questions": [], "feedback": []})
            mine["feedback"].append(entry.to_dict())
    return out
