"""The meeting domain as deterministic state machines: decide(state, command, now) -> events,
evolve(state, event) -> state. Pure: time, ids and randomness are passed in; no I/O."""
