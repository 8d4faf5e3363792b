"""The parts of the OpenAPI description kept beside their own routes (the organiser page,
the CA page, the secretary's preparation routes, the archive, device sessions), merged into
the one document. A path two parts describe gets the methods of both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.ca_http import openapi_paths as ca_paths
from server.openapi_archive import paths as archive_paths
from server.openapi_organiser import paths as organiser_paths
from server.openapi_prep import paths as prep_paths
from server.openapi_sessions import paths as session_paths


def add_sections(
    paths: dict[str, Any],
    op: Callable[..., dict[str, Any]],
    json_body: Callable[..., dict[str, Any]],
    meeting_id: dict[str, Any],
) -> None:
    for section in (
        organiser_paths(op, json_body, meeting_id),
        ca_paths(op),
        prep_paths(op, json_body, meeting_id),
        archive_paths(op, json_body, meeting_id),
        session_paths(op, json_body, meeting_id),
    ):
        for path, methods in section.items():
            paths.setdefault(path, {}).update(methods)
