"""The Redis store: every meeting's event log, its meta data and the atomic write path.

Keys (all of one meeting share the hash tag ``{m}``, so a meeting lives in one Redis Cluster
slot and every script touches one slot):

``ph:{m}:meta``  hash
    ``epoch``  random id of this log's life; a new epoch means positions from before are void
    ``seq``    the last seq appended (gap-free, starting at 1)
    ``hash``   the hash-chain value after the last event (see protocol/canonical.py)
    ``v:ROLE`` the last seq that ROLE could see, giving each event its per-audience ``prev``
    ``created`` creation time, ms
``ph:{m}:log``   stream, the append-only event log; entry id ``SEQ-0``; fields
    ``e`` canonical msgpack of the event, ``h`` chain hash after it, ``v`` comma list of the
    roles that see it, ``p`` msgpack map role → previous seq that role saw
``ph:{m}:cmd:PID:CID``  string, ``LASTSEQ:ACK`` of an applied command, so a retry of the same
    client command id is acked again and not applied twice (expires after ``DEDUPE_TTL``)
``ph:{m}:bus``   pub/sub channel: every appended event, msgpack ``[seq, e, h, v, p]``
``ph:meetings``  sorted set of meeting ids by creation time (the one key outside any meeting)
``ph:secret``    only in data of older versions: the token key, moved at start into the key
    file outside Redis and deleted (see server/keys.py)
``ph:key-id``    the public id of the server key in use, so a process with another key file
    refuses to start (server/keys.py)
``ph:admin``     sha256 of the admin bearer token

Feature modules add keys under the same ``ph:{m}:`` prefix and list them where they write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import msgpack
import redis.asyncio as aioredis

from protocol.canonical import canonical_bytes, digest
from rooms.model import Event, Role

DEDUPE_TTL = 7 * 24 * 3600
MEETINGS = "ph:meetings"
SECRET = "ph:secret"
KEY_ID = "ph:key-id"
ADMIN = "ph:admin"

GuardOp = Literal["setnx", "eq", "absent", "set", "del", "push", "incr", "sadd", "put"]


def k(meeting_id: str, name: str) -> str:
    return f"ph:{{{meeting_id}}}:{name}"


@dataclass(frozen=True)
class Guard:
    """One per-key condition or write, run atomically with the append.

    ``setnx`` fails if ``field`` exists in hash ``key`` and otherwise writes ``value``;
    ``eq`` fails unless the field equals ``value`` ("" = absent); ``absent`` fails if the key
    exists; the rest only write (hash set/del/incr, list push, set add, plain string put).
    """

    op: GuardOp
    key: str
    field: str = ""
    value: str | bytes | int = ""


@dataclass(frozen=True)
class LogEntry:
    seq: int
    event: Event
    hash: str
    audience: frozenset[str]
    prev: dict[str, int]

    @staticmethod
    def decode(seq: int, e: bytes, h: bytes | str, v: bytes | str, p: bytes) -> LogEntry:
        vis = v.decode() if isinstance(v, bytes) else v
        return LogEntry(
            seq=seq,
            event=Event.from_dict(msgpack.unpackb(e, raw=False)),
            hash=h.decode() if isinstance(h, bytes) else h,
            audience=frozenset(r for r in vis.split(",") if r),
            prev=dict(msgpack.unpackb(p, raw=False)) if p else {},
        )


@dataclass(frozen=True)
class AppendResult:
    status: Literal["ok", "dup", "conflict", "guard"]
    first: int = 0
    last: int = 0
    hash: str = ""
    ack: bytes = b""  # the stored ack on "dup"
    guard_index: int = -1
    guard_value: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)


class Store:
    def __init__(self, client: aioredis.Redis) -> None:
        self.redis = client
        source = resources.files("server").joinpath("lua/append.lua").read_text("utf-8")
        self._append = client.register_script(source)

    # ---- writes ------------------------------------------------------------------------

    async def append(
        self,
        meeting_id: str,
        events: Sequence[tuple[Event, Iterable[Role]]],
        *,
        expected_seq: int | None = None,
        dedupe: tuple[str, bytes] | None = None,
        guards: Sequence[Guard] = (),
    ) -> AppendResult:
        """Append ``events`` (each with the roles that see it) in one atomic step."""
        keys = [k(meeting_id, "meta"), k(meeting_id, "log")]
        keys.append(dedupe[0] if dedupe else k(meeting_id, "cmd:-"))
        argv: list[Any] = [
            "" if expected_seq is None else str(expected_seq),
            dedupe[1] if dedupe else "",
            DEDUPE_TTL,
            k(meeting_id, "bus"),
            len(events),
            len(guards),
        ]
        for event, roles in events:
            data = canonical_bytes(event.to_dict())
            argv += [data, ",".join(sorted(r.value for r in roles)), digest(data)]
        key_index: dict[str, int] = {}
        for guard in guards:
            if guard.key not in key_index:
                keys.append(guard.key)
                key_index[guard.key] = len(keys)
            argv += [guard.op, key_index[guard.key], guard.field, guard.value]
        reply = await self._append(keys=keys, args=argv)
        status = reply[0].decode()
        if status == "ok":
            return AppendResult("ok", int(reply[1]), int(reply[2]), reply[3].decode())
        if status == "dup":
            last, _, ack = bytes(reply[1]).partition(b":")
            return AppendResult("dup", last=int(last), ack=ack)
        if status == "conflict":
            return AppendResult("conflict", last=int(reply[1]))
        return AppendResult("guard", guard_index=int(reply[1]), guard_value=bytes(reply[2]))

    async def guard_batch(
        self, meeting_id: str, items: Sequence[Sequence[Guard]]
    ) -> list[AppendResult]:
        """Independent guarded writes (no events), each atomic, in one round trip. Every
        key must belong to ``meeting_id`` (one cluster slot)."""
        keys: list[str] = []
        key_index: dict[str, int] = {}
        argv: list[Any] = ["batch", len(items)]
        for guards in items:
            argv.append(len(guards))
            for guard in guards:
                if guard.key not in key_index:
                    keys.append(guard.key)
                    key_index[guard.key] = len(keys)
                argv += [guard.op, key_index[guard.key], guard.field, guard.value]
        replies = await self._append(keys=keys, args=argv)
        out: list[AppendResult] = []
        for reply in replies:
            if reply[0] == b"ok":
                out.append(AppendResult("ok"))
            else:
                out.append(
                    AppendResult("guard", guard_index=int(reply[1]), guard_value=bytes(reply[2]))
                )
        return out

    # ---- reads -------------------------------------------------------------------------

    async def meta(self, meeting_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(k(meeting_id, "meta"))
        return {a.decode(): b.decode() for a, b in raw.items()}

    async def read_log(
        self, meeting_id: str, after: int = 0, until: int | None = None, count: int | None = None
    ) -> list[LogEntry]:
        """Entries with ``after < seq <= until``, in order."""
        start = f"{after + 1}-0"
        end = "+" if until is None else f"{until}-0"
        out: list[LogEntry] = []
        batch = 1000 if count is None else min(count, 1000)
        while True:
            rows = await self.redis.xrange(k(meeting_id, "log"), start, end, count=batch)
            for entry_id, fields in rows:
                seq = int(entry_id.split(b"-")[0])
                out.append(
                    LogEntry.decode(seq, fields[b"e"], fields[b"h"], fields[b"v"], fields[b"p"])
                )
            if len(rows) < batch or (count is not None and len(out) >= count):
                return out if count is None else out[:count]
            start = f"{int(rows[-1][0].split(b'-')[0]) + 1}-0"

    async def meeting_ids(self) -> list[str]:
        return [m.decode() for m in await self.redis.zrange(MEETINGS, 0, -1)]

    async def exists(self, meeting_id: str) -> bool:
        return bool(await self.redis.hexists(k(meeting_id, "meta"), "epoch"))
