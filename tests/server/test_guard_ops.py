"""The guard ops of ``rooms.decision.GuardOp`` are exactly the ops ``server/lua/append.lua``
handles. Python cannot ``assert_never`` across into Lua, and the script passes over an op it
does not know, so a guard added on one side only would silently check or write nothing."""

from __future__ import annotations

import re
from importlib import resources
from typing import get_args

from rooms.decision import GuardOp

# The conditions (a guard that can fail) and the writes of the script's two functions.
CONDITIONS = {"setnx", "eq", "absent", "rate"}
WRITES = {"setnx", "set", "del", "push", "incr", "sadd", "put", "rate", "drop"}


def _ops_in(source: str, function: str) -> set[str]:
    body = source.split(f"local function {function}(", 1)[1].split("\nend\n", 1)[0]
    return set(re.findall(r'op == "([a-z]+)"', body))


def test_the_script_handles_every_guard_op_and_no_other() -> None:
    source = resources.files("server").joinpath("lua/append.lua").read_text("utf-8")
    assert _ops_in(source, "check_guards") == CONDITIONS
    assert _ops_in(source, "apply_guards") == WRITES
    assert CONDITIONS | WRITES == set(get_args(GuardOp))
