"""Reading a scanned badge: the participant its signed token names, or a rejection the kiosk
shows as is. The deciders get this through ``rooms.decision.Context.badge``; the signing key
stays in the shell."""

from __future__ import annotations

from protocol.errors import ErrorCode
from rooms.model import Rejected
from server.auth import Signer, TokenError

_BADGE_MESSAGES = {
    ErrorCode.BAD_TOKEN: "Thẻ không hợp lệ / not a valid badge (unreadable, forged or not a badge)",
    ErrorCode.TOKEN_EXPIRED: "Thẻ đã hết hạn / this badge has expired; print a new one",
    ErrorCode.WRONG_MEETING: "Thẻ của cuộc họp khác / this badge is for another meeting",
}


def badge_participant(signer: Signer, meeting_id: str, token: str, now_ms: int) -> str:
    try:
        claims = signer.verify(token, now_ms // 1000, meeting_id, purpose="b")
    except TokenError as exc:
        raise Rejected(exc.code, _BADGE_MESSAGES.get(exc.code, exc.message),
                       reason="bad_badge", detail=exc.message) from None
    return claims.participant_id
