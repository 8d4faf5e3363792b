"""The minutes' sections to and from the JSON-able dicts ``Minutes.to_dict()`` writes (the
keys are listed in ``rooms.minutes_model``'s docstring). Times are ISO 8601 strings with their
offset and decimals are strings; reading checks every type and names the path that was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import cast, get_args

from rooms.minutes_sections import (
    AbsentDelegate,
    AgendaItem,
    Attendance,
    Decision,
    DocumentRef,
    FeedbackSample,
    FeedbackSummary,
    MeetingInfo,
    NamedVote,
    OptionResult,
    Outcome,
    PollResult,
    Proxy,
    QuestionEntry,
    QuorumCheck,
    Speaker,
)

JSON = dict[str, object]


# --- to_dict ------------------------------------------------------------------------------


def time_out(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def decimal_out(value: Decimal | None) -> str | None:
    # A string, not a JSON number: readers parse JSON numbers as binary floats.
    return None if value is None else str(value)


def meeting_out(m: MeetingInfo) -> JSON:
    return {
        "title": m.title,
        "organisation": m.organisation,
        "parent_organisation": m.parent_organisation,
        "reference": m.reference,
        "place": m.place,
        "city": m.city,
        "started_at": time_out(m.started_at),
        "ended_at": time_out(m.ended_at),
    }


def attendance_out(a: Attendance) -> JSON:
    q = a.quorum
    return {
        "entitled": a.entitled,
        "present": a.present,
        "entitled_weight": decimal_out(a.entitled_weight),
        "present_weight": decimal_out(a.present_weight),
        "absent": [
            {"name": x.name, "delegation": x.delegation, "reason": x.reason} for x in a.absent
        ],
        "proxies": [
            {"from_name": p.from_name, "to_name": p.to_name, "at": time_out(p.at)}
            for p in a.proxies
        ],
        "quorum": {
            "rule_text": q.rule_text,
            "met": q.met,
            "present": q.present,
            "entitled": q.entitled,
            "at": time_out(q.at),
        },
    }


def item_out(item: AgendaItem) -> JSON:
    fb = item.feedback
    return {
        "number": item.number,
        "title": item.title,
        "kind": item.kind,
        "started_at": time_out(item.started_at),
        "ended_at": time_out(item.ended_at),
        "speakers": [
            {"name": s.name, "delegation": s.delegation, "seconds": s.seconds}
            for s in item.speakers
        ],
        "documents": [
            {"title": d.title, "version": d.version, "pages": d.pages} for d in item.documents
        ],
        "feedback": None
        if fb is None
        else {
            "count": fb.count,
            "accepted": fb.accepted,
            "answered": fb.answered,
            "samples": [
                {"text": s.text, "author": s.author, "upvotes": s.upvotes} for s in fb.samples
            ],
        },
        "notes": list(item.notes),
        "questions": questions_out(item.questions),
    }


def questions_out(questions: Sequence[QuestionEntry]) -> list[JSON]:
    return [
        {
            "text": q.text,
            "author": q.author,
            "delegation": q.delegation,
            "votes": q.votes,
            "answered": q.answered,
        }
        for q in questions
    ]


def questions_in(readers: Sequence[Reader]) -> tuple[QuestionEntry, ...]:
    return tuple(
        QuestionEntry(
            q.text("text"),
            q.text("author"),
            q.text("delegation"),
            q.integer("votes"),
            q.flag("answered"),
        )
        for q in readers
    )


def poll_out(p: PollResult) -> JSON:
    return {
        "title": p.title,
        "method": p.method,
        "secret": p.secret,
        "rule_text": p.rule_text,
        "base_name": p.base_name,
        "base_value": p.base_value,
        "eligible": p.eligible,
        "cast": p.cast,
        "valid": p.valid,
        "invalid": p.invalid,
        "seats": p.seats,
        "agenda_number": p.agenda_number,
        "opened_at": time_out(p.opened_at),
        "closed_at": time_out(p.closed_at),
        "options": [
            {
                "key": o.key,
                "label": o.label,
                "count": o.count,
                "weight": decimal_out(o.weight),
                "pct_of_base": decimal_out(o.pct_of_base),
                "pct_of_entitled": decimal_out(o.pct_of_entitled),
            }
            for o in p.options
        ],
        "outcome": {
            "decision": p.outcome.decision,
            "elected": list(p.outcome.elected),
            "tied": list(p.outcome.tied),
            "seats_unfilled": p.outcome.seats_unfilled,
            "note": p.outcome.note,
        },
        "receipts_digest": p.receipts_digest,
        "poll_id": p.poll_id,
        "named_votes": [
            {
                "code": v.code,
                "name": v.name,
                "delegation": v.delegation,
                "seat": v.seat,
                "choice": None if v.choice is None else list(v.choice),
                "weight": decimal_out(v.weight),
                "cast_by": v.cast_by or None,
            }
            for v in p.named_votes
        ],
    }


# --- from_dict ----------------------------------------------------------------------------


class Reader:
    """Typed access to one JSON object; every failure names the path that was wrong."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ValueError(f"{path}: expected an object")
        self._data: Mapping[str, object] = data
        self._path = path

    def _get(self, key: str) -> object:
        if key not in self._data:
            raise ValueError(f"{self._path}.{key}: missing")
        return self._data[key]

    def _fail(self, key: str, expected: str) -> ValueError:
        return ValueError(f"{self._path}.{key}: expected {expected}")

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._fail(key, "a string")
        return value

    def text_or_none(self, key: str) -> str | None:
        return None if self._get(key) is None else self.text(key)

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise self._fail(key, "a boolean")
        return value

    def integer(self, key: str) -> int:
        value = self._get(key)
        # bool is an int in Python but never a count here
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._fail(key, "an integer")
        return value

    def integer_or_none(self, key: str) -> int | None:
        return None if self._get(key) is None else self.integer(key)

    def decimal(self, key: str) -> Decimal:
        value = self._get(key)
        if not isinstance(value, str):
            raise self._fail(key, "a decimal string")
        try:
            number = Decimal(value)
        except ArithmeticError:
            raise self._fail(key, "a decimal string") from None
        if not number.is_finite():
            raise self._fail(key, "a finite decimal")
        return number

    def decimal_or_none(self, key: str) -> Decimal | None:
        return None if self._get(key) is None else self.decimal(key)

    def time_or_none(self, key: str) -> datetime | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._fail(key, "an ISO 8601 time")
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise self._fail(key, "an ISO 8601 time") from None

    def time(self, key: str) -> datetime:
        value = self.time_or_none(key)
        if value is None:
            raise self._fail(key, "an ISO 8601 time")
        return value

    def obj(self, key: str) -> Reader:
        return Reader(self._get(key), f"{self._path}.{key}")

    def obj_or_none(self, key: str) -> Reader | None:
        return None if self._get(key) is None else self.obj(key)

    def _list(self, key: str) -> Sequence[object]:
        value = self._get(key)
        if not isinstance(value, list):
            raise self._fail(key, "a list")
        return value

    def objs(self, key: str) -> list[Reader]:
        return [Reader(v, f"{self._path}.{key}[{i}]") for i, v in enumerate(self._list(key))]

    def objs_or_empty(self, key: str) -> list[Reader]:
        return self.objs(key) if key in self._data else []

    def text_or_empty(self, key: str) -> str:
        """A field later versions added: absent from older files, read as ""."""
        return self.text(key) if key in self._data else ""

    def texts_or_none(self, key: str) -> tuple[str, ...] | None:
        return None if self._get(key) is None else self.texts(key)

    def texts(self, key: str) -> tuple[str, ...]:
        values = self._list(key)
        if not all(isinstance(v, str) for v in values):
            raise self._fail(key, "a list of strings")
        return tuple(cast(Sequence[str], values))


def meeting_in(d: Reader) -> MeetingInfo:
    return MeetingInfo(
        title=d.text("title"),
        organisation=d.text("organisation"),
        place=d.text("place"),
        started_at=d.time("started_at"),
        ended_at=d.time_or_none("ended_at"),
        parent_organisation=d.text("parent_organisation"),
        reference=d.text("reference"),
        city=d.text("city"),
    )


def attendance_in(d: Reader) -> Attendance:
    q = d.obj("quorum")
    return Attendance(
        entitled=d.integer("entitled"),
        present=d.integer("present"),
        entitled_weight=d.decimal_or_none("entitled_weight"),
        present_weight=d.decimal_or_none("present_weight"),
        quorum=QuorumCheck(
            rule_text=q.text("rule_text"),
            met=q.flag("met"),
            present=q.integer("present"),
            entitled=q.integer("entitled"),
            at=q.time_or_none("at"),
        ),
        absent=tuple(
            AbsentDelegate(x.text("name"), x.text("delegation"), x.text("reason"))
            for x in d.objs("absent")
        ),
        proxies=tuple(
            Proxy(x.text("from_name"), x.text("to_name"), x.time_or_none("at"))
            for x in d.objs("proxies")
        ),
    )


def item_in(d: Reader) -> AgendaItem:
    fb = d.obj_or_none("feedback")
    return AgendaItem(
        number=d.integer("number"),
        title=d.text("title"),
        kind=d.text("kind"),
        started_at=d.time_or_none("started_at"),
        ended_at=d.time_or_none("ended_at"),
        speakers=tuple(
            Speaker(s.text("name"), s.text("delegation"), s.integer("seconds"))
            for s in d.objs("speakers")
        ),
        documents=tuple(
            DocumentRef(x.text("title"), x.text("version"), x.integer_or_none("pages"))
            for x in d.objs("documents")
        ),
        feedback=None
        if fb is None
        else FeedbackSummary(
            count=fb.integer("count"),
            accepted=fb.integer("accepted"),
            answered=fb.integer("answered"),
            samples=tuple(
                FeedbackSample(s.text("text"), s.text("author"), s.integer("upvotes"))
                for s in fb.objs("samples")
            ),
        ),
        notes=d.texts("notes"),
        questions=questions_in(d.objs_or_empty("questions")),
    )


def poll_in(d: Reader) -> PollResult:
    o = d.obj("outcome")
    decision = o.text("decision")
    if decision not in get_args(Decision):
        raise ValueError(f"unknown decision {decision!r}")
    return PollResult(
        title=d.text("title"),
        method=d.text("method"),
        secret=d.flag("secret"),
        rule_text=d.text("rule_text"),
        base_name=d.text("base_name"),
        base_value=d.integer("base_value"),
        eligible=d.integer("eligible"),
        cast=d.integer("cast"),
        valid=d.integer("valid"),
        invalid=d.integer("invalid"),
        seats=d.integer_or_none("seats"),
        agenda_number=d.integer_or_none("agenda_number"),
        opened_at=d.time_or_none("opened_at"),
        closed_at=d.time_or_none("closed_at"),
        options=tuple(
            OptionResult(
                key=x.text("key"),
                label=x.text("label"),
                count=x.integer("count"),
                weight=x.decimal("weight"),
                pct_of_base=x.decimal("pct_of_base"),
                pct_of_entitled=x.decimal("pct_of_entitled"),
            )
            for x in d.objs("options")
        ),
        outcome=Outcome(
            decision=cast(Decision, decision),
            elected=o.texts("elected"),
            tied=o.texts("tied"),
            seats_unfilled=o.integer("seats_unfilled"),
            note=o.text("note"),
        ),
        receipts_digest=d.text("receipts_digest"),
        poll_id=d.text_or_empty("poll_id"),
        # Absent from files written before the annex existed: read as no list.
        named_votes=tuple(
            NamedVote(
                code=v.text("code"),
                name=v.text("name"),
                delegation=v.text("delegation"),
                seat=v.text("seat"),
                choice=v.texts_or_none("choice"),
                weight=v.decimal("weight"),
                cast_by=v.text_or_none("cast_by") or "",
            )
            for v in d.objs_or_empty("named_votes")
        ),
    )
