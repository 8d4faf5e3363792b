"""Command bodies of the meeting floor: agenda, documents and follow-the-chair, speakers'
list, feedback and Q&A.

Text limits here are the hard wire limits; the domain trims and checks non-empty. Ids of new
feedback and questions are made by the server, so clients never send them. Documents are
uploaded over HTTP (docs/api.md); ``document.add`` has no schema because only the upload
route issues it, after the file is stored.
"""

from __future__ import annotations

from protocol.schema import Field, Schema

_ID = Field("str", max_len=64)
_OPT_ID = Field("str", required=False, max_len=64)
_TEXT = Field("str", max_len=4000)
_PAGE = Field("int", required=False, min=1, max=100_000)

AGENDA: dict[str, Schema] = {
    "agenda.import": {"items": Field("list", max_len=300, items="map")},
    "agenda.add": {
        "item": Field("map"),
        "parent": _OPT_ID,
        "position": Field("int", required=False, min=0, max=1000),
    },
    "agenda.update": {
        "id": _ID,
        "title": Field("str", required=False, max_len=500),
        "kind": Field("str", required=False,
                      choices=("procedural", "report", "discussion", "vote", "election")),
        "minutes": Field("int", required=False, min=0, max=24 * 60),
        "documents": Field("list", required=False, max_len=20, items="str"),
        "feedback": Field("bool", required=False),
        "speaker_seconds": Field("int", required=False, min=0, max=3600),
    },
    "agenda.remove": {"id": _ID},
    "agenda.reorder": {"parent": _OPT_ID, "order": Field("list", max_len=300, items="str")},
    "agenda.set_current": {"id": _OPT_ID},
    "agenda.timer.start": {"seconds": Field("int", required=False, min=1, max=24 * 3600)},
    "agenda.timer.stop": {},
}

DOCUMENTS: dict[str, Schema] = {
    "document.release": {"id": _ID, "version": Field("int", required=False, min=1, max=1000)},
    "floor.follow": {
        "document": _ID,
        "version": Field("int", required=False, min=1, max=1000),
        "page": _PAGE,
    },
    "floor.unfollow": {},
}

SPEAKERS: dict[str, Schema] = {
    "speakers.request": {"point_of_order": Field("bool", required=False)},
    "speakers.withdraw": {"participant": _OPT_ID, "item": _OPT_ID},
    "speakers.reorder": {"order": Field("list", max_len=500, items="str")},
    "speakers.give_floor": {
        "participant": _OPT_ID,
        "seconds": Field("int", required=False, min=10, max=3600),
    },
    "speakers.end": {},
}

FEEDBACK: dict[str, Schema] = {
    "feedback.submit": {
        "text": _TEXT,
        "item": _OPT_ID,
        "document": _OPT_ID,
        "version": Field("int", required=False, min=1, max=1000),
        "page": _PAGE,
        "paragraph": Field("int", required=False, min=1, max=100_000),
    },
    "feedback.tag": {"id": _ID, "tags": Field("list", max_len=10, items="str")},
    "feedback.merge": {"id": _ID, "into": _ID},
    "feedback.mark": {
        "id": _ID,
        "status": Field("str", choices=("new", "accepted", "answered")),
        "answer": Field("str", required=False, max_len=4000),
    },
}

QUESTIONS: dict[str, Schema] = {
    "question.ask": {"text": Field("str", max_len=1000), "item": _OPT_ID},
    "question.approve": {"id": _ID},
    "question.hide": {"id": _ID},
    "question.answer": {"id": _ID, "answered": Field("bool", required=False)},
    "question.vote": {"id": _ID, "up": Field("bool")},
}

SCHEMAS: dict[str, Schema] = {**AGENDA, **DOCUMENTS, **SPEAKERS, **FEEDBACK, **QUESTIONS}
