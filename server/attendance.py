"""The server side of attendance: badge tokens and images, device check-in on connect, live
quorum, the desk search, exports and the ``run.py badges`` command. Check-ins and proxies are
decisions (rooms/attendance_commands.py, where the ``ph:{m}:att`` guard is described).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
import weakref
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from protocol.codec import encode
from protocol.messages import Live
from rooms import aggregate
from rooms.attendance import Row, me, rows, search
from rooms.attendance_commands import touched
from rooms.attendance_state import attendance
from rooms.minutes_model import AttendanceRow
from rooms.model import STAFF, Actor, Participant, Role
from rooms.quorum import quorum
from rooms.quorum_history import quorum_at
from rooms.settings import settings_of
from rooms.state import MeetingState
from rooms.timezone import zone as meeting_zone
from server.api import meeting_state, runtime
from server.auth import Signer
from server.connection import Connection
from server.errors import ApiError
from server.http_auth import require_actor
from server.hub import MeetingHub
from server.runtime import Runtime
from server.store import LogEntry

ATT = "att"
QUORUM_ROLES = frozenset({Role.CHAIR, Role.SECRETARY, Role.SCREEN})
COUNT_ROLES = frozenset({Role.DELEGATE, Role.OBSERVER})
# Quorum is recomputed (a pass over the roster) at most this often per meeting, however fast
# check-ins arrive; hub.set_live then coalesces what goes out on the wire.
QUORUM_DEBOUNCE = 0.05
_QUORUM_KINDS = frozenset({"meeting.created", "meeting.updated", "roster.imported",
                           "participant.added", "participant.updated", "participant.removed"})
_CHECK_IN_KINDS = frozenset({"checkin.scan", "checkin.self", "checkin.manual"})


# ---- time of day, in the meeting's timezone --------------------------------------------------


def zone(state: MeetingState) -> ZoneInfo:
    # One rule with the minutes: an unknown zone is the product's home zone (rooms/timezone.py).
    return meeting_zone(state)


def local(state: MeetingState, ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, zone(state))


# ---- badges and their tokens -----------------------------------------------------------------


def badge_expiry(state: MeetingState, ttl: int, now: int | None = None) -> int:
    """Badges outlive join links: until the day after the meeting ends, and at least ``ttl``
    from now; rounded to the day so that a reprint carries the same token."""
    now_s = int(time.time()) if now is None else now
    expiry = now_s + ttl
    with contextlib.suppress(ValueError):
        ends = datetime.fromisoformat(state.info.ends)
        if ends.tzinfo is None:
            ends = ends.replace(tzinfo=zone(state))
        expiry = max(expiry, int((ends + timedelta(days=1)).timestamp()))
    return (expiry // 86400 + 1) * 86400


def badge_token(signer: Signer, state: MeetingState, participant: Participant, ttl: int) -> str:
    return signer.issue(state.id, participant.id, participant.role, badge_expiry(state, ttl),
                        purpose="b")


def badge_infos(signer: Signer, state: MeetingState, ttl: int,
                only: set[str] | None = None) -> list[Any]:
    from server.badges import BadgeInfo

    return [
        BadgeInfo(code=p.id, full_name=p.full_name, delegation=p.delegation, title=p.title,
                  seat=p.seat, role=p.role.value, token=badge_token(signer, state, p, ttl))
        for p in state.participants.values()
        if p.role != Role.SCREEN and (only is None or p.id in only)
    ]


# ---- live: quorum, personal state, device check-in on connect ---------------------------------


class AttendanceLive:
    """Per process: each meeting's connections by participant (for personal messages) and
    the debounced quorum recomputation."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.by_participant: weakref.WeakKeyDictionary[
            MeetingHub, dict[str, set[Connection]]
        ] = weakref.WeakKeyDictionary()
        self.pending: weakref.WeakSet[MeetingHub] = weakref.WeakSet()

    def on_entry(self, hub: MeetingHub, entry: LogEntry) -> None:
        kind = entry.event.kind
        mine = kind.startswith(("attendance.", "proxy."))
        if mine and hub.state is not None:
            for pid in touched([entry.event]):
                self.send_me(hub, pid)
        if (mine or kind in _QUORUM_KINDS) and hub not in self.pending:
            self.pending.add(hub)
            asyncio.get_running_loop().call_later(QUORUM_DEBOUNCE, self.publish_quorum, hub)

    def publish_quorum(self, hub: MeetingHub) -> None:
        self.pending.discard(hub)
        if hub.state is None:
            return
        q = quorum(hub.state, int(time.time() * 1000))
        body = q.to_dict()
        body.pop("at")  # a changing time would defeat set_live's "same value" check
        hub.set_live("quorum", QUORUM_ROLES, body)
        hub.set_live("presence", COUNT_ROLES, q.counts())

    def send_me(self, hub: MeetingHub, participant_id: str) -> None:
        conns = self.by_participant.get(hub, {}).get(participant_id)
        if not conns or hub.state is None:
            return
        body = {"attendance": me(hub.state, participant_id)}
        frames: dict[str, bytes | str] = {}
        for conn in list(conns):
            if conn.codec not in frames:
                frames[conn.codec] = encode(Live("me", body), conn.codec)
            conn.send(frames[conn.codec])

    async def on_connect(self, hub: MeetingHub, conn: Connection) -> None:
        self.by_participant.setdefault(hub, {}).setdefault(conn.participant_id, set()).add(conn)
        state = hub.state
        if state is None:
            return
        if conn.role == Role.DELEGATE and settings_of(state).device_checkin == "connect":
            await self.rt.commands.execute(hub.meeting_id, Actor(conn.participant_id, conn.role),
                                           "checkin.self", {})
        self.send_me(hub, conn.participant_id)

    async def on_disconnect(self, hub: MeetingHub, conn: Connection) -> None:
        conns = self.by_participant.get(hub, {}).get(conn.participant_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self.by_participant[hub][conn.participant_id]


def setup(rt: Runtime) -> None:
    live = AttendanceLive(rt)
    rt.extra["attendance"] = live
    rt.hubs.live_hooks.append(live.on_entry)
    rt.on_connect.append(live.on_connect)
    rt.on_disconnect.append(live.on_disconnect)


# ---- HTTP ------------------------------------------------------------------------------------


async def _staff_state(request: Request) -> tuple[Runtime, MeetingState]:
    meeting_id = request.path_params["meeting_id"]
    await require_actor(request, meeting_id, STAFF)
    hub = await meeting_state(request, meeting_id)
    return runtime(request), hub.state


def _no_store(content: bytes, media_type: str, filename: str | None = None) -> Response:
    headers = {"Cache-Control": "no-store"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(content, media_type=media_type, headers=headers)


async def badges_pdf_endpoint(request: Request) -> Response:
    rt, state = await _staff_state(request)
    from server.badges import badges_pdf

    wanted = request.query_params.get("participants")
    only = {p for p in wanted.split(",") if p} if wanted else None
    infos = badge_infos(rt.signer, state, rt.settings.token_ttl, only)
    # A 5,000-badge sheet takes tens of seconds of CPU: off the event loop.
    pdf = await run_in_threadpool(badges_pdf, infos, state.info.title)
    return _no_store(pdf, "application/pdf", f"badges-{state.id}.pdf")


async def badge_image_endpoint(request: Request) -> Response:
    rt, state = await _staff_state(request)
    from server.badges import badge_card_png, badge_png, badge_svg

    pid = request.path_params["participant_id"]
    participant = state.participants.get(pid)
    if participant is None or participant.role == Role.SCREEN:
        raise ApiError(404, "not_found", f"no participant {pid} with a badge")
    token = badge_token(rt.signer, state, participant, rt.settings.token_ttl)
    if request.path_params["ext"] == "svg":
        return _no_store(badge_svg(token), "image/svg+xml")
    if request.path_params["ext"] != "png":
        raise ApiError(404, "not_found", "badges are .png or .svg")
    if request.query_params.get("card") in ("1", "true"):
        info = badge_infos(rt.signer, state, rt.settings.token_ttl, {pid})[0]
        return _no_store(await run_in_threadpool(badge_card_png, info, state.info.title),
                         "image/png")
    return _no_store(badge_png(token), "image/png")


def attendance_rows(state: MeetingState) -> list[AttendanceRow]:
    """The attendance list for the CSV and XLSX tables: status as it stands now, the time of
    the first arrival, the reason of an absence, and the name of a proxy's holder."""
    out = []
    for row in rows(state):
        p, record = row.participant, row.record
        holder = state.participants.get(row.proxy_to) if row.proxy_to else None
        out.append(AttendanceRow(
            code=p.id, full_name=p.full_name, delegation=p.delegation, title=p.title,
            seat=p.seat, status="present" if record.present else "absent",
            # to the second, as a signed list shows it (and as a spreadsheet keeps it)
            checked_in_at=(local(state, record.first_in).replace(microsecond=0)
                           if record.first_in else None),
            absence_reason=record.reason if record.status == "absent" else "",
            proxy_to=holder.full_name if holder else row.proxy_to,
            weight=Decimal(p.weight),
        ))
    return out


def _iso(state: MeetingState, ms: int) -> str | None:
    return local(state, ms).isoformat(timespec="seconds") if ms else None


def attendance_json(state: MeetingState, now: int) -> dict[str, Any]:
    att = attendance(state)

    def row(r: Row) -> dict[str, Any]:
        p, record = r.participant, r.record
        return {
            "code": p.id, "full_name": p.full_name, "delegation": p.delegation,
            "title": p.title, "seat": p.seat, "role": p.role.value, "weight": p.weight,
            "status": record.status, "mode": record.mode, "via": record.via,
            "since": _iso(state, record.at), "checked_in_at": _iso(state, record.first_in),
            "reason": record.reason, "proxy_to": r.proxy_to, "proxies_held": list(r.proxies_held),
            "double_presence": bool(record.others),
        }

    def grant(g: Any) -> dict[str, Any]:
        out = {"from": g.giver, "to": g.holder, "at": _iso(state, g.at), "by": g.by}
        if g.ended_at:
            out |= {"ended_at": _iso(state, g.ended_at), "end_reason": g.end_reason}
        return out

    return {
        "meeting": state.id, "title": state.info.title, "timezone": state.info.timezone,
        "generated_at": _iso(state, now), "seq": state.seq,
        "quorum": quorum(state, now).to_dict(),
        "participants": [row(r) for r in rows(state)],
        "proxies": [grant(g) for g in att.proxies.values()],
        "proxies_ended": [grant(g) for g in att.ended],
    }


async def attendance_export(request: Request) -> Response:
    _rt, state = await _staff_state(request)
    from server.exports.tables import attendance_csv, attendance_xlsx

    ext = request.path_params["ext"]
    lang = request.query_params.get("lang", "vi")
    name = f"attendance-{state.id}.{ext}"
    if ext == "json":
        return JSONResponse(attendance_json(state, int(time.time() * 1000)))
    if ext == "csv":
        return _no_store(attendance_csv(attendance_rows(state), lang),
                         "text/csv; charset=utf-8", name)
    if ext == "xlsx":
        data = await run_in_threadpool(attendance_xlsx, attendance_rows(state), lang)
        return _no_store(
            data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name
        )
    raise ApiError(404, "not_found", "attendance is exported as .csv, .xlsx or .json")


async def search_endpoint(request: Request) -> JSONResponse:
    _rt, state = await _staff_state(request)
    query = request.query_params.get("q", "")[:200]
    try:
        limit = max(1, min(int(request.query_params.get("limit", "20")), 100))
    except ValueError:
        raise ApiError(422, "bad_field", "'limit' must be a number") from None
    att = attendance(state)
    results = []
    for p in search(state, query, limit):
        results.append({**p.to_dict(), "attendance": me(state, p.id)})
        grant = att.proxies.get(p.id)
        if grant is not None:
            results[-1]["attendance"]["proxy_to"] = grant.holder
    return JSONResponse({"query": query, "results": results})


async def quorum_endpoint(request: Request) -> JSONResponse:
    meeting_id = request.path_params["meeting_id"]
    await require_actor(request, meeting_id, STAFF | {Role.SCREEN})
    hub = await meeting_state(request, meeting_id)
    at = request.query_params.get("at")
    now = int(time.time() * 1000)
    if at is None:
        return JSONResponse(quorum(hub.state, now).to_dict())
    try:
        moment = int(at)
    except ValueError:
        try:
            moment = int(datetime.fromisoformat(at).timestamp() * 1000)
        except ValueError:
            raise ApiError(422, "bad_field", "'at' is ms since the epoch or ISO 8601") from None
    entries = await runtime(request).store.read_log(meeting_id)
    try:
        q = quorum_at((e.event for e in entries), moment)
    except ValueError as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    return JSONResponse(q.to_dict())


def _with_ext(handler: Any, ext: str) -> Any:
    async def endpoint(request: Request) -> Response:
        request.path_params["ext"] = ext
        return await handler(request)  # type: ignore[no-any-return]

    return endpoint


_M = "/api/meetings/{meeting_id}"
ROUTES = [
    Route(f"{_M}/badges.pdf", badges_pdf_endpoint, methods=["GET"]),
    *(Route(f"{_M}/participants/{{participant_id}}/badge.{ext}",
            _with_ext(badge_image_endpoint, ext), methods=["GET"]) for ext in ("png", "svg")),
    *(Route(f"{_M}/attendance.{ext}", _with_ext(attendance_export, ext), methods=["GET"])
      for ext in ("json", "csv", "xlsx")),
    Route(f"{_M}/attendance/search", search_endpoint, methods=["GET"]),
    Route(f"{_M}/quorum", quorum_endpoint, methods=["GET"]),
]


# ---- python run.py badges MEETING_ID --out badges.pdf -------------------------------------------


async def load_badges(redis_url: str, meeting_id: str, ttl: int) -> tuple[str, list[Any]] | None:
    """The meeting's title and every badge of its roster, read straight from Redis."""
    from server.app import open_redis
    from server.auth import load_signer
    from server.store import Store

    client = await open_redis(redis_url)
    try:
        store = Store(client)
        if not await store.exists(meeting_id):
            return None
        state = aggregate.fold(e.event for e in await store.read_log(meeting_id))
        signer = await load_signer(client)
    finally:
        await client.aclose()
    return state.info.title, badge_infos(signer, state, ttl)


def badges_command(args: argparse.Namespace) -> int:
    """``run.py badges``: talks to Redis directly (REDIS_URL, the embedded one of a running
    server on ``--data-dir``, or one started here for the job)."""
    from server.badges import badges_pdf
    from server.config import Settings
    from server.progress import ProgressBar

    data_dir = Path(args.data_dir).absolute()
    ttl = Settings.from_env().token_ttl
    from server.embedded_redis import redis_for_tool

    with redis_for_tool(data_dir) as url:
        loaded = asyncio.run(load_badges(url, args.meeting_id, ttl))
    if loaded is None:
        print(f"Không có cuộc họp {args.meeting_id} / no meeting {args.meeting_id}",
              file=sys.stderr)
        return 2
    title, infos = loaded
    pdf = badges_pdf(infos, title, progress=ProgressBar("Thẻ đại biểu / badges"))
    out = Path(args.out)
    out.write_bytes(pdf)
    print(f"{len(infos)} thẻ / badges → {out} ({len(pdf) // 1024} KiB)", file=sys.stderr)
    return 0
