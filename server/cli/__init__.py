"""The commands of ``run.py``, one module each (``serve``, ``badges``, ``minutes``,
``verify``). Each has ``add_parser(subparsers)``, which adds its parser with
``set_defaults(handler=run)``, and ``run(args) -> exit status``.

Importing a command module stays cheap (``run.py --help`` imports them all): what a command
needs beyond the standard library it imports inside ``run``.
"""

from __future__ import annotations

from typing import Any

Subparsers = Any  # argparse's _SubParsersAction is private
