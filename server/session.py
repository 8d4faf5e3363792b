"""One WebSocket connection's lifecycle as a state table, with no socket, clock or asyncio.

Like websockets' sans-I/O ``protocol.py`` and h11's ``_state.py``: the shell (server/ws.py)
feeds an input to ``Session.handle`` (a decoded frame, a protocol error, the token verdict,
the roster lookup, the end of attaching, ...) and carries out the action it gets back (verify
this token, look this participant up, attach, run this command, send this frame, refuse and
close). A test drives every transition without a socket (tests/server/test_session.py).

    AWAITING_HELLO --hello--> AUTHENTICATING --token ok--> AUTHORIZING --on roster--> SYNCING
    SYNCING --attached--> LIVE
    any refusal (bad first frame, bad token, not on roster, store down, protocol error in
    LIVE, role changed, revoked) --> CLOSING;  disconnected (from any state) --> CLOSED

An input the current state has no entry for raises ``SessionError`` and leaves the state as
it was: the shell asked for something the lifecycle does not allow, which is a bug there.

The hot path is a command or ping in LIVE, thousands of tablets, bursts of thousands of
ballots a second: ``handle`` then allocates nothing. The decoded ``Cmd`` is itself the
action "run this command and send its answer", and a ``Ping`` "answer this ping", so no
wrapper object is made per frame; the answer goes straight to the connection's queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from protocol.codec import Codec, encode
from protocol.errors import CloseCode, ErrorCode, ProtocolError
from protocol.messages import Cmd, Error, Hello, Ping
from rooms.model import Participant, Role

if TYPE_CHECKING:
    from server.auth import TokenClaims, TokenError


class State(Enum):
    AWAITING_HELLO = "awaiting_hello"
    AUTHENTICATING = "authenticating"  # the hello's token is being verified
    AUTHORIZING = "authorizing"  # the token's participant is being looked up on the roster
    SYNCING = "syncing"  # attaching to the hub: welcome, then a replay or a snapshot
    LIVE = "live"
    CLOSING = "closing"  # a refusal was sent; the socket is being closed
    CLOSED = "closed"


class SessionError(Exception):
    """An input the current state does not accept; the state is unchanged."""


# ---- inputs (besides the decoded client messages Hello, Cmd, Ping and ProtocolError) --------


@dataclass(frozen=True, slots=True)
class HelloTimeout:
    """No hello arrived within the allowed time."""


@dataclass(frozen=True, slots=True)
class TokenVerified:
    claims: TokenClaims


@dataclass(frozen=True, slots=True)
class TokenRefused:
    error: TokenError


@dataclass(frozen=True, slots=True)
class RosterLookup:
    """The hub's answer: the token's participant, or None when the meeting or the
    participant is not there, the participant's current credential generation, and the
    delegate's one live voting device session ("" when none is pinned:
    rooms/credentials.py ``pinned_session``)."""

    participant: Participant | None
    generation: int = 0
    pinned: str = ""


@dataclass(frozen=True, slots=True)
class StoreUnavailable:
    """The hub could not be loaded: the store is unreachable."""


@dataclass(frozen=True, slots=True)
class Attached:
    """Welcome and the replay or snapshot are sent; live delivery has begun."""


@dataclass(frozen=True, slots=True)
class AttachFailed:
    """The store went away while attaching (resuming)."""


@dataclass(frozen=True, slots=True)
class RoleChanged:
    """The participant's role on the roster is now ``role`` (server/identity_live.py)."""

    role: Role


@dataclass(frozen=True, slots=True)
class Revoked:
    """The participant's access was withdrawn: removed, link reissued, or signed in on
    another device (server/identity_live.py); ``message`` tells the tablet which."""

    message: str = "your access was revoked"


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The socket is gone: the peer left, or the shell finished closing it."""


HELLO_TIMED_OUT = HelloTimeout()
STORE_UNAVAILABLE = StoreUnavailable()
ATTACHED = Attached()
ATTACH_FAILED = AttachFailed()
REVOKED = Revoked()
DISCONNECTED = Disconnected()

Input = (
    Hello
    | Cmd
    | Ping
    | ProtocolError
    | HelloTimeout
    | TokenVerified
    | TokenRefused
    | RosterLookup
    | StoreUnavailable
    | Attached
    | AttachFailed
    | RoleChanged
    | Revoked
    | Disconnected
)


# ---- actions (besides Cmd: run it and send the answer; Ping: answer with a pong) ---------


@dataclass(frozen=True, slots=True)
class VerifyToken:
    """Verify the token for this meeting at the current time; feed TokenVerified or
    TokenRefused."""

    token: str


@dataclass(frozen=True, slots=True)
class FindParticipant:
    """Load the meeting's hub and look the participant up; feed RosterLookup, or
    StoreUnavailable when the store cannot be reached."""

    participant_id: str


@dataclass(frozen=True, slots=True)
class Attach:
    """Attach a connection for ``participant`` to the hub, resuming from ``position`` when
    given; feed Attached, or AttachFailed when the store goes away meanwhile."""

    participant: Participant
    position: tuple[str, int] | None


@dataclass(frozen=True, slots=True)
class Refuse:
    """Send ``frame`` (an error), then close the socket with ``code`` and ``reason``."""

    frame: bytes | str
    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class Close:
    """Close the socket with ``code`` and ``reason``, sending nothing first."""

    code: int
    reason: str


# An encoded frame (bytes or str) as an action means: send it.
Action = VerifyToken | FindParticipant | Attach | Cmd | Ping | bytes | str | Refuse | Close | None
# Actions after which the session is CLOSING, whatever the table's target state.
_ENDINGS = (Refuse, Close)

NOT_ON_ROSTER = "this participant is not on the roster"
STORE_DOWN = "the store is unreachable; retry shortly"
REPLACED = "this link was replaced; ask the desk for a new one"
ELSEWHERE = "you signed in on another device; open your link again to vote here"


class Session:
    __slots__ = ("codec", "state", "position", "participant_id", "role", "generation", "purpose",
                 "session_id", "_row")

    def __init__(self, codec: Codec) -> None:
        self.codec = codec
        self.state = State.AWAITING_HELLO
        self.position: tuple[str, int] | None = None
        self.participant_id = ""
        self.role: Role | None = None
        self.generation = 0
        # j: a join link; k, h, s: a kiosk's, hall screen's or seat tablet's (server/devices.py)
        self.purpose = "j"
        self.session_id = ""  # the device session's public id (server/device_sessions.py)
        self._row = _TABLE[State.AWAITING_HELLO]

    def handle(self, event: Input) -> Action:
        """Take one input; return what the shell must do. Raises SessionError, leaving the
        state unchanged, when the current state has no entry for this input."""
        step = self._row.get(event.__class__)
        if step is None:
            raise SessionError(f"{type(event).__name__} is not expected in state {self.state.name}")
        handler, target = step
        if handler is None:
            # A command or ping when live: the message is itself the action, and the state
            # stays. The hot path, so nothing more is done or made.
            return event  # type: ignore[return-value]
        action = handler(self, event)
        if isinstance(action, _ENDINGS):
            target = State.CLOSING
        if target is not self.state:
            self.state = target
            self._row = _TABLE[target]
        return action

    def refuse(
        self, code: str, message: str, close_code: int, reason: str = "",
        details: dict[str, Any] | None = None,
    ) -> Refuse:
        frame = encode(Error(code=code, message=message, details=details or {}), self.codec)
        return Refuse(frame, close_code, reason or message)


# ---- transitions -----------------------------------------------------------------------
# Each handler returns the action; the table below says which state follows, unless the
# action is a refusal or a close, which always leads to CLOSING.


def _verify(s: Session, hello: Hello) -> Action:
    s.position = (hello.resume.epoch, hello.resume.seq) if hello.resume else None
    return VerifyToken(hello.token)


def _not_hello(s: Session, _msg: Cmd | Ping) -> Action:
    return s.refuse(
        ErrorCode.UNAUTHENTICATED, "the first message must be hello", CloseCode.UNAUTHENTICATED
    )


def _protocol_error(s: Session, exc: ProtocolError) -> Action:
    return s.refuse(exc.code, exc.message, exc.close_code, details=exc.details)


def _hello_timeout(_s: Session, _event: HelloTimeout) -> Action:
    return Close(CloseCode.HELLO_TIMEOUT, "no hello")


def _token_verified(s: Session, event: TokenVerified) -> Action:
    s.participant_id = event.claims.participant_id
    s.role = event.claims.role
    s.generation = event.claims.generation
    s.purpose = event.claims.purpose
    s.session_id = event.claims.session
    return FindParticipant(s.participant_id)


def _token_refused(s: Session, event: TokenRefused) -> Action:
    return s.refuse(event.error.code, event.error.message, CloseCode.UNAUTHENTICATED)


def _roster(s: Session, event: RosterLookup) -> Action:
    participant = event.participant
    # A token keeps the role it was issued for: one issued before a role change is refused.
    if participant is None or participant.role != s.role:
        return s.refuse(ErrorCode.FORBIDDEN, NOT_ON_ROSTER, CloseCode.FORBIDDEN)
    if event.generation != s.generation:
        # Reissued, or signed in on another device since: this link no longer opens.
        return s.refuse(ErrorCode.BAD_TOKEN, REPLACED, CloseCode.UNAUTHENTICATED)
    if event.pinned and event.pinned != s.session_id:
        # The delegate votes from another device now (or exchanged this link there).
        return s.refuse(ErrorCode.BAD_TOKEN, ELSEWHERE, CloseCode.UNAUTHENTICATED)
    return Attach(participant, s.position)


def _store_unavailable(s: Session, _event: StoreUnavailable) -> Action:
    return s.refuse(ErrorCode.UNAVAILABLE, STORE_DOWN, CloseCode.TRY_AGAIN_LATER)


def _attach_failed(s: Session, _event: AttachFailed) -> Action:
    # Tell the tablet to come back rather than just dropping it.
    return s.refuse(
        ErrorCode.UNAVAILABLE, STORE_DOWN, CloseCode.TRY_AGAIN_LATER, "store unavailable"
    )


def _nothing(_s: Session, _event: object) -> Action:
    return None


def _hello_twice(s: Session, _hello: Hello) -> Action:
    # Well-framed but out of place: answered, and the connection stays.
    return encode(Error(code=ErrorCode.MALFORMED, message="hello sent twice"), s.codec)


def _role_changed(s: Session, event: RoleChanged) -> Action:
    if event.role == s.role:
        return None
    # The token names the old role, so it is refused on reconnect too: a new link is needed.
    return s.refuse(
        ErrorCode.FORBIDDEN, "your role changed; join again with your new link", CloseCode.FORBIDDEN
    )


def _revoked(s: Session, event: Revoked) -> Action:
    return s.refuse(ErrorCode.UNAUTHENTICATED, event.message, CloseCode.UNAUTHENTICATED)


Handler = Callable[[Session, Any], Action]
# state -> input type -> (handler, next state unless the action ends the session); no handler:
# the input is passed on as the action.
_TABLE: dict[State, dict[type, tuple[Handler | None, State]]] = {
    State.AWAITING_HELLO: {
        Hello: (_verify, State.AUTHENTICATING),
        Cmd: (_not_hello, State.CLOSING),
        Ping: (_not_hello, State.CLOSING),
        ProtocolError: (_protocol_error, State.CLOSING),
        HelloTimeout: (_hello_timeout, State.CLOSING),
        Disconnected: (_nothing, State.CLOSED),
    },
    State.AUTHENTICATING: {
        TokenVerified: (_token_verified, State.AUTHORIZING),
        TokenRefused: (_token_refused, State.CLOSING),
        # A device session is looked up in the store (server/device_sessions.py).
        StoreUnavailable: (_store_unavailable, State.CLOSING),
        Disconnected: (_nothing, State.CLOSED),
    },
    State.AUTHORIZING: {
        RosterLookup: (_roster, State.SYNCING),
        StoreUnavailable: (_store_unavailable, State.CLOSING),
        Disconnected: (_nothing, State.CLOSED),
    },
    State.SYNCING: {
        Attached: (_nothing, State.LIVE),
        AttachFailed: (_attach_failed, State.CLOSING),
        Disconnected: (_nothing, State.CLOSED),
    },
    State.LIVE: {
        Cmd: (None, State.LIVE),
        Ping: (None, State.LIVE),
        Hello: (_hello_twice, State.LIVE),
        ProtocolError: (_protocol_error, State.CLOSING),
        RoleChanged: (_role_changed, State.LIVE),
        Revoked: (_revoked, State.CLOSING),
        Disconnected: (_nothing, State.CLOSED),
    },
    State.CLOSING: {
        # Already on the way out: nothing more to say.
        RoleChanged: (_nothing, State.CLOSING),
        Revoked: (_nothing, State.CLOSING),
        Disconnected: (_nothing, State.CLOSED),
    },
    State.CLOSED: {},
}
