"""The meeting settings (``MeetingInfo.settings``): one table of every setting a feature reads,
with its type, default and allowed values. Settings are checked against it when a meeting is
created and when ``meeting.update`` changes them; the state holds every setting, defaults
filled in, so a snapshot shows the rules the meeting runs under.

A setting that may not change in some state says so with a guard: a function of the state and
the new value that raises ``Rejected(ErrorCode.INVALID_STATE, ...)``. Polls freeze what they
read from settings (``require_check_in``, ``proxies_count_for_quorum``) in their snapshot when
they open, so changing those while a poll is open leaves that poll as it was.

The rules read the settings one way: ``settings_of(state)``, a typed ``MeetingSettings`` built
from the table, with the table's defaults. The plain map stays what travels (events,
snapshots, the HTTP API).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_type_hints

from protocol.errors import ErrorCode
from rooms import memo
from rooms.attendance_state import attendance
from rooms.majority import RuleError, parse_rule
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
    # A text that must read as a majority rule (rooms/majority.py), checked with the value.
    rule: bool = False


def _while_running(name: str) -> Guard:
    """A rule of how the meeting runs: a closed meeting ran under the rule it had, and the log
    should not say otherwise afterwards."""

    def guard(state: MeetingState, _value: Any) -> None:
        if state.status.value == "closed":
            raise Rejected(ErrorCode.INVALID_STATE,
                           f"the meeting is closed; setting '{name}' can no "
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
        raise Rejected(ErrorCode.INVALID_STATE,
                       f"setting 'hybrid' cannot be turned off while {online} "
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
        raise Rejected(ErrorCode.INVALID_STATE,
                       f"setting 'proxy_limit' cannot be {value}: {len(over)} "
                       f"delegate(s) already hold up to {most} proxies; revoke some first",
                       setting="proxy_limit", holders=over)


_SETTINGS = (
    # Read by rooms/attendance.py (checkin.self) and server/attendance_live.py (on connect);
    # takes effect at the next check-in or connection, nothing already recorded depends on it.
    Setting("device_checkin", "text", "tap", choices=("tap", "connect", "off"),
            guard=_while_running("device_checkin")),
    Setting("hybrid", "bool", False, guard=_hybrid),
    # Read by participant.sign_in (rooms/credentials.py, POST /api/badge-login): may a badge
    # scanned at a seat sign its delegate in? Only a delegate checked in at the desk, by
    # default, so that a photographed badge alone never reaches a ballot; ``seat_tablets``:
    # only at one of the organiser's tablets paired at the seats (server/devices.py).
    Setting("badge_sign_in", "text", "checked_in",
            choices=("off", "checked_in", "open", "seat_tablets"),
            guard=_while_running("badge_sign_in")),
    Setting("proxy_limit", "int", 1, min=0, max=100, guard=_proxy_limit),
    # Read live by the quorum (rooms/quorum.py; recomputed after every meeting.updated) and
    # frozen by a poll when it opens.
    Setting("proxies_count_for_quorum", "bool", False,
            guard=_while_running("proxies_count_for_quorum")),
    # Read by rooms/polls.py only when a poll opens (its snapshot).
    Setting("require_check_in", "bool", True, guard=_while_running("require_check_in")),
    # Read by meeting.open and meeting.resume only.
    Setting("require_quorum_to_open", "bool", False,
            guard=_while_running("require_quorum_to_open")),
    # The rule a prepared or new poll passes by when it names none: read by meeting
    # definitions (rooms/definition.py) and the organiser page; a poll keeps its own rule.
    Setting("majority", "text", "more than 1/2 of delegates present", max_len=200, rule=True,
            guard=_while_running("majority")),
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
    ``Rejected(ErrorCode.INVALID)`` naming the first bad one otherwise."""
    if not isinstance(given, Mapping):
        raise Rejected(ErrorCode.INVALID, "'settings' must be a map of setting names to values")
    out: dict[str, Any] = {}
    for name, value in given.items():
        spec = SETTINGS.get(name) if isinstance(name, str) else None
        if spec is None:
            raise Rejected(ErrorCode.INVALID, f"unknown setting {name!r}; known settings: "
                           f"{', '.join(sorted(SETTINGS))}", setting=str(name))
        out[name] = _value(spec, value)
    return out


def _value(spec: Setting, value: Any) -> Any:
    name = spec.name
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise Rejected(ErrorCode.INVALID,
                           f"setting '{name}' must be true or false", setting=name)
        return value
    if spec.kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or not (
            spec.min <= value <= spec.max
        ):
            raise Rejected(ErrorCode.INVALID,
                           f"setting '{name}' must be a whole number from {spec.min} "
                           f"to {spec.max}", setting=name)
        return value
    if not isinstance(value, str) or len(value) > spec.max_len:
        raise Rejected(ErrorCode.INVALID,
                       f"setting '{name}' must be a text of at most {spec.max_len} "
                       "characters", setting=name)
    text = nfc(value.strip())
    if spec.choices and text not in spec.choices:
        raise Rejected(ErrorCode.INVALID,
                       f"setting '{name}' must be one of {', '.join(spec.choices)}",
                       setting=name)
    if spec.rule:
        try:
            parse_rule(text)
        except RuleError as exc:
            raise Rejected(ErrorCode.INVALID, f"setting '{name}': {exc.message}",
                           setting=name) from None
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


# ---- the settings as the rules read them ---------------------------------------------------

DeviceCheckin = Literal["tap", "connect", "off"]
BadgeSignIn = Literal["off", "checked_in", "open", "seat_tablets"]


@dataclass(frozen=True)
class MeetingSettings:
    """Every setting of one meeting, typed, defaults from the table above (one field per row,
    same name; checked when this module loads). Read it with ``settings_of(state)``."""

    device_checkin: DeviceCheckin
    hybrid: bool
    badge_sign_in: BadgeSignIn
    proxy_limit: int
    proxies_count_for_quorum: bool
    require_check_in: bool
    require_quorum_to_open: bool
    majority: str
    parent_organisation: str
    reference: str
    city: str

    @staticmethod
    def of(settings: Mapping[str, Any]) -> MeetingSettings:
        """The typed settings of a ``MeetingInfo.settings`` map; a setting missing from it
        takes the table's default."""
        return MeetingSettings(**{s.name: _read(s, settings.get(s.name)) for s in _SETTINGS})


def _read(spec: Setting, value: Any) -> Any:
    """``value`` as the rules read it. The table checked every value a meeting was given, but
    a log written before that may hold anything: what cannot be read as the setting's kind
    reads as its default rather than stopping the meeting."""
    if value is None:
        return spec.default
    if spec.kind == "bool":
        return bool(value)
    if spec.kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            return spec.default
    if not isinstance(value, str) or (spec.choices and value not in spec.choices):
        return spec.default
    return value


def _field_type(spec: Setting) -> Any:
    """The type a ``MeetingSettings`` field has for a row of the table."""
    if spec.choices:
        return Literal[spec.choices]
    return {"bool": bool, "int": int, "text": str}[spec.kind]


# The dataclass repeats the table's names and kinds so that mypy knows them; this makes sure
# the two never disagree (a row added to the table without its field fails at import).
if get_type_hints(MeetingSettings) != {s.name: _field_type(s) for s in _SETTINGS}:
    raise RuntimeError("MeetingSettings must have one field per row of the settings table, "
                       "of the row's kind (a Literal of its choices for a text with choices)")


@memo.by_state
def settings_of(state: MeetingState) -> MeetingSettings:
    """The meeting's settings as the rules read them (memoised: a state never changes)."""
    return MeetingSettings.of(state.info.settings)
