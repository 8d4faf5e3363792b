"""The peer: python-socketio's ASGI server under uvicorn, with AsyncRedisManager (so several
processes can share rooms) and the msgpack serializer; messages are emitted by a separate
process through Redis (load_tests.targets.publisher), as a Python developer would build it.

    python -m load_tests.targets.socketio_peer --port 9002 --redis redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse

import socketio  # type: ignore[import-untyped]
import uvicorn

CHANNEL = "socketio-peer"


def build(redis_url: str) -> socketio.ASGIApp:
    manager = socketio.AsyncRedisManager(redis_url, channel=CHANNEL)
    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=manager,
        serializer="msgpack",
        transports=["websocket"],
        cors_allowed_origins=[],
    )
    return socketio.ASGIApp(sio)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis", required=True)
    args = parser.parse_args()
    uvicorn.run(
        build(args.redis),
        host="127.0.0.1",
        port=args.port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        log_level="warning",
        lifespan="off",
    )
