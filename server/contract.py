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
from rooms.model import STAFF, VOTING_ROLES, Role
from server.attendance_live import COUNT_ROLES, QUORUM_ROLES
from server.poll_live import LIVE_TO_STAFF

# Who each live kind is sent to (the hooks in server/*_live.py); unlisted: everyone.
LIVE_AUDIENCES: dict[str, frozenset[Role]] = {
    "quorum": QUORUM_ROLES,
    "presence": COUNT_ROLES,
    "poll.tally": LIVE_TO_STAFF,
    "poll.eligibility": VOTING_ROLES,  # to each voter's own devices
    "mine": frozenset({Role.DELEGATE}),  # to the author's own devices
}


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
        live_audiences={k: {r.value for r in roles} for k, roles in LIVE_AUDIENCES.items()},
    )
