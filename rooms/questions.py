"""Q&A: delegates ask, staff moderate (approve or hide) before anything reaches the hall
screen, delegates upvote approved questions (one vote each, which they can take back), and
the screen shows them ordered by votes.

A question is seen by staff only until approved; ``question.approved`` carries the whole
question, so delegates and the screen never need the earlier event. Votes are high-volume:
the shell guards "one vote per delegate and question" with a per-question Redis hash inside
the append script (see server/floor.py), so votes never contend on the meeting's seq. The
vote events go to staff; everyone else gets the counts as a coalesced live value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from protocol.errors import ErrorCode
from rooms.agenda import agenda_of, find
from rooms.feedback import clean_text
from rooms.lifecycle import Status
from rooms.model import STAFF, Command, Event, Rejected, Role
from rooms.state import MeetingState, get_slice, with_slice

NAME: Final = "questions"
MAX_TEXT: Final = 1000
MAX_QUESTIONS: Final = 5000
PENDING: Final = "pending"
APPROVED: Final = "approved"
HIDDEN: Final = "hidden"


@dataclass(frozen=True)
class Question:
    id: str
    author: str
    item: str | None
    text: str
    at: int
    status: str = PENDING
    answered: bool = False
    voters: frozenset[str] = frozenset()

    @property
    def votes(self) -> int:
        return len(self.voters)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "author": self.author, "item": self.item, "text": self.text,
                "at": self.at, "status": self.status, "answered": self.answered,
                "votes": self.votes}


@dataclass(frozen=True)
class QuestionsState:
    questions: Mapping[str, Question] = field(default_factory=dict)


EMPTY: Final = QuestionsState()


def questions_of(state: MeetingState) -> QuestionsState:
    return get_slice(state, NAME, EMPTY)


def ranked(state: MeetingState) -> list[Question]:
    """What the hall screen shows: approved questions, most votes first, then oldest first."""
    shown = [q for q in questions_of(state).questions.values() if q.status == APPROVED]
    return sorted(shown, key=lambda q: (-q.votes, q.at, q.id))


def _question(state: MeetingState, question_id: str) -> Question:
    question = questions_of(state).questions.get(question_id)
    if question is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no question {question_id}", id=question_id)
    return question


# ---- commands -----------------------------------------------------------------------------


def decide_ask(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    """``id`` is made by the shell (the planner that also applies the rate limit)."""
    if state.status == Status.CLOSED:
        raise Rejected(ErrorCode.INVALID_STATE, "the meeting is closed")
    questions = questions_of(state).questions
    if cmd.body["id"] in questions:
        raise Rejected(ErrorCode.DUPLICATE, "question id exists")
    if len(questions) >= MAX_QUESTIONS:
        raise Rejected(ErrorCode.INVALID, "this meeting has taken all the questions it can")
    text = clean_text(cmd.body["text"], MAX_TEXT, "the question")
    agenda = agenda_of(state)
    item = cmd.body.get("item", agenda.current)
    if item is not None and find(agenda, item) is None:
        raise Rejected(ErrorCode.NOT_FOUND, f"no agenda item {item}", item=item)
    return [
        Event("question.asked",
              {"id": cmd.body["id"], "author": cmd.actor.participant_id, "item": item,
               "text": text},
              cmd.actor.participant_id, now)
    ]


def decide_approve(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    q = _question(state, cmd.body["id"])
    if q.status == APPROVED:
        return []
    body = {**q.to_dict(), "status": APPROVED}
    return [Event("question.approved", body, cmd.actor.participant_id, now)]


def decide_hide(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    q = _question(state, cmd.body["id"])
    if q.status == HIDDEN:
        return []
    return [Event("question.hidden", {"id": q.id}, cmd.actor.participant_id, now)]


def decide_answered(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    q = _question(state, cmd.body["id"])
    answered = cmd.body.get("answered", True)
    if q.answered == answered:
        return []
    return [Event("question.answered", {"id": q.id, "answered": answered},
                  cmd.actor.participant_id, now)]


def decide_vote(state: MeetingState, cmd: Command, now: int) -> list[Event]:
    """Only the question's visibility is decided here; whether this delegate has already voted
    is the shell's atomic guard, because the state a process holds may lag a concurrent vote."""
    q = _question(state, cmd.body["id"])
    if q.status != APPROVED:
        raise Rejected(ErrorCode.NOT_FOUND, f"no question {q.id}", id=q.id)
    return [
        Event("question.voted",
              {"id": q.id, "participant": cmd.actor.participant_id, "up": cmd.body["up"]},
              cmd.actor.participant_id, now)
    ]


# ---- events ---------------------------------------------------------------------------------


def _put(state: MeetingState, question: Question) -> MeetingState:
    qs = questions_of(state)
    return with_slice(state, NAME, replace(qs, questions={**qs.questions, question.id: question}))


def evolve_asked(state: MeetingState, event: Event) -> MeetingState:
    b = event.body
    return _put(state, Question(b["id"], b["author"], b["item"], b["text"], event.at))


def evolve_approved(state: MeetingState, event: Event) -> MeetingState:
    return _put(state, replace(_question(state, event.body["id"]), status=APPROVED))


def evolve_hidden(state: MeetingState, event: Event) -> MeetingState:
    return _put(state, replace(_question(state, event.body["id"]), status=HIDDEN))


def evolve_answered(state: MeetingState, event: Event) -> MeetingState:
    return _put(state, replace(_question(state, event.body["id"]), answered=event.body["answered"]))


def evolve_voted(state: MeetingState, event: Event) -> MeetingState:
    q = _question(state, event.body["id"])
    who = event.body["participant"]
    voters = q.voters | {who} if event.body["up"] else q.voters - {who}
    return _put(state, replace(q, voters=voters))


def snapshot(state: MeetingState, role: Role, participant_id: str) -> dict[str, Any]:
    questions = questions_of(state).questions.values()
    if role in STAFF:
        return {"questions": [q.to_dict() for q in questions]}
    out: dict[str, Any] = {"questions": [q.to_dict() for q in ranked(state)]}
    if role == Role.DELEGATE:
        out["my_questions"] = [q.to_dict() for q in questions if q.author == participant_id]
        out["my_votes"] = sorted(q.id for q in questions if participant_id in q.voters)
    return out


DECIDERS = {
    "question.ask": decide_ask,
    "question.approve": decide_approve,
    "question.hide": decide_hide,
    "question.answer": decide_answered,
    "question.vote": decide_vote,
}
EVOLVERS = {
    "question.asked": evolve_asked,
    "question.approved": evolve_approved,
    "question.hidden": evolve_hidden,
    "question.answered": evolve_answered,
    "question.voted": evolve_voted,
}
PERMISSIONS = {
    "question.ask": frozenset({Role.DELEGATE}),
    "question.approve": STAFF,
    "question.hide": STAFF,
    "question.answer": STAFF,
    "question.vote": frozenset({Role.DELEGATE}),
}
AUDIENCES = {"question.asked": STAFF, "question.voted": STAFF}
SNAPSHOT = snapshot
