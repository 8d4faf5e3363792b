"""The OpenAPI entries of the organiser's routes (server/organiser_http.py), merged into
server/openapi.py's description; the helpers are passed in, so this module imports nothing of
it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Op = Callable[..., dict[str, Any]]
Json = Callable[..., dict[str, Any]]

_DEFINITION_BODY = {
    "application/toml": {"schema": {"type": "string"},
                         "description": "a meeting definition (docs/definition.md)"},
    "application/json": {"schema": {"type": "object"}},
}
_FORMAT = {"name": "format", "in": "query", "required": False,
           "schema": {"enum": ["toml", "json"]},
           "description": "instead of Content-Type (import) or Accept (export)"}


def paths(op: Op, json_: Json, meeting_id: dict[str, Any]) -> dict[str, Any]:
    summary = {"$ref": "#/components/schemas/Meeting"}
    return {
        "/admin": {"get": op("The organiser page (HTML; signs in with the admin token)",
                             {"200": {"description": "HTML", "content": {"text/html": {}}}},
                             auth=False, errors=())},
        "/api/admin/meetings": {"get": op(
            "Every meeting with status, archived flag and counts (admin)",
            {"200": json_({"type": "object", "properties": {
                "meetings": {"type": "array", "items": summary}}})}, errors=(401, 403))},
        "/api/meetings/import": {"parameters": [_FORMAT], "post": op(
            "Create a meeting from a definition file: agenda, placeholder documents, prepared "
            "polls as drafts; all or nothing, every wrong field named (admin)",
            {"201": json_(summary, "Created")}, body=_DEFINITION_BODY,
            errors=(400, 401, 403, 413, 422, 503))},
        "/api/meetings/{meeting_id}/definition": {"parameters": [meeting_id, _FORMAT], "get": op(
            "The meeting's definition as TOML (default) or JSON, by Accept or ?format= (staff)",
            {"200": {"description": "the definition", "content": _DEFINITION_BODY}},
            errors=(401, 403, 404, 422))},
        "/api/meetings/{meeting_id}/archive": {"parameters": [meeting_id], "post": op(
            "Archive a closed meeting, or take it out of the archive (admin)",
            {"200": json_({"type": "object", "properties": {
                "id": {"type": "string"}, "archived": {"type": "boolean"}}})},
            body={"application/json": {"schema": {"type": "object", "properties": {
                "archived": {"type": "boolean", "default": True}}}}},
            errors=(400, 401, 403, 404, 409, 422))},
        "/api/meetings/{meeting_id}/secretary-link": {"parameters": [meeting_id], "post": op(
            "A join link to the meeting's secretary desk; adds a desk account (THUKY) when "
            "the roster has no secretary (admin)",
            {"200": json_({"type": "object", "properties": {
                "participant": {"$ref": "#/components/schemas/Participant"},
                "join_url": {"type": "string"}}})}, errors=(401, 403, 404, 409))},
    }
