"""The OpenAPI 3.1 description of the HTTP API, served at /openapi.json.

Kept by hand next to the routes; tests/server/test_app.py checks that every HTTP route is
described here and every described path exists.
"""

from __future__ import annotations

from typing import Any

from rooms.settings import SETTINGS
from server.openapi_sections import add_sections

_ERROR = {"$ref": "#/components/schemas/Error"}


def _settings_schema() -> dict[str, Any]:
    """The meeting settings as rooms/settings.py checks them."""
    kinds = {"bool": "boolean", "int": "integer", "text": "string"}
    props: dict[str, Any] = {}
    for spec in SETTINGS.values():
        prop: dict[str, Any] = {"type": kinds[spec.kind], "default": spec.default}
        if spec.choices:
            prop["enum"] = list(spec.choices)
        if spec.kind == "int":
            prop.update(minimum=spec.min, maximum=spec.max)
        if spec.kind == "text" and not spec.choices:
            prop["maxLength"] = spec.max_len
        props[spec.name] = prop
    return {"type": "object", "properties": props, "additionalProperties": False}


def _op(
    summary: str,
    ok: dict[str, Any],
    *,
    body: dict[str, Any] | None = None,
    auth: bool = True,
    errors: tuple[int, ...] = (401, 403, 404),
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {
            **ok,
            **{
                str(code): {
                    "description": "error",
                    "content": {"application/json": {"schema": _ERROR}},
                }
                for code in errors
            },
        },
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    if not auth:
        op["security"] = []
    return op


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_MEETING_ID = {"name": "meeting_id", "in": "path", "required": True, "schema": {"type": "string"}}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "phonghop",
        "version": "0.1.0",
        "description": "Real-time paperless meeting server. Live traffic uses the WebSocket "
        "protocol in docs/protocol.md; this API covers setup, exports and health.",
    },
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "The admin token, or a participant's join token for that meeting",
            }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "details": {"type": "object"},
                        },
                    }
                },
            },
            "Meeting": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "title_en": {"type": "string"},
                    "place": {"type": "string"},
                    "status": {"enum": ["scheduled", "open", "adjourned", "closed"]},
                    "epoch": {"type": "string"},
                    "seq": {"type": "integer"},
                    "participants": {"type": "object", "additionalProperties": {"type": "integer"}},
                },
            },
            "Participant": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "full_name": {"type": "string"},
                    "role": {"enum": ["chair", "secretary", "delegate", "screen", "observer"]},
                    "delegation": {"type": "string"},
                    "title": {"type": "string"},
                    "seat": {"type": "string"},
                    "weight": {"type": "string"},
                    "join_url": {"type": "string"},
                },
            },
            "CommandResult": {
                "type": "object",
                "properties": {
                    "ok": {"type": "boolean"},
                    "seq": {"type": "integer"},
                    "result": {"type": "object"},
                },
            },
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/healthz": {
            "get": _op(
                "Liveness and Redis reachability (503 when Redis is down)",
                {"200": _json({"type": "object"}), "503": _json({"type": "object"}, "Redis down")},
                auth=False,
                errors=(),
            )
        },
        "/metrics": {
            "get": _op(
                "Prometheus metrics",
                {
                    "200": {
                        "description": "text/plain; version=0.0.4",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
                auth=False,
                errors=(),
            )
        },
        "/openapi.json": {
            "get": _op("This document", {"200": _json({"type": "object"})}, auth=False, errors=())
        },
        "/asyncapi.json": {
            "get": _op(
                "The AsyncAPI 3 document of the WebSocket protocol (/ws/{meeting_id}): every "
                "command and event with its fields, who sends and sees it, error and close codes",
                {"200": _json({"type": "object"})},
                auth=False,
                errors=(),
            )
        },
        "/api/meetings": {
            "post": _op(
                "Create a meeting (admin)",
                {"201": _json({"type": "object", "properties": {"id": {"type": "string"}}})},
                body={
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["title"],
                            "properties": {
                                k: {"type": "string"}
                                for k in (
                                    "title",
                                    "title_en",
                                    "place",
                                    "organisation",
                                    "timezone",
                                    "starts",
                                    "ends",
                                    "quorum",
                                )
                            }
                            | {"settings": _settings_schema()},
                        }
                    }
                },
                errors=(400, 401, 403, 422),
            ),
            "get": _op(
                "List meetings (admin)",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "meetings": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Meeting"},
                                }
                            },
                        }
                    )
                },
                errors=(401, 403),
            ),
        },
        "/api/meetings/{meeting_id}": {
            "parameters": [_MEETING_ID],
            "get": _op(
                "A meeting's summary", {"200": _json({"$ref": "#/components/schemas/Meeting"})}
            ),
        },
        "/api/meetings/{meeting_id}/roster": {
            "parameters": [_MEETING_ID],
            "post": _op(
                "Import the roster from CSV (all rows or none; bad rows listed with numbers)",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "imported": {"type": "integer"},
                                "seq": {"type": "integer"},
                            },
                        }
                    )
                },
                body={"text/csv": {"schema": {"type": "string"}}},
                errors=(401, 403, 404, 413, 422),
            ),
        },
        "/api/meetings/{meeting_id}/participants": {
            "parameters": [_MEETING_ID],
            "get": _op(
                "Participants with their join links (staff)",
                {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "participants": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Participant"},
                                }
                            },
                        }
                    )
                },
            ),
            "post": _op(
                "Add one participant, e.g. a hall screen (staff)",
                {"201": _json({"$ref": "#/components/schemas/CommandResult"})},
                body={"application/json": {"schema": {"$ref": "#/components/schemas/Participant"}}},
                errors=(401, 403, 404, 409, 422),
            ),
        },
        "/api/meetings/{meeting_id}/commands": {
            "parameters": [_MEETING_ID],
            "post": _op(
                "Run a protocol command over HTTP (same kinds and rules as the WebSocket)",
                {"200": _json({"$ref": "#/components/schemas/CommandResult"})},
                body={
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["kind"],
                            "properties": {
                                "kind": {"type": "string"},
                                "id": {"type": "string"},
                                "body": {"type": "object"},
                            },
                        }
                    }
                },
                errors=(400, 401, 403, 404, 409, 422, 429, 503),
            ),
        },
        "/api/meetings/{meeting_id}/log.json": {
            "parameters": [_MEETING_ID],
            "get": _op(
                "The whole event log with its hash chain (staff)",
                {"200": _json({"type": "object"})},
            ),
        },
        "/api/meetings/{meeting_id}/participants/{participant_id}/reissue": {
            "parameters": [_MEETING_ID, {"name": "participant_id", "in": "path",
                                         "required": True, "schema": {"type": "string"}}],
            "post": _op(
                "A new join link for the participant (staff); the earlier ones stop working "
                "and their live connections close. The link is in this response only.",
                {"200": _json({"type": "object", "properties": {
                    "id": {"type": "string"}, "generation": {"type": "integer"},
                    "seq": {"type": "integer"}, "token": {"type": "string"},
                    "join_url": {"type": "string"}}})},
                errors=(401, 403, 404),
            ),
        },
        "/j/{token}": {
            "parameters": [
                {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": _op(
                "Join link: redirects to the web view (the token in the fragment), which "
                "exchanges it for a device session",
                {"302": {"description": "redirect"}},
                auth=False,
                errors=(),
            ),
        },
    },
}

_POLL_ID = {"name": "poll_id", "in": "path", "required": True, "schema": {"type": "string"}}
# Polls and elections (server/poll_http.py; docs/api.md, "Polls and elections").
SPEC["paths"].update({
    "/api/meetings/{meeting_id}/polls": {
        "parameters": [_MEETING_ID],
        "get": _op("The meeting's polls as the caller may see them (results once published)",
                   {"200": _json({"type": "object", "properties": {"polls": {"type": "array"}}})}),
    },
    "/api/meetings/{meeting_id}/polls/{poll_id}": {
        "parameters": [_MEETING_ID, _POLL_ID],
        "get": _op("One poll: definition, snapshot, and once published (staff: once closed) the "
                   "result, who voted, receipt hashes and, for named polls, every ballot",
                   {"200": _json({"type": "object"})}),
    },
    "/api/meetings/{meeting_id}/polls/{poll_id}/receipts/{receipt}": {
        "parameters": [_MEETING_ID, _POLL_ID, {"name": "receipt", "in": "path", "required": True,
                                               "schema": {"type": "string"}}],
        "get": _op("Whether a ballot receipt (or its SHA-256) was counted in the published result",
                   {"200": _json({"type": "object", "properties": {
                       "counted": {"type": "boolean"}, "receipt_hash": {"type": "string"}}})},
                   errors=(401, 403, 404, 409)),
    },
})

# Minutes and result tables (server/minutes_http.py; docs/api.md, "Minutes and exports").
_FILE_PARAMS = [_MEETING_ID, {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": ["vi", "en"]}}]  # noqa: E501
SPEC["paths"].update({
    "/api/meetings/{meeting_id}/minutes.{fmt}": {
        "parameters": [*_FILE_PARAMS, {"name": "fmt", "in": "path", "required": True, "schema": {"type": "string", "enum": ["docx", "pdf", "md", "json"]}}],  # noqa: E501
        "get": _op("The minutes built from the log: draft while the meeting runs, final once closed (chair, secretary)", {"200": {"description": "the file (DOCX, PDF, Markdown or JSON)"}}, errors=(401, 403, 404, 409, 422)),  # noqa: E501
    },
    "/api/meetings/{meeting_id}/results.{ext}": {
        "parameters": [*_FILE_PARAMS, {"name": "ext", "in": "path", "required": True, "schema": {"type": "string", "enum": ["csv", "xlsx"]}}],  # noqa: E501
        "get": _op("Every closed poll's result per option, as CSV or XLSX (chair, secretary)", {"200": {"description": "the table"}}, errors=(401, 403, 404, 422)),  # noqa: E501
    },
})

# Signed minutes (server/signing_http.py; docs/api.md, "signed minutes").
_SIGN_BODY = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["p12", "password"], "properties": {
        "p12": {"type": "string", "format": "binary", "description": "PKCS#12 key file"},
        "password": {"type": "string"}}}}}
SPEC["paths"].update({
    "/api/meetings/{meeting_id}/minutes/sign": {
        "parameters": _FILE_PARAMS,
        "post": _op("Sign the final PDF minutes with the caller's .p12, as chair or secretary (PAdES)", {"200": _json({"type": "object", "properties": {"signed_by": {"type": "array", "items": {"type": "string"}}, "sha256": {"type": "string"}, "log_hash": {"type": "string"}, "url": {"type": "string"}}})}, body=_SIGN_BODY, errors=(401, 403, 404, 409, 413, 422)),  # noqa: E501
    },
    "/api/meetings/{meeting_id}/minutes.signed.pdf": {
        "parameters": [_MEETING_ID],
        "get": _op("The signed minutes as the last signer left them (admin, chair, secretary)", {"200": {"description": "the PDF; x-signed-by lists the signers"}}),  # noqa: E501
    },
})

# Agenda, documents, speakers, feedback (server/floor_http.py, server/documents.py; docs/api.md).
_DOC_ID = {"name": "document_id", "in": "path", "required": True, "schema": {"type": "string"}}
_UPLOAD_PARAMS = [{"name": n, "in": "query", "required": n == "filename", "schema": {"type": "string"}} for n in ("filename", "title", "item", "draft")]  # noqa: E501
_FILE_OK = {"description": "the file; Range, If-Range and If-None-Match honoured", "headers": {"ETag": {"schema": {"type": "string"}}}, "content": {"application/pdf": {}, "image/*": {}}}  # noqa: E501
SPEC["paths"].update({
    "/api/meetings/{meeting_id}/agenda": {
        "parameters": [_MEETING_ID],
        "post": _op("Import the agenda from TOML (congress.toml's shape) or JSON; replaces it (staff)", {"200": _json({"type": "object", "properties": {"imported": {"type": "integer"}, "seq": {"type": "integer"}}})}, body={"application/toml": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "array"}}}, errors=(401, 403, 404, 409, 413, 422)),  # noqa: E501
    },
    "/api/meetings/{meeting_id}/feedback/summary": {
        "parameters": [_MEETING_ID],
        "get": _op("Feedback per agenda item: counts, statuses, tags, distinct points with supporters (staff)", {"200": _json({"type": "object", "properties": {"items": {"type": "array"}}})}),  # noqa: E501
    },
    "/api/meetings/{meeting_id}/documents": {
        "parameters": [_MEETING_ID],
        "get": _op("Manifest for offline preload: each visible document's current version with URL and ETag (delegates: released only)", {"200": _json({"type": "object", "properties": {"documents": {"type": "array"}, "follow": {"type": ["object", "null"]}, "total_bytes": {"type": "integer"}}}), "304": {"description": "not modified (If-None-Match)"}}),  # noqa: E501
        "post": {**_op("Upload a new document: raw PDF/PNG/JPEG/GIF/WebP body; draft=1 keeps it for staff (staff)", {"201": _json({"type": "object"})}, body={"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}, errors=(401, 403, 404, 409, 413, 415, 422)), "parameters": _UPLOAD_PARAMS},  # noqa: E501
    },
    "/api/meetings/{meeting_id}/documents/{document_id}": {
        "parameters": [_MEETING_ID, _DOC_ID],
        "get": _op("The document's current version (Cache-Control: no-cache; revalidate by ETag)", {"200": _FILE_OK, "206": _FILE_OK, "304": {"description": "not modified"}, "416": {"description": "range not satisfiable"}}),  # noqa: E501
    },
    "/api/meetings/{meeting_id}/documents/{document_id}/versions": {
        "parameters": [_MEETING_ID, _DOC_ID],
        "post": {**_op("Upload a new version; it supersedes the current one once released (staff)", {"201": _json({"type": "object"})}, body={"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}, errors=(401, 403, 404, 409, 413, 415, 422)), "parameters": _UPLOAD_PARAMS},  # noqa: E501
    },
    "/api/meetings/{meeting_id}/documents/{document_id}/versions/{version}": {
        "parameters": [_MEETING_ID, _DOC_ID, {"name": "version", "in": "path", "required": True, "schema": {"type": "integer"}}],  # noqa: E501
        "get": _op("One version's bytes (immutable; cached for a year)", {"200": _FILE_OK, "206": _FILE_OK, "304": {"description": "not modified"}, "416": {"description": "range not satisfiable"}}),  # noqa: E501
    },
})

# Attendance: badges, check-in desk, quorum, exports (server/attendance_http.py; docs/api.md,
# "Attendance").
_PARTICIPANT_ID = {"name": "participant_id", "in": "path", "required": True,
                   "schema": {"type": "string"}}
_LANG = {"name": "lang", "in": "query", "required": False,
         "schema": {"type": "string", "enum": ["vi", "en"]}}
_PNG = {"200": {"description": "the QR (or with card=1 the printable card) as PNG",
                "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}}
SPEC["paths"].update({
    "/api/meetings/{meeting_id}/badges.pdf": {
        "parameters": [_MEETING_ID, {"name": "participants", "in": "query", "required": False,
                                     "schema": {"type": "string"},
                                     "description": "comma-separated ids (default: everyone)"}],
        "get": _op("A4 sheets of QR badges, 2 x 4 per page, ready to cut (staff)",
                   {"200": {"description": "PDF", "content": {"application/pdf": {}}}}),
    },
    "/api/meetings/{meeting_id}/participants/{participant_id}/badge.png": {
        "parameters": [_MEETING_ID, _PARTICIPANT_ID,
                       {"name": "card", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": ["1"]}}],
        "get": _op("One participant's badge QR, or their printable card (staff)", _PNG),
    },
    "/api/meetings/{meeting_id}/participants/{participant_id}/badge.svg": {
        "parameters": [_MEETING_ID, _PARTICIPANT_ID],
        "get": _op("One participant's badge QR as SVG (staff)",
                   {"200": {"description": "SVG", "content": {"image/svg+xml": {}}}}),
    },
    "/api/meetings/{meeting_id}/attendance.json": {
        "parameters": [_MEETING_ID],
        "get": _op("Attendance: each participant's status, arrival, absence reason, proxies; "
                   "the quorum now (staff)", {"200": _json({"type": "object"})}),
    },
    "/api/meetings/{meeting_id}/attendance.csv": {
        "parameters": [_MEETING_ID, _LANG],
        "get": _op("The attendance list as CSV, UTF-8 with BOM, Vietnamese headers (staff)",
                   {"200": {"description": "CSV", "content": {"text/csv": {}}}}),
    },
    "/api/meetings/{meeting_id}/attendance.xlsx": {
        "parameters": [_MEETING_ID, _LANG],
        "get": _op("The attendance list as an XLSX workbook (staff)", {"200": {
            "description": "XLSX", "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}}),
    },
    "/api/meetings/{meeting_id}/attendance/search": {
        "parameters": [_MEETING_ID,
                       {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                       {"name": "limit", "in": "query", "required": False,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100}}],
        "get": _op("Check-in desk search by name, code, seat or delegation, ignoring diacritics "
                   "(staff)", {"200": _json({"type": "object", "properties": {
                       "results": {"type": "array"}}})}, errors=(401, 403, 404, 422)),
    },
    "/api/meetings/{meeting_id}/quorum": {
        "parameters": [_MEETING_ID,
                       {"name": "at", "in": "query", "required": False,
                        "schema": {"type": "string"},
                        "description": "a past moment (ms or ISO 8601): rebuilt from the log"}],
        "get": _op("Present count and weight against the quorum rule, now or at a past moment "
                   "(staff, screen)", {"200": _json({"type": "object"})},
                   errors=(401, 403, 404, 422)),
    },
})
add_sections(SPEC["paths"], _op, _json, _MEETING_ID)
