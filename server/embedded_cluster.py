"""A local Redis Cluster of embedded valkey-server nodes, for the cluster test runs
(``PHONGHOP_TEST_REDIS=cluster``): three masters with the password and private files of
server/embedded_redis.py."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

from server.embedded_redis import EmbeddedRedis, EmbeddedRedisError, server_binary


def _cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too; both below 65536."""
    import random

    for _ in range(200):
        port = random.randint(20000, 55000)
        ok = True
        for candidate in (port, port + 10000):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                try:
                    sock.bind(("127.0.0.1", candidate))
                except OSError:
                    ok = False
        if ok:
            return port
    raise EmbeddedRedisError("no free port pair for a cluster node")


class EmbeddedCluster:
    """A Redis Cluster of ``masters`` valkey-server nodes on loopback, for tests and benchmarks
    that must show a meeting's keys stay in one slot. Each node is an EmbeddedRedis in
    ``data_dir/nodeN``; ``start()`` returns the URL of the first node."""

    def __init__(self, data_dir: Path, masters: int = 3, appendfsync: str = "everysec") -> None:
        # One password for every node: a cluster client uses the same one on each.
        self.password = secrets.token_hex(32)
        self.nodes = [
            EmbeddedRedis(
                Path(data_dir) / f"node{i}",
                port=_cluster_port(),
                appendfsync=appendfsync,
                extra_config={"cluster-enabled": "yes", "cluster-config-file": "nodes.conf",
                              "cluster-node-timeout": "5000"},
                password=self.password,
            )
            for i in range(masters)
        ]

    def start(self, timeout: float = 30.0) -> str:
        try:
            for node in self.nodes:
                node.start()
            addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
            cli = server_binary().parent / "valkey-cli"
            # The password by environment: on the command line every user would see it in ps.
            env = {**os.environ, "REDISCLI_AUTH": self.password}
            subprocess.run(
                [str(cli), "--cluster", "create", *addresses, "--cluster-replicas", "0",
                 "--cluster-yes"],
                check=True, capture_output=True, timeout=timeout, env=env,
            )
            deadline = time.monotonic() + timeout
            while True:
                info = subprocess.run(
                    [str(cli), "-p", str(self.nodes[0].port), "cluster", "info"],
                    check=True, capture_output=True, timeout=5, env=env,
                ).stdout
                if b"cluster_state:ok" in info:
                    break
                if time.monotonic() > deadline:
                    raise EmbeddedRedisError(f"cluster did not become ready: {info!r}")
                time.sleep(0.2)
        except BaseException:
            self.stop()
            raise
        return self.nodes[0].url

    def stop(self) -> None:
        for node in self.nodes:
            if node.process is not None:
                node.stop()


