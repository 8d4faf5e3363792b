"""The server side of each feature: its HTTP routes and runtime hooks.

A feature module in ``server/`` may define ``ROUTES`` (Starlette routes) and
``setup(rt: Runtime)`` to add connection hooks or live hooks. Commands are not here: every
command is decided in ``rooms/`` and carried out by ``server/interpreter.py``. Add a feature
by listing its module name here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from starlette.routing import BaseRoute

FEATURE_MODULES: tuple[str, ...] = ("server.floor", "server.documents")
FEATURE_MODULES += ("server.attendance",)
FEATURE_MODULES += ("server.polls",)
FEATURE_MODULES += ("server.minutes",)


def modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in FEATURE_MODULES]


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = []
    for module in modules():
        out.extend(getattr(module, "ROUTES", []))
    return out
