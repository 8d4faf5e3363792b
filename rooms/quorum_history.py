"""The quorum as it stood at a past moment, rebuilt by folding the log up to it.

Above rooms/aggregate.py (it folds with every feature's evolvers), so the quorum itself
(rooms/quorum.py), which rooms/meeting.py reads, does not import the aggregate back.
"""

from __future__ import annotations

from collections.abc import Iterable

from rooms.aggregate import fold
from rooms.model import Event
from rooms.quorum import Quorum, quorum


def quorum_at(events: Iterable[Event], at: int) -> Quorum:
    """The quorum as it stood at time ``at`` (ms), rebuilt by folding the log up to it.

    A pure function of the log: the minutes and any later audit get the same answer as the
    hall screen showed then.
    """
    prefix = []
    for event in events:
        if event.at > at:
            break
        prefix.append(event)
    if not prefix:
        raise ValueError("the meeting did not exist yet at that time")
    return quorum(fold(prefix), at)
