"""Memoising pure functions of a meeting state by the state's identity.

States are immutable, so what was computed for one state object stays true while that object
lives. Between two events thousands of tablets may connect, and each snapshot asks for the
same counts over the whole roster; this turns those O(N) walks into one per event.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from rooms.state import MeetingState

T = TypeVar("T")
A = TypeVar("A")
_SIZE = 8  # a few meetings served at once by one process


def by_identity(fn: Callable[[A], T]) -> Callable[[A], T]:
    """``fn`` of an immutable object, computed once per object: a state, or a part of it that
    events leave as the same object while they do not change it (the roster through every
    check-in, say)."""
    cache: OrderedDict[int, tuple[A, T]] = OrderedDict()

    @wraps(fn)
    def cached(value: A) -> T:
        hit = cache.get(id(value))
        # The object is kept in the entry, so its id cannot be reused while cached.
        if hit is not None and hit[0] is value:
            return hit[1]
        result = fn(value)
        cache[id(value)] = (value, result)
        if len(cache) > _SIZE:
            cache.popitem(last=False)
        return result

    return cached


def by_state(fn: Callable[[MeetingState], T]) -> Callable[[MeetingState], T]:
    return by_identity(fn)
