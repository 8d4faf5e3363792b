"""The hub's coalescing of high-rate values and its bounded per-connection queues."""

from __future__ import annotations

import asyncio
import json

import pytest

from protocol.codec import Codec
from protocol.errors import CloseCode
from rooms.model import Role
from server.clock import ManualClock, settle
from server.connection import Connection, Frame
from server.hub import MeetingHub
from server.metrics import Metrics


def collecting(
    role: Role, sink: list[dict[str, object]], metrics: Metrics, max_queue: int = 100
) -> Connection:
    async def send(frame: Frame) -> None:
        assert isinstance(frame, str)
        sink.append(json.loads(frame))

    async def close(code: int, reason: str) -> None:
        sink.append({"closed": code})

    conn = Connection(
        send,
        close,
        codec="json",
        role=role,
        participant_id=role.value,
        max_queue=max_queue,
        metrics=metrics,
    )
    conn.start()
    return conn


def hub_on(
    clock: ManualClock, metrics: Metrics, tablet_interval: float | None = None
) -> MeetingHub:
    return MeetingHub("m1", None, metrics, clock=clock, max_replay=10,  # type: ignore[arg-type]
                      coalesce_interval=0.05, tablet_interval=tablet_interval)


async def test_a_burst_of_updates_goes_out_once_with_the_latest_value() -> None:
    metrics = Metrics()
    clock = ManualClock()
    hub = hub_on(clock, metrics)
    chair_frames: list[dict[str, object]] = []
    delegate_frames: list[dict[str, object]] = []
    hub.connections[Role.CHAIR].add(collecting(Role.CHAIR, chair_frames, metrics))
    hub.connections[Role.DELEGATE].add(collecting(Role.DELEGATE, delegate_frames, metrics))
    for voted in range(1, 1001):  # a thousand ballots arriving within one interval
        hub.set_live("poll.progress", frozenset({Role.CHAIR}), {"voted": voted, "eligible": 1000})
    await clock.advance(0.049)
    assert chair_frames == []  # not before the interval is over
    await clock.advance(0.001)
    assert chair_frames == [
        {"v": 1, "type": "live", "kind": "poll.progress", "body": {"voted": 1000, "eligible": 1000}}
    ]
    assert delegate_frames == []  # not in the audience
    await clock.advance(0.15)
    assert len(chair_frames) == 1  # the interval passing again sends nothing new
    hub.set_live("poll.progress", frozenset({Role.CHAIR}), {"voted": 1000, "eligible": 1000})
    await clock.advance(0.1)
    assert len(chair_frames) == 1  # an unchanged value is not sent again
    hub.set_live("poll.progress", frozenset({Role.CHAIR}), {"voted": 1001, "eligible": 1001})
    await clock.advance(0.1)
    assert len(chair_frames) == 2
    assert clock.pending == 0  # an idle lane leaves no timer running


async def test_a_lane_sends_one_frame_per_interval_with_the_value_latest_at_its_tick() -> None:
    metrics = Metrics()
    clock = ManualClock()
    hub = hub_on(clock, metrics)
    received: list[tuple[float, object]] = []

    async def send(frame: Frame) -> None:
        assert isinstance(frame, str)
        received.append((clock.monotonic(), json.loads(frame)["body"]["voted"]))

    async def close(code: int, reason: str) -> None: ...

    chair = Connection(send, close, codec="json", role=Role.CHAIR, participant_id="c",
                       max_queue=100, metrics=metrics)
    chair.start()
    hub.connections[Role.CHAIR].add(chair)
    # A value every 10 ms for half a second, five of them within each 50 ms interval.
    for voted in range(1, 51):
        hub.set_live("poll.progress", frozenset({Role.CHAIR}), {"voted": voted})
        await clock.advance(0.01)
    await clock.advance(0.2)
    assert [voted for _, voted in received] == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]
    assert [at for at, _ in received] == pytest.approx([0.05 * i for i in range(1, 11)])
    assert metrics.counters["phonghop_live_flushes_total"] == 10


async def test_tablets_get_coalesced_values_less_often_than_the_watchers() -> None:
    metrics = Metrics()
    clock = ManualClock()
    hub = hub_on(clock, metrics, tablet_interval=0.4)
    chair_frames: list[dict[str, object]] = []
    screen_frames: list[dict[str, object]] = []
    delegate_frames: list[dict[str, object]] = []
    hub.connections[Role.CHAIR].add(collecting(Role.CHAIR, chair_frames, metrics))
    hub.connections[Role.SCREEN].add(collecting(Role.SCREEN, screen_frames, metrics))
    hub.connections[Role.DELEGATE].add(collecting(Role.DELEGATE, delegate_frames, metrics))
    everyone = frozenset(Role)
    hub.set_live("poll.progress", everyone, {"voted": 1})
    await clock.advance(0.15)
    hub.set_live("poll.progress", everyone, {"voted": 2})
    await clock.advance(0.15)
    assert [f["body"] for f in chair_frames] == [{"voted": 1}, {"voted": 2}]
    assert screen_frames == chair_frames
    await clock.advance(0.099)
    assert delegate_frames == []  # not before the tablet interval
    await clock.advance(0.001)
    assert [f["body"] for f in delegate_frames] == [{"voted": 2}]  # the latest, once
    await clock.advance(0.5)
    assert len(delegate_frames) == 1
    assert len(chair_frames) == 2


async def test_a_full_queue_closes_the_connection_as_a_slow_consumer() -> None:
    metrics = Metrics()
    gate = asyncio.Event()
    sent: list[Frame] = []
    closed: list[int] = []

    async def send(frame: Frame) -> None:
        await gate.wait()  # a socket that never drains
        sent.append(frame)

    async def close(code: int, reason: str) -> None:
        closed.append(code)

    conn = Connection(
        send,
        close,
        codec="json",
        role=Role.DELEGATE,
        participant_id="p",
        max_queue=8,
        metrics=metrics,
    )
    detached: list[Connection] = []
    conn.on_abort = detached.append
    conn.start()
    for i in range(20):
        conn.send(f"frame {i}")
    await settle()
    assert conn.closed and conn.close_code == CloseCode.SLOW_CONSUMER
    assert detached == [conn]
    assert metrics.counters["phonghop_queue_drops_total"] == 1
    assert not conn._pending  # noqa: SLF001 - what it held was dropped, memory freed
    gate.set()
    await asyncio.wait_for(conn.finished.wait(), 6)
    assert closed == [CloseCode.SLOW_CONSUMER]
    await conn.stop()


@pytest.mark.parametrize("codec", ["json", "msgpack"])
async def test_close_after_flush_sends_what_was_queued_first(codec: Codec) -> None:
    metrics = Metrics()
    order: list[object] = []

    async def send(frame: Frame) -> None:
        order.append(frame)

    async def close(code: int, reason: str) -> None:
        order.append(code)

    conn = Connection(
        send,
        close,
        codec=codec,
        role=Role.DELEGATE,
        participant_id="p",
        max_queue=8,
        metrics=metrics,
    )
    conn.start()
    conn.send("error frame")
    conn.close_after_flush(1002, "malformed")
    conn.send("ignored after close")
    await conn.wait_closed()
    assert order == ["error frame", 1002]


async def test_each_event_is_encoded_once_per_audience_and_codec() -> None:
    from rooms.model import Event
    from server.store import LogEntry

    metrics = Metrics()
    hub = hub_on(ManualClock(), metrics)
    hub.epoch = "e"
    seen: dict[str, list[Frame]] = {"a": [], "b": [], "c": []}

    def conn(name: str, role: Role) -> Connection:
        async def send(frame: Frame) -> None:
            seen[name].append(frame)

        async def close(code: int, reason: str) -> None: ...

        c = Connection(send, close, codec="json", role=role, participant_id=name,
                       max_queue=10, metrics=metrics)
        c.start()
        hub.connections[role].add(c)
        return c

    conn("a", Role.DELEGATE), conn("b", Role.DELEGATE), conn("c", Role.CHAIR)
    created = Event("meeting.created", {"id": "m1", "title": "T"}, "@admin", 1)
    hub._apply(LogEntry(1, created, "h", frozenset(r.value for r in Role),  # noqa: SLF001
                        {r.value: 0 for r in Role}))
    await settle()
    assert seen["a"][0] is seen["b"][0]  # the very same str object: encoded once
    assert seen["a"][0] == seen["c"][0]
    staff_only = Event("roster.imported", {"participants": []}, "@admin", 2)
    hub._apply(LogEntry(2, staff_only, "h2", frozenset({"chair", "secretary"}),  # noqa: SLF001
                        {"chair": 1, "secretary": 1}))
    await settle()
    assert len(seen["a"]) == 1 and len(seen["c"]) == 2
    assert json.loads(seen["c"][1])["prev"] == 1
