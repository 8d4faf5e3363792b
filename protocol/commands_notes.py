"""The secretary's notes per agenda item: ``note.add`` and ``note.edit`` (docs/protocol.md,
"Minutes and exports"). Shapes only; ``rooms.notes`` decides the rest."""

from __future__ import annotations

from protocol.schema import Field, Schema

MAX_NOTE = 4000

SCHEMAS: dict[str, Schema] = {
    "note.add": {
        "item": Field("str", max_len=32),
        "text": Field("str", max_len=MAX_NOTE),
    },
    # An empty text withdraws the note: it is left out of the minutes, and the log keeps both.
    "note.edit": {
        "id": Field("str", max_len=32),
        "text": Field("str", max_len=MAX_NOTE),
    },
}
