"""The meeting settings (``MeetingInfo.settings``): one table of every setting a feature reads,
with its type, default and allowed values. Settings are checked against it when a meeting is
created and when ``meeting.update`` changes them; the state holds every setting, defaults
filled in, so a snapshot shows the rules the meeting runs under.

A setting that may not change in some state says so with a guard: a function of the state and
the new value that raises ``Rejected("invalid_state", ...)``. Polls freeze what they read from
settings (``require_check_in``, ``proxies_count_for_quorum``) in their snapshot when they open,
so changing those while a poll is open leaves that poll as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from rooms.attendance import attendance
from rooms.model import Rejected, nfc
from rooms.state import MeetingState

Kind = Literal["bool", "int", "text"]
Guard = Callable[[MeetingState, Any], None]


@dataclass(frozen=True)
class Setting:
    name: str
    kind: Kind
    default: bool | int | str
    choices: tuple[str, ...] = ()
    min: int = 0
    max: int = 0
    max_len: int = 500
    guard: Guard | None = None


def _while_running(name: str) -> Guard:
    """A rule of how the meeting runs: a closed meeting ran under the rule it had, and the log
    should not say otherwise afterwards."""

    def guard(state: MeetingState, _value: Any) -> None:
        if state.status.value == "closed":
            raise Rejected("invalid_state", f"the meeting is closed; setting '{name}' can no "
                           "longer change", setting=name, status="closed")

    return guard


def _hybrid(state: MeetingState, value: Any) -> None:
    # Turning online attendance off while someone attends online would leave presence the
    # meeting says it does not allow, counted in the quorum: check them out first.
    _while_running("hybrid")(state, value)
    if value:
        return
    online = sum(1 for r in attendance(state).records.values() if r.present and r.mode == "online")
    if online:
        raise Rejected("invalid_state", f"setting 'hybrid' cannot be turned off while {online} "
                       "participant(s) attend online; check them out first",
                       setting="hybrid", online=online)


def _proxy_limit(state: MeetingState, value: Any) -> None:
    # A limit below what a delegate already holds would break "nobody holds more than the
    # limit" for proxies already granted: revoke some first.
    _while_running("proxy_limit")(state, value)
    held = attendance(state).held
    over = sorted(holder for holder, givers in held.items() if len(givers) > value)
    if over:
        most = max(len(held[h]) for h in over)
        raise Rejected("invalid_state", f"setting 'proxy_limit' cannot be {value}: {len(over)} "
                       f"delegate(s) already hold up to {most} proxies; revoke some first",
                       setting="proxy_limit", holders=over)


_SETTINGS = (
    # Read by rooms/attendance.py (checkin.self) and server/attendance_live.py (on connect);
    # takes effect at the next check-in or connection, nothing already recorded depends on it.
    Setting("device_checkin", "text", "tap", choices=("tap", "connect", "off"),
            guard=_while_running("device_checkin")),
    Setting("hybrid", "bool", False, guard=_hybrid),
    Setting("proxy_limit", "int", 1, min=0, max=100, guard=_proxy_limit),
    # Read live by the quorum (recomputed after every meeting.updated) and frozen by a poll
    # when it opens.
    Setting("proxies_count_for_quorum", "bool", False,
            guard=_while_running("proxies_count_for_quorum")),
    # Read by rooms/polls.py only when a poll opens (its snapshot).
    Setting("require_check_in", "bool", True, guard=_while_running("require_check_in")),
    # Read by meeting.open and meeting.resume only.
    Setting("require_quorum_to_open", "bool", False,
            guard=_while_running("require_quorum_to_open")),
    # Printed in the minutes (rooms/minutes_builder.py): may be corrected even after closing,
    # which is when the minutes are signed.
    Setting("parent_organisation", "text", ""),
    Setting("reference", "text", ""),
    Setting("city", "text", ""),
)
SETTINGS: Mapping[str, Setting] = {s.name: s for s in _SETTINGS}
DEFAULTS: Mapping[str, Any] = {s.name: s.default for s in _SETTINGS}


def check(given: Any) -> dict[str, Any]:
    """The settings in ``given``, checked against the table (text is trimmed and NFC);
    ``Rejected("invalid")`` naming the first bad one otherwise."""
    if not isinstance(given, Mapping):
        raise Rejected("invalid", "'settings' must be a map of setting names to values")
    out: dict[str, Any] = {}
    for name, value in given.items():
        spec = SETTINGS.get(name) if isinstance(name, str) else None
        if spec is None:
            raise Rejected("invalid", f"unknown setting {name!r}; known settings: "
                           f"{', '.join(sorted(SETTINGS))}", setting=str(name))
        out[name] = _value(spec, value)
    return out


def _value(spec: Setting, value: Any) -> Any:
    name = spec.name
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise Rejected("invalid", f"setting '{name}' must be true or false", setting=name)
        return value
    if spec.kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or not (
            spec.min <= value <= spec.max
        ):
            raise Rejected("invalid", f"setting '{name}' must be a whole number from {spec.min} "
                           f"to {spec.max}", setting=name)
        return value
    if not isinstance(value, str) or len(value) > spec.max_len:
        raise Rejected("invalid", f"setting '{name}' must be a text of at most {spec.max_len} "
                       "characters", setting=name)
    text = nfc(value.strip())
    if spec.choices and text not in spec.choices:
        raise Rejected("invalid", f"setting '{name}' must be one of {', '.join(spec.choices)}",
                       setting=name)
    return text


def same(a: Any, b: Any) -> bool:
    """Equal and of the same type: ``True`` is not the setting ``1``."""
    return type(a) is type(b) and a == b


def changes(state: MeetingState, given: Any) -> dict[str, Any]:
    """The settings in ``given`` that differ from the meeting's, checked first against the
    table, then against each changed setting's guard."""
    wanted = check(given)
    current = effective(state.info.settings)
    changed = {k: v for k, v in wanted.items() if not same(current.get(k), v)}
    for name, value in changed.items():
        guard = SETTINGS[name].guard
        if guard is not None:
            guard(state, value)
    return changed


def effective(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting, defaults filled in. Names not in the table (from a log written before
    settings were checked) are kept as they are."""
    return {**DEFAULTS, **settings}
