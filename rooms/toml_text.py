"""A small deterministic TOML writer, for meeting definitions (rooms/definition.py).

Only what a definition holds: text, whole numbers, booleans, lists of those, tables and lists
of tables. The same map always gives the same text, keys in the order given, so an exported
definition can be compared, diffed and kept under version control. Reading is ``tomllib``'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

_BARE_KEY: Final = re.compile(r"^[A-Za-z0-9_-]+$")
# An array of scalars longer than this goes one element per line.
_LINE: Final = 96


class Inline(dict[str, Any]):
    """A table written inline (``{ id = "o1", label = "…" }``) instead of under a header."""


class TomlWriteError(ValueError):
    """A value TOML cannot hold as written here (None, floats, mixed lists)."""


def dumps(data: Mapping[str, Any]) -> str:
    lines: list[str] = []
    _table(lines, (), data)
    return "\n".join(lines).strip("\n") + "\n"


def _table(lines: list[str], path: tuple[str, ...], data: Mapping[str, Any]) -> None:
    """The table's own values first, then its sub-tables and lists of tables: TOML reads every
    key after a header as belonging to that header."""
    nested: list[tuple[str, Any]] = []
    for key, value in data.items():
        if _is_table(value) or _is_table_list(value):
            nested.append((key, value))
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in nested:
        sub = (*path, key)
        header = ".".join(_key(k) for k in sub)
        if _is_table(value):
            lines += ["", f"[{header}]"]
            _table(lines, sub, value)
        else:
            for element in value:
                lines += ["", f"[[{header}]]"]
                _table(lines, sub, element)


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping) and not isinstance(value, Inline)


def _is_table_list(value: Any) -> bool:
    return (
        isinstance(value, Sequence) and not isinstance(value, str) and len(value) > 0
        and all(_is_table(v) for v in value)
    )


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Inline):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, Sequence):
        items = [_value(v) for v in value]
        one_line = "[" + ", ".join(items) + "]"
        if len(one_line) <= _LINE and not any(isinstance(v, Inline) for v in value):
            return one_line
        return "[\n" + "".join(f"  {item},\n" for item in items) + "]"
    raise TomlWriteError(f"cannot write {type(value).__name__} {value!r} as TOML here")


_ESCAPES: Final = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r",
                   "\b": "\\b", "\f": "\\f"}


def _string(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'
