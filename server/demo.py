"""The demo congress (server/assets/demo: congress.toml and roster.csv, a copy of the shared
data so the repo works on its own): the meeting its definition describes (docs/definition.md:
9 agenda items, placeholder documents, prepared polls, made by server/definition_import.py
as any imported definition is), its roster, a hall screen, a kiosk and a seat tablet; loaded once
and reused on later ``--demo`` starts.
"""

from __future__ import annotations

import secrets
from importlib import resources
from typing import Any

from rooms.credentials import DEVICES, generation
from rooms.definition import Definition, loads_toml
from rooms.model import Actor, Role
from rooms.roster import parse_roster_csv
from server.config import Settings
from server.definition_import import import_definition
from server.devices import PURPOSE
from server.join_links import join_token, join_url, token_expiry
from server.runtime import Runtime
from server.store import reply_text

DEMO_KEY = "ph:demo"


def demo_files() -> tuple[Definition, bytes]:
    base = resources.files("server").joinpath("assets/demo")
    congress = loads_toml(base.joinpath("congress.toml").read_text("utf-8"))
    roster = base.joinpath(congress.meeting.roster or "roster.csv").read_bytes()
    return congress, roster


async def load_demo(settings: Settings) -> list[tuple[str, str]]:
    from server.app import build_runtime

    rt = await build_runtime(settings)
    await rt.hubs.start()
    try:
        meeting_id = await _ensure_meeting(rt)
        return await links(rt, meeting_id)
    finally:
        await rt.hubs.stop()
        await rt.redis.aclose()


async def _ensure_meeting(rt: Runtime) -> str:
    stored = await rt.redis.get(DEMO_KEY)
    existing = None if stored is None else reply_text(stored)
    if existing is not None and await rt.store.exists(existing):
        # A demo made by an older version may lack a kind of device: pairing is idempotent.
        await _pair_devices(rt, existing)
        return existing
    congress, roster = demo_files()
    meeting_id = await import_definition(rt, congress)
    rows = [{**p.to_dict(), "code": p.id} for p in parse_roster_csv(roster)]
    outcome = await rt.commands.execute(meeting_id, Actor.admin(), "roster.import",
                                        {"participants": rows})
    if not outcome.ok:
        raise RuntimeError(f"demo roster import failed: {outcome.message}")
    await _pair_devices(rt, meeting_id)
    await rt.redis.set(DEMO_KEY, meeting_id)
    return meeting_id


async def _pair_devices(rt: Runtime, meeting_id: str) -> None:
    """The hall screen, the check-in kiosk and a seat tablet are paired devices with their
    own credentials (server/devices.py), not participants with a join link."""
    for kind in ("screen", "kiosk", "seat"):
        outcome = await rt.commands.execute(meeting_id, Actor.admin(), "device.pair",
                                            {"kind": kind})
        if not outcome.ok:
            raise RuntimeError(f"demo device {kind} failed: {outcome.message}")


async def links(rt: Runtime, meeting_id: str) -> list[tuple[str, str]]:
    hub = await rt.hubs.get(meeting_id)
    hub_state = hub.state if hub is not None else None
    assert hub_state is not None
    out: list[tuple[str, str]] = []
    people = list(hub_state.participants.values())
    picks: list[tuple[str, Any]] = []
    for label, role, count in (
        ("Chủ tọa / Chair", Role.CHAIR, 1),
        ("Thư ký / Secretary", Role.SECRETARY, 1),
        ("Đại biểu / Delegate", Role.DELEGATE, 3),
    ):
        chosen = [p for p in people if p.role == role][:count]
        picks += [(f"{label}: {p.full_name}", p) for p in chosen]
    for label, p in picks:
        out.append((label, join_url(rt, join_token(rt, hub_state, p))))
    for label, kind in (("Màn hình hội trường / Hall screen (device)", "screen"),
                        ("Bàn điểm danh / Check-in kiosk (device)", "kiosk"),
                        ("Máy tính bảng tại ghế / Seat tablet (device)", "seat")):
        pid, _name, role = DEVICES[kind]
        # Pairing codes, each good for one device, distinct on every start.
        token = rt.signer.issue(meeting_id, pid, role, token_expiry(rt), purpose=PURPOSE[kind],
                                generation=generation(hub_state, pid),
                                nonce=secrets.token_hex(8))
        out.append((label, join_url(rt, token)))
    out.append(("Trang tổ chức / Organiser page", f"{rt.settings.base_url}/admin"))
    out.append(("Meeting id", meeting_id))
    return out
