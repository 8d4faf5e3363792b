"""The OpenAPI entries of the secretary's preparation routes (roster files, a definition
imported into a meeting not yet started), merged into server/openapi.py's description, path by
path and method by method; the helpers are passed in, as in server/openapi_organiser.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Op = Callable[..., dict[str, Any]]
Json = Callable[..., dict[str, Any]]

_ROSTER_BODY = {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}},
}
_DEFINITION_BODY = {
    "application/toml": {"schema": {"type": "string"},
                         "description": "a meeting definition (docs/definition.md)"},
    "application/json": {"schema": {"type": "object"}},
}
_FORMAT = {"name": "format", "in": "query", "required": False,
           "schema": {"enum": ["toml", "json"]}, "description": "instead of Content-Type"}


def paths(op: Op, json_: Json, meeting_id: dict[str, Any]) -> dict[str, Any]:
    participants = {"type": "array", "items": {"$ref": "#/components/schemas/Participant"}}
    return {
        "/api/meetings/{meeting_id}/roster": {"parameters": [meeting_id], "post": op(
            "Import the roster from a CSV or XLSX file: all rows or none; bad rows listed with "
            "their numbers (staff)",
            {"200": json_({"type": "object", "properties": {
                "imported": {"type": "integer"}, "seq": {"type": "integer"}}})},
            body=_ROSTER_BODY, errors=(401, 403, 404, 413, 422))},
        "/api/meetings/{meeting_id}/roster/preview": {"parameters": [meeting_id], "post": op(
            "Read a roster file as an import would, changing nothing: its rows and how many "
            "codes are already in the roster, or every bad row by number (staff)",
            {"200": json_({"type": "object", "properties": {
                "count": {"type": "integer"}, "updates": {"type": "integer"},
                "participants": participants}})},
            body=_ROSTER_BODY, errors=(401, 403, 404, 413, 422))},
        "/api/meetings/{meeting_id}/definition": {"parameters": [meeting_id, _FORMAT],
                                                  "post": op(
            "Import a definition into this meeting before it opens: its agenda (replacing the "
            "meeting's), placeholder documents, prepared polls as drafts, quorum and settings; "
            "all or nothing, every wrong field named; 409 once the meeting has opened (staff)",
            {"200": json_({"type": "object", "properties": {
                "agenda_items": {"type": "integer"}, "documents": {"type": "integer"},
                "polls": {"type": "integer"}}})},
            body=_DEFINITION_BODY, errors=(400, 401, 403, 404, 409, 413, 422, 503))},
    }
