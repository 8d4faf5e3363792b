"""The demo congress (server/assets/demo: congress.toml and roster.csv, a copy of the shared
data so the repo works on its own): one meeting with its roster, a hall screen and a kiosk
observer, loaded once and reused on later ``--demo`` starts.

Features that have demo content (agenda, polls) provide ``demo_setup(rt, meeting_id,
congress)`` in their server module; it is called after the roster is in.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from rooms.credentials import DEVICES, generation
from rooms.model import Actor, Role
from rooms.roster import parse_roster_csv
from server import features
from server.config import Settings
from server.devices import PURPOSE
from server.join_links import join_token, join_url, token_expiry
from server.runtime import Runtime

DEMO_KEY = "ph:demo"


def demo_files() -> tuple[dict[str, Any], bytes]:
    base = resources.files("server").joinpath("assets/demo")
    congress = tomllib.loads(base.joinpath("congress.toml").read_text("utf-8"))
    roster = base.joinpath("roster.csv").read_bytes()
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
    existing = await rt.redis.get(DEMO_KEY)
    if existing is not None and await rt.store.exists(existing.decode()):
        return str(existing.decode())
    congress, roster = demo_files()
    meeting = congress["meeting"]
    admin = Actor.admin()
    meeting_id = await rt.commands.create_meeting(
        {
            "title": meeting["title"],
            "title_en": meeting.get("title_en", ""),
            "place": meeting.get("place", ""),
            "organisation": "ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM TỈNH QUẢNG NINH",
            "timezone": meeting.get("timezone", "Asia/Ho_Chi_Minh"),
            "starts": meeting.get("starts", ""),
            "ends": meeting.get("ends", ""),
            "quorum": meeting.get("quorum", "more than 1/2 of delegates present"),
        },
        admin,
    )
    rows = [{**p.to_dict(), "code": p.id} for p in parse_roster_csv(roster)]
    outcome = await rt.commands.execute(meeting_id, admin, "roster.import", {"participants": rows})
    if not outcome.ok:
        raise RuntimeError(f"demo roster import failed: {outcome.message}")
    # The hall screen and the check-in kiosk are paired devices with their own credentials
    # (server/devices.py), not participants with a join link.
    for kind in ("screen", "kiosk"):
        outcome = await rt.commands.execute(meeting_id, admin, "device.pair", {"kind": kind})
        if not outcome.ok:
            raise RuntimeError(f"demo device {kind} failed: {outcome.message}")
    for module in features.modules():
        setup = getattr(module, "demo_setup", None)
        if setup is not None:
            await setup(rt, meeting_id, congress)
    await rt.redis.set(DEMO_KEY, meeting_id)
    return meeting_id


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
                        ("Bàn điểm danh / Check-in kiosk (device)", "kiosk")):
        pid, _name, role = DEVICES[kind]
        token = rt.signer.issue(meeting_id, pid, role, token_expiry(rt), purpose=PURPOSE[kind],
                                generation=generation(hub_state, pid))
        out.append((label, join_url(rt, token)))
    out.append(("Meeting id", meeting_id))
    return out
