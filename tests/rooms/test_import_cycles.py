"""The pure core's modules (rooms/ and protocol/) import each other without a cycle, and only at
the top of a module: an import hidden inside a function is how a cycle hides, so it is refused
too. Every import counts, wherever it is written (inside functions, ``if TYPE_CHECKING:``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("rooms", "protocol")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def core_sources() -> dict[str, str]:
    """Module name → source, for every module of the core."""
    return {
        module_name(path): path.read_text("utf-8")
        for package in PACKAGES
        for path in sorted(ROOT.joinpath(package).rglob("*.py"))
    }


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The module an ``ImportFrom`` names, a relative one resolved against ``module``."""
    if node.level == 0:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(module: str, source: str, known: set[str]) -> Iterator[tuple[str, ast.stmt, bool]]:
    """(imported core module, the import statement, whether it sits inside a function) for
    every import in ``source`` of a module in ``known``. ``from rooms import memo`` imports
    the module ``rooms.memo``; ``from rooms import X`` of a name, the package ``rooms``."""

    is_package = any(other.startswith(f"{module}.") for other in known)

    def walk(node: ast.AST, in_function: bool) -> Iterator[tuple[str, ast.stmt, bool]]:
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name in known:
                        yield alias.name, child, in_function
            elif isinstance(child, ast.ImportFrom):
                base = _absolute(module, is_package, child)
                for alias in child.names:
                    target = f"{base}.{alias.name}"
                    if target in known:
                        yield target, child, in_function
                    elif base in known:
                        yield base, child, in_function
            yield from walk(child, nested)

    yield from walk(ast.parse(source), False)


def graph(sources: Mapping[str, str]) -> dict[str, set[str]]:
    known = set(sources)
    return {
        name: {target for target, _, _ in imports(name, source, known)}
        for name, source in sources.items()
    }


def cycles(edges: Mapping[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """Each group of modules that import each other round in circles (a strongly connected
    component, Tarjan's), as (one shortest cycle through its first module, the first repeated
    at the end; every module of the group). A module importing itself counts."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: set[str] = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.add(top)
                if top == node:
                    break
            if len(group) > 1 or node in edges.get(node, ()):
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [(_path_through(min(group), group, edges), sorted(group)) for group in groups]


def _path_through(start: str, group: set[str], edges: Mapping[str, set[str]]) -> list[str]:
    """A shortest way from ``start`` back to itself inside ``group`` (breadth first)."""
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for nxt in sorted(edges.get(node, set()) & group):
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if nxt not in came_from:
                    came_from[nxt] = node
                    following.append(nxt)
        frontier = following
    raise AssertionError(f"{start} is in a cycle but no way back was found")


# ---- the core ------------------------------------------------------------------------------


def test_the_core_imports_without_a_cycle() -> None:
    found = cycles(graph(core_sources()))
    assert not found, "import cycles in the core: " + "; ".join(
        f"{' → '.join(path)} (the modules in this circle: {', '.join(group)})"
        for path, group in found
    )


SOURCES = core_sources()


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_core_modules_import_the_core_at_the_top_only(module: str) -> None:
    hidden = [
        f"{module}:{stmt.lineno} imports {target} inside a function"
        for target, stmt, in_function in imports(module, SOURCES[module], set(SOURCES))
        if in_function
    ]
    assert not hidden, "; ".join(hidden) + " (move it to the top; if that makes a cycle, " \
        "split the shared piece into its own module)"


# ---- the walk itself -----------------------------------------------------------------------


def test_the_walk_sees_the_core_and_its_imports() -> None:
    edges = graph(SOURCES)
    assert {"rooms.aggregate", "rooms.settings", "protocol.codec", "protocol"} <= set(edges)
    # ``from rooms import (agenda, ...)``, ``from rooms.state import ...``, ``from protocol
    # import limits``: each kind of import is followed.
    assert {"rooms.meeting", "rooms.attendance", "rooms.state"} <= edges["rooms.aggregate"]
    assert {"protocol.limits", "protocol.errors"} <= edges["protocol.codec"]


def test_a_cycle_is_found_and_named() -> None:
    sources = {
        "rooms": "",
        "rooms.a": "from rooms import b\n",
        "rooms.b": "from rooms.c import thing\n",
        "rooms.c": "def f():\n    from rooms.a import x\n",
        "rooms.d": "import rooms.d\n",
        "rooms.e": "from rooms.a import y\n",
    }
    assert cycles(graph(sources)) == [
        (["rooms.a", "rooms.b", "rooms.c", "rooms.a"], ["rooms.a", "rooms.b", "rooms.c"]),
        (["rooms.d", "rooms.d"], ["rooms.d"]),
    ]


def test_an_import_inside_a_function_is_found() -> None:
    source = (
        "from rooms.state import MeetingState\n"
        "import json\n"
        "class K:\n"
        "    def m(self):\n"
        "        if True:\n"
        "            from rooms import memo\n"
        "async def g():\n"
        "    import protocol.codec\n"
    )
    known = {"rooms", "rooms.state", "rooms.memo", "protocol", "protocol.codec"}
    found = [(t, s.lineno, inside) for t, s, inside in imports("rooms.x", source, known)]
    assert found == [
        ("rooms.state", 1, False),
        ("rooms.memo", 6, True),
        ("protocol.codec", 8, True),
    ]


def test_relative_imports_are_resolved() -> None:
    known = {"rooms", "rooms.state", "rooms.memo"}
    source = "from .state import MeetingState\nfrom . import memo\n"
    assert [t for t, _, _ in imports("rooms.x", source, known)] == ["rooms.state", "rooms.memo"]
