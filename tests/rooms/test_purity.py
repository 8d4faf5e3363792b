"""protocol/ and rooms/ are the pure core: they import no I/O, clock, randomness or server code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "asyncio", "socket", "time", "random", "secrets", "uuid", "os", "subprocess",
    "threading", "redis", "starlette", "uvicorn", "websockets", "server", "httpx", "pathlib",
    "io_uring", "requests", "urllib", "shutil", "tempfile", "logging",
}
# ``datetime`` is allowed for types and formatting; reading the clock through it is not (below).
# ``io`` is allowed for StringIO over in-memory text (roster CSV parsing), never files.
FILES = sorted([*ROOT.joinpath("protocol").rglob("*.py"), *ROOT.joinpath("rooms").rglob("*.py")])


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_module_imports_nothing_impure(path: Path) -> None:
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in {"open", "input"}, f"{path.name} calls {node.func.id}()"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            assert node.func.attr not in {"now", "today", "utcnow", "fromtimestamp"} or (
                node.func.attr == "fromtimestamp" and len(node.args) + len(node.keywords) >= 2
            ), f"{path.name} reads the clock with .{node.func.attr}()"


def test_the_walk_finds_the_core() -> None:
    names = {p.name for p in FILES}
    assert {"codec.py", "aggregate.py", "meeting.py"} <= names
