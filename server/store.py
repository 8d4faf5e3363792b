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
``ph:{m}:checkpoint``  hash, a cache of the meeting's folded state so that loading folds only
    the log's tail (server/checkpoints.py): ``state`` the bytes of rooms/checkpoint.py,
    ``seq`` the last event folded into it, ``hash`` the chain hash of the log entry at that seq,
    ``epoch`` the log's epoch. Verified against the log before use, rewritten when it does not
    match; deleting it costs one full fold.
``ph:{m}:bus``   pub/sub channel: every appended event, msgpack ``[seq, e, h, v, p]``
``ph:meetings``  sorted set of meeting ids by creation time (the one key outside any meeting)
``ph:secret``    only in data of older versions: the token key, moved at start into the key
    file outside Redis and deleted (see server/keys.py)
``ph:key-id``    the public id of the server key in use, so a process with another key file
    refuses to start (server/keys.py)
``ph:admin``     sha256 of the admin bearer token

Feature modules add keys under the same ``ph:{m}:`` prefix: the deciders in ``rooms/`` name
them (relative to the prefix) in the guards and reads of their decisions, and list them in
their module docstring; ``Store.append``, ``Store.guard_batch`` and ``Store.read`` add the
prefix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, Protocol, assert_never

import msgpack
import redis.asyncio as aioredis

from protocol.canonical import canonical_bytes, digest
from protocol.errors import ErrorCode
from rooms.decision import Guard, Read, Sealed
from rooms.model import Event, Rejected, Role

DEDUPE_TTL = 7 * 24 * 3600


class Sealer(Protocol):
    def seal(self, plaintext: bytes, *, context: bytes, size: int) -> bytes: ...

    def open(self, sealed: bytes, *, context: bytes) -> bytes: ...
MEETINGS = "ph:meetings"
SECRET = "ph:secret"
KEY_ID = "ph:key-id"
ADMIN = "ph:admin"

def k(meeting_id: str, name: str) -> str:
    return f"ph:{{{meeting_id}}}:{name}"


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


# Every write of a group commit that held: one value (it is frozen), not 500 made alike.
_HELD = AppendResult("ok")


class Store:
    def __init__(self, client: aioredis.Redis, sealer: Sealer | None = None) -> None:
        self.redis = client
        self.sealer = sealer
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
        self._add_guards(meeting_id, guards, keys, {}, argv)
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
        packed: list[Any] = [len(items)]
        for guards in items:
            packed.append(len(guards))
            self._add_guards(meeting_id, guards, keys, key_index, packed)
        # One msgpack argument (the script unpacks it): the client library frames each
        # argument in Python, nine for every ballot of a group commit. The old format (no
        # bin or str8 types): the cmsgpack of Redis's Lua reads no other.
        args = ["batch", msgpack.packb(packed, use_bin_type=False)]
        replies = await self._append(keys=keys, args=args)
        out: list[AppendResult] = []
        for reply in replies:
            if reply[0] == b"ok":
                out.append(_HELD)
            else:
                out.append(
                    AppendResult("guard", guard_index=int(reply[1]), guard_value=bytes(reply[2]))
                )
        return out

    def _add_guards(
        self,
        meeting_id: str,
        guards: Iterable[Guard],
        keys: list[str],
        key_index: dict[str, int],
        argv: list[Any],
    ) -> None:
        for guard in guards:
            index = key_index.get(guard.key)
            if index is None:
                keys.append(k(meeting_id, guard.key))
                index = key_index[guard.key] = len(keys)
            value = guard.value
            if isinstance(value, Sealed):
                value = self._seal(value)
            elif isinstance(value, int):
                # As text, as the client library sends a number: in a batch's msgpack list
                # it would reach the script as a Lua number, never equal to a stored string.
                value = str(value)
            argv += [guard.op, index, guard.field, value]

    def _seal(self, value: Sealed) -> bytes:
        if self.sealer is None:
            raise RuntimeError("a sealed value needs the store's sealer")
        return self.sealer.seal(value.plain, context=value.context, size=value.size)

    # ---- reads -------------------------------------------------------------------------

    async def read(self, meeting_id: str, reads: Sequence[Read]) -> list[Any]:
        """A decision's reads, in one round trip; sealed values come back opened."""
        pipe = self.redis.pipeline(transaction=False)
        for r in reads:
            key = k(meeting_id, r.key)
            match r.op:
                case "hget" | "sismember":
                    getattr(pipe, r.op)(key, r.fields[0])
                case "hmget":
                    pipe.hmget(key, list(r.fields))
                case "hgetall" | "hkeys" | "hvals" | "hlen" | "smembers":
                    getattr(pipe, r.op)(key)
                case _:
                    assert_never(r.op)
        replies = await pipe.execute()
        return [self._opened(r, v) for r, v in zip(reads, replies, strict=True)]

    def _opened(self, read: Read, value: Any) -> Any:
        if read.op in ("hgetall",):
            value = {reply_text(a): bytes(b) for a, b in value.items()}
        elif read.op in ("hkeys", "smembers"):
            value = [reply_text(a) for a in value]
        if read.sealed is None or value is None:
            return value
        if self.sealer is None:
            raise RuntimeError("a sealed read needs the store's sealer")
        sealer, context = self.sealer, read.sealed
        try:
            if read.op == "hgetall":
                return {a: sealer.open(b, context=context) for a, b in value.items()}
            if read.op in ("hvals", "hmget"):
                return [None if b is None else sealer.open(b, context=context) for b in value]
            return sealer.open(bytes(value), context=context)
        except ValueError as exc:  # SealingError: a key missing or a value not ours
            raise Rejected(ErrorCode.INTERNAL, f"sealed ballots cannot be opened ({exc}); "
                           "nothing was counted or changed: restore the key file") from None

    async def meta(self, meeting_id: str) -> dict[str, str]:
        raw = await self.redis.hgetall(k(meeting_id, "meta"))
        return {reply_text(a): reply_text(b) for a, b in raw.items()}

    async def read_log(
        self, meeting_id: str, after: int = 0, until: int | None = None, count: int | None = None
    ) -> list[LogEntry]:
        """Entries with ``after < seq <= until``, in order."""
        start = f"{after + 1}-0"
        end = "+" if until is None else f"{until}-0"
        out: list[LogEntry] = []
        batch = 1000 if count is None else min(count, 1000)
        while True:
            # redis-py's types allow None here; Redis answers XRANGE with a list, empty or not.
            rows = await self.redis.xrange(k(meeting_id, "log"), start, end, count=batch) or []
            out.extend(_log_entry(row) for row in rows)
            if len(rows) < batch or (count is not None and len(out) >= count):
                return out if count is None else out[:count]
            start = f"{_entry_seq(rows[-1][0]) + 1}-0"

    async def entry_hash(self, meeting_id: str, seq: int) -> str | None:
        """The chain hash stored with the log entry at ``seq``, or None when there is none."""
        rows = await self.redis.xrange(k(meeting_id, "log"), f"{seq}-0", f"{seq}-0", count=1)
        if not rows or rows[0][1] is None:
            return None
        return reply_text(rows[0][1][b"h"])

    async def meeting_ids(self) -> list[str]:
        ids: list[str] = []
        for member in await self.redis.zrange(MEETINGS, 0, -1):
            # Asked without scores, members come alone (redis-py's type allows the scored form).
            assert isinstance(member, bytes | str)
            ids.append(reply_text(member))
        return ids

    async def exists(self, meeting_id: str) -> bool:
        return bool(await self.redis.hexists(k(meeting_id, "meta"), "epoch"))


def reply_text(value: bytes | str) -> str:
    """A reply value as text (the store's client keeps replies undecoded)."""
    return value.decode() if isinstance(value, bytes) else value


def reply_bytes(value: bytes | str) -> bytes:
    """A reply value as bytes: the store's client keeps replies undecoded, while redis-py's
    types allow str for clients made with ``decode_responses=True``."""
    return value if isinstance(value, bytes) else value.encode()


def _entry_seq(entry_id: bytes | str | None) -> int:
    """The seq of a log entry id ``SEQ-0``."""
    if entry_id is None:
        raise ValueError("a log entry without an id")
    return int(reply_text(entry_id).split("-")[0])


def _log_entry(row: tuple[bytes | str | None, dict[bytes | str, bytes | str] | None]) -> LogEntry:
    """One XRANGE row of the log (fields ``e h v p``, see the module docstring) as an entry."""
    entry_id, fields = row
    if fields is None:
        raise ValueError(f"log entry {entry_id!r} has no fields")
    e, h, v, p = fields[b"e"], fields[b"h"], fields[b"v"], fields[b"p"]
    return LogEntry.decode(_entry_seq(entry_id), reply_bytes(e), h, v, reply_bytes(p))
