"""The OpenAPI entries of the archive's routes (server/archive_http.py), merged into
server/openapi.py's description; the helpers are passed in, as for openapi_organiser.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Op = Callable[..., dict[str, Any]]
Json = Callable[..., dict[str, Any]]

_ZIP = {"200": {"description": "the meeting's archive ZIP (manifest.json, definition.toml, "
                "log.json, minutes, results, documents)", "content": {"application/zip": {}}}}
_RECORD: dict[str, Any] = {"type": "object", "properties": {
    "id": {"type": "string"}, "title": {"type": "string"}, "organisation": {"type": "string"},
    "year": {"type": ["integer", "null"]}, "status": {"enum": ["closed", "signed"]},
    "signed": {"type": "boolean"}, "closed_at": {"type": ["integer", "null"]},
    "archived_at": {"type": "integer"}, "final_hash": {"type": "string"},
    "zip_sha256": {"type": "string"}, "zip_url": {"type": "string"},
    "details": {"type": "object"}}}
_HITS: dict[str, Any] = {"type": "object", "properties": {
    "query": {"type": "string"}, "hits": {"type": "array", "items": {
        "type": "object", "properties": {
            "meeting": {"type": "string"}, "meeting_title": {"type": "string"},
            "kind": {"enum": ["meeting", "agenda", "poll", "document", "feedback", "minutes"]},
            "label": {"type": "string"}, "file": {"type": "string"},
            "page": {"type": ["integer", "null"]}, "snippet": {"type": "string"},
            "score": {"type": "number"}, "url": {"type": ["string", "null"]}}}}}}


def _q(name: str, required: bool, description: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": {"type": kind},
            "description": description}


def paths(op: Op, json_: Json, meeting_id: dict[str, Any]) -> dict[str, Any]:
    search = [_q("q", True, "the words; diacritics optional (\"hoi nghi\" finds \"Hội nghị\")"),
              _q("limit", False, "at most this many hits (1-100, default 20)", "integer")]
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
            "description": "a file of the archive, as the manifest names it"}
    folder = {"name": "folder", "in": "path", "required": True, "schema": {"type": "string"},
              "description": "documents or minutes"}
    file_op = op("One file of an archived meeting, inline (a hit's url adds #page=N) (admin, "
                 "or a participant of it)", {"200": {"description": "the file"}},
                 errors=(401, 403, 404))
    return {
        "/api/archive/meetings": {
            "parameters": [_q("year", False, "e.g. 2026", "integer"),
                           _q("organisation", False, "the body holding the meetings"),
                           _q("status", False, "closed or signed (minutes signed)")],
            "get": op("The archived meetings, with the years and bodies to filter by (admin)",
                      {"200": json_({"type": "object", "properties": {
                          "meetings": {"type": "array", "items": _RECORD},
                          "years": {"type": "array"}, "organisations": {"type": "array"}}})},
                      errors=(401, 403, 422))},
        "/api/archive/search": {"parameters": search, "get": op(
            "Full-text search of every archived meeting, ranked (bm25); each hit links to its "
            "file and page (admin)", {"200": json_(_HITS)}, errors=(401, 403, 422))},
        "/api/archive/import": {"post": op(
            "Import a meeting's archive ZIP: the manifest's sums and the log's hash chain are "
            "verified; a tampered file is refused with the reason (admin)",
            {"201": json_(_RECORD, "Imported")},
            body={"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            errors=(401, 403, 413, 422))},
        "/api/archive/meetings/{meeting_id}": {"parameters": [meeting_id], "get": op(
            "An archived meeting's record (admin, or a participant of it)",
            {"200": json_(_RECORD)}, errors=(401, 403, 404)), "post": op(
            "Archive a closed meeting of this server now (again: its record is replaced); "
            "with PHONGHOP_ARCHIVE_DROP_LIVE its live state is then dropped (admin)",
            {"201": json_(_RECORD, "Archived")}, errors=(401, 403, 404, 409))},
        "/api/archive/meetings/{meeting_id}/search": {"parameters": [meeting_id, *search],
                                                      "get": op(
            "Search one archived meeting (admin, or a participant of it)",
            {"200": json_(_HITS)}, errors=(401, 403, 404, 422))},
        "/api/archive/meetings/{meeting_id}/export.zip": {"parameters": [meeting_id], "get": op(
            "The archived meeting's ZIP as kept (admin, or a participant of it)", _ZIP,
            errors=(401, 403, 404))},
        "/api/archive/meetings/{meeting_id}/files/{name}": {
            "parameters": [meeting_id, name], "get": file_op},
        "/api/archive/meetings/{meeting_id}/files/{folder}/{name}": {
            "parameters": [meeting_id, folder, name], "get": file_op},
        "/api/meetings/{meeting_id}/archive.zip": {"parameters": [meeting_id], "get": op(
            "A closed meeting's archive ZIP made now from its live state, without archiving "
            "it here (admin)", _ZIP, errors=(401, 403, 404, 409))},
    }
