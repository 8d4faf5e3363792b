"""A load target on a Redis Cluster: the embedded 3-master cluster of server/embedded_cluster.py
(the cluster test runs' one) in place of the single embedded Redis, with ``run.py serve``
processes pointed at its first node (they detect the cluster and use a cluster client)."""

from __future__ import annotations

from dataclasses import dataclass

from load_tests.target import Target, pin


@dataclass
class ClusterTarget(Target):
    masters: int = 3

    def start_redis(self) -> str:
        from server.embedded_cluster import EmbeddedCluster

        if self.redis is None:
            self.redis = EmbeddedCluster(self.work_dir / "cluster", masters=self.masters,
                                         appendfsync=self.appendfsync)
        self.redis_url = self.redis.start()
        for pid in self.redis_pids():
            pin(pid, self.server_cpus)
        return self.redis_url

    def redis_pids(self) -> list[int]:
        if self.redis is None:
            return []
        return [node.pid for node in self.redis.nodes if node.pid]

    def redis_pid(self) -> int | None:
        pids = self.redis_pids()
        return pids[0] if pids else None
