"""An event body checked at run time against its TypedDict (``protocol.event_bodies``):
required keys present, no unknown key, every value of its type, nested maps included.

For tests and tools that read logs; the server does not call it on its hot path. Pure.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, NotRequired, Required, Union, get_args, get_origin

from protocol.event_bodies import EVENT_BODIES
from protocol.kinds import is_event_kind


def check_event_body(kind: str, body: Any) -> list[str]:
    """What is wrong with ``body`` as the body of a ``kind`` event, one line per problem,
    each naming the kind and the key (``"poll.closed: result.options[0].count: ..."``);
    empty when nothing is."""
    if not is_event_kind(kind):
        return [f"{kind}: not an event kind"]
    return [f"{kind}: {problem}" for problem in check_value(EVENT_BODIES[kind], body, "body")]


def check_value(expected: Any, value: Any, where: str) -> list[str]:
    """Problems of ``value`` against the type ``expected``, each prefixed with ``where``."""
    if expected is Any:
        return []
    if typing.is_typeddict(expected):
        return _check_map(expected, value, where)
    origin = get_origin(expected)
    if origin is Literal:
        choices = get_args(expected)
        if value in choices and type(value) in {type(c) for c in choices}:
            return []
        return [f"{where}: {value!r} is not one of {', '.join(map(repr, choices))}"]
    if origin is Union or origin is types.UnionType:
        return _check_union(get_args(expected), value, where)
    if origin is list:
        return _check_list(get_args(expected)[0], value, where)
    if origin is dict:
        return _check_dict(get_args(expected), value, where)
    return _check_plain(expected, value, where)


@cache
def _fields(map_type: type) -> tuple[dict[str, Any], frozenset[str]]:
    """The TypedDict's value types by key (``NotRequired`` taken off) and its required keys."""
    hints = typing.get_type_hints(map_type, include_extras=True)
    for key, hint in hints.items():
        if get_origin(hint) in (NotRequired, Required):
            (hints[key],) = get_args(hint)
    # A TypedDict class is a plain ``type`` to mypy; this attribute exists at run time.
    return hints, frozenset(map_type.__required_keys__)  # type: ignore[attr-defined]


def _check_map(map_type: type, value: Any, where: str) -> list[str]:
    if not isinstance(value, Mapping):
        return [f"{where}: expected a map, got {type(value).__name__}"]
    hints, required = _fields(map_type)
    problems = [f"{where}.{key}: missing" for key in sorted(required - set(value))]
    for key in value:
        if key not in hints:
            problems.append(f"{where}.{key}: unknown key")
        else:
            problems.extend(check_value(hints[key], value[key], f"{where}.{key}"))
    return problems


def _check_union(arms: tuple[Any, ...], value: Any, where: str) -> list[str]:
    found = [check_value(arm, value, where) for arm in arms]
    if any(not problems for problems in found):
        return []
    # An arm whose problems are inside the value (a map with a bad key) is the one meant;
    # when the value itself fits no arm, say what would have.
    inside = [problems for problems in found if not _about_itself(problems, where)]
    if inside:
        return min(inside, key=len)
    names = " or ".join(_name(arm) for arm in arms)
    return [f"{where}: expected {names}, got {type(value).__name__}"]


def _about_itself(problems: list[str], where: str) -> bool:
    return len(problems) == 1 and problems[0].startswith(f"{where}: ")


def _check_list(item: Any, value: Any, where: str) -> list[str]:
    if not isinstance(value, list | tuple):
        return [f"{where}: expected a list, got {type(value).__name__}"]
    problems: list[str] = []
    for n, element in enumerate(value):
        problems.extend(check_value(item, element, f"{where}[{n}]"))
    return problems


def _check_dict(args: tuple[Any, ...], value: Any, where: str) -> list[str]:
    if not isinstance(value, Mapping):
        return [f"{where}: expected a map, got {type(value).__name__}"]
    key_type, value_type = args
    problems: list[str] = []
    for key, element in value.items():
        problems.extend(check_value(key_type, key, f"{where} key {key!r}"))
        problems.extend(check_value(value_type, element, f"{where}[{key!r}]"))
    return problems


def _check_plain(expected: Any, value: Any, where: str) -> list[str]:
    if expected is None or expected is types.NoneType:
        ok = value is None
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)  # True is an int to Python
    elif expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(expected, type):
        ok = isinstance(value, expected)
    else:
        raise TypeError(f"{where}: the checker does not know the type {expected!r}")
    return [] if ok else [f"{where}: expected {_name(expected)}, got {type(value).__name__}"]


def _name(expected: Any) -> str:
    """A type as a JSON reader would say it."""
    if expected is None or expected is types.NoneType:
        return "null"
    if typing.is_typeddict(expected) or get_origin(expected) is dict:
        return "map"
    if get_origin(expected) is list:
        return "list"
    if get_origin(expected) is Literal:
        return " or ".join(map(repr, get_args(expected)))
    return str(getattr(expected, "__name__", expected))
