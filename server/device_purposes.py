"""What a device credential may do: a token's purpose letter (server/auth.py) and the commands
each purpose may send over the WebSocket (server/ws.py). ``j`` is a join link (not limited
here), ``k`` a check-in kiosk, ``h`` a hall screen, ``s`` a shared seat tablet
(server/devices.py pairs them). A seat tablet's own session sends nothing: it only signs
delegates in (``POST /api/badge-login``), each then with a session of their own."""

from __future__ import annotations

# The commands a token of each device purpose may send.
ALLOWED: dict[str, frozenset[str]] = {
    "k": frozenset({"checkin.scan", "checkin.out"}),
    "h": frozenset(),
    "s": frozenset(),
}
SESSION_PURPOSES = frozenset({"j", *ALLOWED})


def may_send(purpose: str, kind: str) -> bool:
    allowed = ALLOWED.get(purpose)
    return allowed is None or kind in allowed


def purpose_of(token: str) -> str:
    """The purpose letter a session token claims (checked by the signature afterwards): the
    first letter of its kind part, whatever follows it (a generation, a pairing nonce)."""
    parts = token.strip().split("~")
    letter = parts[2][:1] if len(parts) == 5 else ""
    return letter if letter in SESSION_PURPOSES else "j"
