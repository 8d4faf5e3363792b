"""Everything a request handler needs, built once in the app's lifespan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import redis.asyncio as aioredis

from server.auth import Signer
from server.clock import Clock
from server.config import Settings
from server.connection import Connection
from server.gc_defer import CollectionDeferral
from server.hub import MeetingHub
from server.hubs import Hubs
from server.interpreter import Interpreter
from server.keys import ServerKeys
from server.metrics import Metrics
from server.poll_keys import PollKeys
from server.store import Store

ConnectionHook = Callable[[MeetingHub, Connection], Awaitable[None]]


@dataclass
class Runtime:
    settings: Settings
    redis: aioredis.Redis
    store: Store
    hubs: Hubs
    metrics: Metrics
    signer: Signer
    # The server key (outside Redis): ``keys.derive(purpose)`` for receipts, sealing, ...
    keys: ServerKeys
    # Each secret poll's ballot key (outside Redis), destroyed once the poll is counted.
    poll_keys: PollKeys
    commands: Interpreter
    # The shell's one clock: the hubs, their bus and the collection deferral hold this object.
    clock: Clock
    gc_defer: CollectionDeferral
    on_connect: list[ConnectionHook] = field(default_factory=list)
    on_disconnect: list[ConnectionHook] = field(default_factory=list)
