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
_SIZE = 8  # a few meetings served at once by one process


def by_state(fn: Callable[[MeetingState], T]) -> Callable[[MeetingState], T]:
    cache: OrderedDict[int, tuple[MeetingState, T]] = OrderedDict()

    @wraps(fn)
    def cached(state: MeetingState) -> T:
        hit = cache.get(id(state))
        # The state is kept in the entry, so its id cannot be reused while cached.
        if hit is not None and hit[0] is state:
            return hit[1]
        value = fn(state)
        cache[id(state)] = (state, value)
        if len(cache) > _SIZE:
            cache.popitem(last=False)
        return value

    return cached
