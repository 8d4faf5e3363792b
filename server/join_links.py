"""Join links as the shell hands them out: signed for the participant's current credential
generation (rooms/credentials.py), so that a reissue or a badge sign-in revokes the older
ones, and expiring ``token_ttl`` after issue."""

from __future__ import annotations

from rooms.credentials import generation
from rooms.model import Participant
from rooms.state import MeetingState
from server.runtime import Runtime


def token_expiry(rt: Runtime) -> int:
    # Rounded to the day: links of one generation issued the same day are the same link.
    now = rt.clock.now_ms() // 1000
    return (now + rt.settings.token_ttl) // 86400 * 86400


def join_token(rt: Runtime, state: MeetingState, participant: Participant,
               gen: int | None = None) -> str:
    """The participant's join token at generation ``gen`` (default: the current one)."""
    current = generation(state, participant.id) if gen is None else gen
    return rt.signer.issue(state.id, participant.id, participant.role, token_expiry(rt),
                           generation=current)


def join_url(rt: Runtime, token: str) -> str:
    return f"{rt.settings.base_url}/j/{token}"


def is_current(state: MeetingState, participant: Participant | None, role: object,
               gen: int) -> bool:
    """Is a token for ``role`` at generation ``gen`` still the participant's live credential?"""
    return (participant is not None and participant.role == role
            and gen == generation(state, participant.id))
