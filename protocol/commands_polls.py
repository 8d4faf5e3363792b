"""Poll and ballot commands: define (and redefine while a draft), open, close, publish and
cancel a poll; cast a ballot.

Bodies are checked here for shape only; whether a poll definition makes sense, who may vote
and whether a ballot is allowed now is decided in ``rooms.polls`` and ``rooms.poll_commands``.
docs/protocol.md, section "Polls and elections", describes each kind.
"""

from __future__ import annotations

from protocol.schema import Field, Schema

_POLL = Field("str", max_len=32)
_RULE = Field("str", required=False, max_len=200)
_COUNT = Field("int", required=False, min=0, max=500)

# What a poll is: poll.create makes a draft of it, poll.update replaces a draft's whole.
_DEFINITION: Schema = {
    "title": Field("str", max_len=500),
    "method": Field("str", choices=("yes_no_abstain", "single", "multiple", "approval")),
    # Each item a label (its id is then o1, o2, … in order) or {"id", "label"}.
    "options": Field("list", required=False, max_len=200, items="any"),
    "candidates": Field("list", required=False, max_len=200, items="any"),
    "min": _COUNT,
    "max": _COUNT,
    "seats": _COUNT,
    "secret": Field("bool", required=False),
    "rule": _RULE,
    "quorum": _RULE,
    "allow_change": Field("bool", required=False),
    "allow_abstain": Field("bool", required=False),
    "live_tally": Field("bool", required=False),
    "timer": Field("int", required=False, min=1, max=24 * 3600),
    "agenda_item": Field("str", required=False, max_len=64),
}

SCHEMAS: dict[str, Schema] = {
    "poll.create": {
        # Made by the client or, when absent, by the server; the ack returns it.
        "id": Field("str", required=False, max_len=32),
        **_DEFINITION,
    },
    # A draft only: what it sends is what the poll becomes (nothing kept from before).
    "poll.update": {"poll": _POLL, **_DEFINITION},
    "poll.open": {"poll": _POLL},
    "poll.close": {"poll": _POLL, "reason": Field("str", required=False, max_len=200)},
    "poll.publish": {"poll": _POLL},
    "poll.cancel": {"poll": _POLL, "reason": Field("str", required=False, max_len=500)},
    "ballot.cast": {
        "poll": _POLL,
        # "yes" | "no" | "abstain" | an option id | a list of option ids (rooms.ballots).
        "choice": Field("any"),
        # Made by the tablet and kept until acked: a retry with the same id is the same ballot.
        "ballot_id": Field("str", max_len=64),
        # The absent delegate whose proxy the sender holds; their ballot is a separate one.
        "on_behalf_of": Field("str", required=False, max_len=32),
    },
}
