"""The Starlette application: HTTP API, WebSocket endpoint, web views, lifespan resources."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio.lowlevel
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from rooms.decision import RateLimit
from server import api, ca_http, features, openapi
from server.auth import ensure_admin_token, signer_for
from server.checkpoints import Policy
from server.clock import Clock, SystemClock
from server.config import Settings
from server.contract import asyncapi_document
from server.errors import ApiError, api_error_handler, store_unavailable_handler
from server.gc_defer import CollectionDeferral
from server.hubs import Hubs
from server.interpreter import COMMAND_RATE, RATE_LIMIT, Interpreter
from server.keys import load_keys
from server.metrics import Metrics
from server.poll_keys import PollKeys
from server.runtime import Runtime
from server.security_headers import SecurityHeaders
from server.store import Store
from server.ws import LiveSocketMiddleware

log = logging.getLogger("phonghop")

WEB_DIR = Path(__file__).resolve().parent.parent / "clients" / "web"
# The JavaScript client library (clients/js/README.md), under /app/ so that the views import
# it by a relative path and the service worker's scope (/app/) keeps it for offline reloads.
JS_LIB_DIR = Path(__file__).resolve().parent.parent / "clients" / "js"


def redis_client(url: str) -> aioredis.Redis:
    # A blocking pool: a burst of commands waits for a connection instead of failing.
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=64, timeout=20, health_check_interval=10, socket_keepalive=True
    )
    return aioredis.Redis.from_pool(pool)


async def open_redis(url: str) -> aioredis.Redis:
    """A client for ``url``: a cluster client when the server is a Redis Cluster node.

    Every key of a meeting carries the hash tag ``{meeting}``, so each script runs in one
    slot; pub/sub is classic PUBLISH, which a cluster delivers to subscribers on any node.
    """
    client = redis_client(url)
    try:
        info = await client.info("cluster")
    except Exception:
        return client
    if not info.get("cluster_enabled"):
        return client
    await client.aclose()
    cluster = BoundedCluster.from_url(url, socket_keepalive=True, max_connections=256)
    # Learn the slot map now: a burst of first commands would each start the discovery.
    await cluster.initialize()
    return cluster  # type: ignore[return-value]  # same command surface for what we use


class BoundedCluster(RedisCluster):
    """The cluster client has no blocking pool: past its connection limit a burst of commands
    fails instead of waiting (and redis-py's cluster client misbehaves under thousands of
    concurrent commands), so commands wait their turn here, as with the single-node pool."""

    _limit: asyncio.Semaphore | None = None

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        if self._limit is None:
            self._limit = asyncio.Semaphore(64)
        async with self._limit:
            return await super().execute_command(*args, **kwargs)


async def bootstrap(settings: Settings) -> str | None:
    """One-time setup before serving: the server key file (created, or ``ph:secret`` moved
    into it, or a wrong one refused before anything is served) and the admin token
    (returned when newly generated)."""
    client = await open_redis(settings.redis_url)
    try:
        await load_keys(client, settings.key_path)
        return await ensure_admin_token(client, settings.admin_token, settings.data_dir)
    finally:
        await client.aclose()


def _rate(settings: Settings, name: str, default: RateLimit) -> RateLimit:
    """A rate limit per participant and window (settings.extra: tests narrow it)."""
    return RateLimit(int(settings.extra.get(f"{name}_limit", default.limit)),
                     int(settings.extra.get(f"{name}_window_ms", default.window_ms)))


async def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Everything the handlers share; `clock` is the one clock of the shell (the system's
    unless a test passes its own)."""
    clock = SystemClock() if clock is None else clock
    client = await open_redis(settings.redis_url)
    store = Store(client)
    metrics = Metrics()
    hubs = Hubs(
        store,
        metrics,
        clock=clock,
        max_replay=settings.max_replay,
        coalesce_interval=settings.coalesce_interval,
        tablet_interval=settings.tablet_interval,
        checkpoint=Policy(settings.checkpoint_events, settings.checkpoint_interval),
        idle_unload=settings.idle_unload,
    )
    keys = await load_keys(client, settings.key_path)
    poll_keys = PollKeys(settings.key_path.parent / "polls")
    store.sealer = poll_keys
    signer = signer_for(keys)
    await ensure_admin_token(client, settings.admin_token, settings.data_dir)
    rt = Runtime(
        settings=settings,
        redis=client,
        store=store,
        hubs=hubs,
        metrics=metrics,
        signer=signer,
        keys=keys,
        poll_keys=poll_keys,
        commands=Interpreter(store, hubs, metrics, signer, keys, clock,
                             _rate(settings, "floor_rate", RATE_LIMIT),
                             _rate(settings, "command_rate", COMMAND_RATE)),
        clock=clock,
        gc_defer=CollectionDeferral(clock),
    )
    for module in features.modules():
        setup = getattr(module, "setup", None)
        if setup is not None:
            setup(rt)
    return rt


async def join(request: Request) -> Response:
    # In the fragment: the browser sends it to no server (no second log line, no proxy),
    # and the app exchanges it for a device session and drops it from the address bar
    # (clients/web/js/app.js). Nothing happens on this GET: a link previewer signs no one in.
    # The link's own query (?lang=en) goes on to the app.
    token = request.path_params["token"]
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/app/{query}#t={quote(token, safe='~')}", status_code=302)


async def openapi_json(_request: Request) -> JSONResponse:
    return JSONResponse(openapi.SPEC)


async def asyncapi_json(_request: Request) -> JSONResponse:
    return JSONResponse(asyncapi_document())


def create_app(settings: Settings, clock: Clock | None = None) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        rt = await build_runtime(settings, clock)
        app.state.runtime = rt
        await rt.hubs.start()
        # Starlette's StreamingResponse (log.json) runs in an anyio task group, and anyio
        # imports its asyncio backend on first use: ~30-100 ms of imports that held the event
        # loop in the middle of the first export. Paid here, before any tablet connects.
        await anyio.lowlevel.checkpoint()
        # Thousands of long-lived connection objects make each full garbage collection walk
        # them all, a pause every tablet feels; the hub makes few reference cycles, so
        # collect the oldest generation far less often.
        gc.freeze()
        gc.set_threshold(50_000, 50, 1000)
        gc.callbacks.append(rt.metrics.on_gc)
        try:
            yield
        finally:
            gc.callbacks.remove(rt.metrics.on_gc)
            rt.gc_defer.release()
            await rt.hubs.stop()
            await rt.redis.aclose()

    routes = [
        *api.ROUTES,
        *features.routes(),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/asyncapi.json", asyncapi_json, methods=["GET"]),
        Route("/j/{token}", join, methods=["GET"]),
        # The local CA of `run.py --tls` for tablets to install; 404 without it.
        *ca_http.ROUTES,
        Route("/", lambda _r: RedirectResponse("/app/", status_code=302), methods=["GET"]),
        # Before /app, which would otherwise take /app/lib/… too (clients/web has no lib/).
        Mount("/app/lib", app=StaticFiles(directory=JS_LIB_DIR, check_dir=False), name="js-lib"),
        Mount("/app", app=StaticFiles(directory=WEB_DIR, html=True, check_dir=False), name="web"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={ApiError: api_error_handler, RedisError: store_unavailable_handler},
        middleware=[
            Middleware(SecurityHeaders, public_url=settings.public_url),
            Middleware(LiveSocketMiddleware),
        ],
    )
    return app
