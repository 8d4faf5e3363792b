"""The AsyncAPI document of the WebSocket protocol, with who may send and who sees what.

``protocol.asyncapi`` builds the document from the protocol's own tables; the roles come from
``rooms.aggregate`` (``protocol`` may not import ``rooms``), so the server joins the two here.
Served at /asyncapi.json.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from protocol.asyncapi import ROLES, build_document
from rooms import aggregate
from rooms.model import STAFF


@cache
def asyncapi_document() -> dict[str, Any]:
    """Built once: the tables it reads are fixed when rooms.aggregate is imported."""
    return build_document(
        permissions={k: {r.value for r in roles} for k, roles in aggregate.PERMISSIONS.items()},
        audiences={k: {r.value for r in roles} for k, roles in aggregate.AUDIENCES.items()},
        projected={
            kind: [r for r in ROLES if r not in {s.value for s in STAFF}]
            for kind in aggregate.PROJECTORS
        },
        staff={r.value for r in STAFF},
    )
