"""Runtime settings of one server process, read from the environment and run.py's flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    redis_url: str
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    # Base of the links handed to participants (join_url); defaults to http://host:port.
    public_url: str | None = None
    # Plain admin token from PHONGHOP_ADMIN_TOKEN; when None the one stored in Redis is used.
    admin_token: str | None = None
    # Outbound frames a connection may have queued before it is closed as a slow consumer.
    max_queue: int = 1024
    # Events a resuming client may be behind before it gets a snapshot instead of a replay.
    max_replay: int = 1000
    # Coalesced counters (quorum, votes cast) go out at most this often, in seconds, to the
    # chair, secretaries and screens; to every other tablet at most every tablet interval.
    coalesce_interval: float = 0.25
    tablet_interval: float = 2.0
    # Lifetime of join tokens, in seconds (a congress runs for days).
    token_ttl: int = 14 * 24 * 3600
    # The server key file (token signing, ballot keys); every process of one Redis needs the
    # same one. None: DATA_DIR/keys/server.key.
    key_file: Path | None = None
    # RFC 3161 time-stamping authority for signed minutes (server/minutes_signing.py);
    # None: signatures carry the signer's own clock only.
    tsa_url: str | None = None
    # Limits at the edge (server/edge_guard.py, server/session_limit.py): open TCP connections
    # per client address (0: no limit), seconds a connection may take to send a request's
    # headers, and live WebSocket sessions of one participant (the oldest is closed beyond it).
    max_conn_per_ip: int = 2000
    header_timeout: float = 10.0
    max_sessions_per_token: int = 5
    # A meeting with no connection in this process for this many seconds is unloaded (its
    # state dropped from memory, its bus channel left); 0 keeps every meeting loaded.
    idle_unload: float = 900.0
    # A hub checkpoints its folded state after this many events, or after this many seconds
    # with at least one new event; 0 events turns checkpoints off (loading folds everything).
    checkpoint_events: int = 1000
    checkpoint_interval: float = 60.0
    # The local certificate authority the /ca page offers (run.py --tls, server/tls.py);
    # None without --tls or with an organisation's own certificate.
    tls_ca_file: Path | None = None
    # Retention (docs/archive.md): once a closed meeting is archived, drop its live state
    # from Redis, leaving the archive (DATA_DIR/archive) as its record.
    archive_drop_live: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    @property
    def key_path(self) -> Path:
        return (self.key_file or self.data_dir / "keys" / "server.key").absolute()

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {
            "redis_url": env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "data_dir": Path(env.get("PHONGHOP_DATA_DIR", "var")),
            "host": env.get("HOST", "127.0.0.1"),
            "port": int(env.get("PORT", "8000")),
            "public_url": env.get("PHONGHOP_PUBLIC_URL") or None,
            "admin_token": env.get("PHONGHOP_ADMIN_TOKEN") or None,
            "key_file": Path(env["PHONGHOP_KEY_FILE"]) if env.get("PHONGHOP_KEY_FILE") else None,
            "tsa_url": env.get("PHONGHOP_TSA_URL") or None,
            "archive_drop_live": env.get("PHONGHOP_ARCHIVE_DROP_LIVE", "").lower()
            in ("1", "true", "yes", "on"),
        }
        for name, key, kind in (
            ("max_queue", "PHONGHOP_MAX_QUEUE", int),
            ("max_replay", "PHONGHOP_MAX_REPLAY", int),
            ("coalesce_interval", "PHONGHOP_COALESCE_INTERVAL", float),
            ("tablet_interval", "PHONGHOP_TABLET_INTERVAL", float),
            ("token_ttl", "PHONGHOP_TOKEN_TTL", int),
            ("max_conn_per_ip", "PHONGHOP_MAX_CONN_PER_IP", int),
            ("header_timeout", "PHONGHOP_HEADER_TIMEOUT", float),
            ("max_sessions_per_token", "PHONGHOP_MAX_SESSIONS_PER_TOKEN", int),
            ("idle_unload", "PHONGHOP_IDLE_UNLOAD", float),
            ("checkpoint_events", "PHONGHOP_CHECKPOINT_EVENTS", int),
            ("checkpoint_interval", "PHONGHOP_CHECKPOINT_INTERVAL", float),
        ):
            if env.get(key):
                values[name] = kind(env[key])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
