"""A meeting with a long log, written quickly: a roster of N delegates checking in and out for
days (what a congress's log is mostly made of). For the large-log integration test and
scripts/bench_load.py.

``write`` goes through ``Store.append`` (the Lua script: ~1.3 ms an event here, mostly its
SHA-256 in Lua); ``write_fast`` writes the same stream entries and meta fields from Python in
pipelines, ~100 times faster. tests/server/test_big_log.py checks that the two agree."""

from __future__ import annotations

from collections.abc import Iterator

import msgpack

from protocol.canonical import GENESIS, canonical_bytes, digest, link
from rooms import aggregate
from rooms.decision import Guard
from rooms.model import Event
from server.store import MEETINGS, Store, k

T0 = 1_763_600_000_000
BATCH = 500  # events per append: one Lua call each


def events(meeting_id: str, delegates: int, count: int) -> Iterator[Event]:
    """``count`` events: creation, roster, opening, then check-ins and check-outs."""
    people = [{"id": "C1", "full_name": "Chủ tọa", "role": "chair"},
              {"id": "S1", "full_name": "Thư ký", "role": "secretary"}]
    people += [{"id": f"D{i:04d}", "full_name": f"Đại biểu số {i}", "role": "delegate",
                "delegation": f"Đoàn {i % 40}"} for i in range(delegates)]
    yield Event("meeting.created", {"id": meeting_id, "title": "Đại hội", "settings": {},
                                    "timezone": "Asia/Ho_Chi_Minh"}, "@admin", T0)
    yield Event("roster.imported", {"participants": people}, "@admin", T0)
    yield Event("meeting.opened", {}, "C1", T0)
    for n in range(count - 3):
        pid = f"D{n % delegates:04d}"
        at = T0 + 1000 * n
        if (n // delegates) % 2 == 0:
            body = {"participant": pid, "mode": "in_person", "via": "manual"}
            yield Event("attendance.checked_in", body, "S1", at)
        else:
            yield Event("attendance.checked_out", {"participant": pid, "via": "manual"}, "S1", at)


async def write(store: Store, meeting_id: str, *, delegates: int = 1000, count: int = 20_000,
                epoch: str = "big") -> None:
    """Append the events in batches; the meeting is listed like one created through the API."""
    batch: list[Event] = []
    first = True

    async def flush() -> None:
        nonlocal first
        guards = [Guard("absent", "meta"), Guard("set", "meta", "epoch", epoch)] if first else []
        result = await store.append(
            meeting_id, [(e, aggregate.audience(e.kind)) for e in batch], guards=guards)
        assert result.status == "ok", result
        first = False
        batch.clear()

    for event in events(meeting_id, delegates, count):
        batch.append(event)
        if len(batch) == BATCH:
            await flush()
    if batch:
        await flush()
    await store.redis.zadd(MEETINGS, {meeting_id: T0})


async def write_fast(store: Store, meeting_id: str, *, delegates: int = 1000,
                     count: int = 20_000, epoch: str = "big") -> None:
    """What ``write`` stores, without the Lua script: the chain computed here, the entries
    added in pipelines of BATCH (nothing is published: no process has the meeting loaded)."""
    seen: dict[str, int] = {}  # role -> last seq it sees, the meta's v:ROLE
    chain, seq = GENESIS, 0
    pipe = store.redis.pipeline(transaction=False)
    for event in events(meeting_id, delegates, count):
        seq += 1
        data = canonical_bytes(event.to_dict())
        chain = link(chain, seq, digest(data))
        roles = sorted(r.value for r in aggregate.audience(event.kind))
        prev = {role: seen.get(role, 0) for role in roles}
        seen.update(dict.fromkeys(roles, seq))
        pipe.xadd(k(meeting_id, "log"), {"e": data, "h": chain, "v": ",".join(roles),
                                         "p": msgpack.packb(prev)}, id=f"{seq}-0")
        if seq % BATCH == 0:
            await pipe.execute()
    meta = {"epoch": epoch, "seq": seq, "hash": chain, **{f"v:{r}": s for r, s in seen.items()}}
    pipe.hset(k(meeting_id, "meta"), mapping=meta)  # type: ignore[arg-type]
    pipe.zadd(MEETINGS, {meeting_id: T0})
    await pipe.execute()
