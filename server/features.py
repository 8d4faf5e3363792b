"""The server side of each feature: its HTTP routes and runtime hooks.

A feature module in ``server/`` may define ``ROUTES`` (Starlette routes) and
``setup(rt: Runtime)`` to add connection hooks or live hooks, kept apart by concern: live
hooks in ``<feature>_live.py``, routes in ``<feature>_http.py``. Commands are not here: every
command is decided in ``rooms/`` and carried out by ``server/interpreter.py``. Add a feature
by listing its modules here; ``setup`` runs in this order.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from starlette.routing import BaseRoute

FEATURE_MODULES: tuple[str, ...] = ("server.session_limit",)
FEATURE_MODULES += ("server.floor_live", "server.floor_http")
FEATURE_MODULES += ("server.documents",)
FEATURE_MODULES += ("server.attendance_live", "server.attendance_http")
FEATURE_MODULES += ("server.poll_live", "server.poll_http")
# signing_http first: minutes_http's minutes.{fmt} would take minutes.signed.pdf.
FEATURE_MODULES += ("server.signing_http", "server.minutes_http")
FEATURE_MODULES += ("server.organiser_http", "server.definition_into_meeting")
FEATURE_MODULES += ("server.archive_http",)
FEATURE_MODULES += ("server.identity_live", "server.identity_http", "server.devices")
FEATURE_MODULES += ("server.session_http",)


def modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in FEATURE_MODULES]


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for module in modules():
        out.extend(getattr(module, "ROUTES", []))
    return out
