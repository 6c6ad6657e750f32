"""A real three-broker Apache Kafka cluster (KRaft, each node broker and controller) from the same Maven jars, on
loopback: replication factor 3 and `min.insync.replicas=2`, for `make up ARGS=--cluster` and tests that ask for it.

What it proves and what it does not: leader election when a broker dies, writes going on with two brokers
(`acks=all`), refused with one (NotEnoughReplicas), idempotent producers and consumer groups riding over it. One
machine: no network partition between hosts, one disk and one CPU shared by the three.
"""

from __future__ import annotations

import atexit
import time
from pathlib import Path

from ._util import LOCALHOST, free_ports, run_sync
from .kafka import KAFKA_VERSION, LocalKafka, cluster_id_of, ensure_kafka_jars, new_cluster_id, wait_until_ready

CLUSTER_SIZE = 3


class LocalKafkaCluster:
    """Three KRaft nodes on 127.0.0.1 (data, config and log of node N under `data_dir/nodeN`), started and stopped
    together; each can be killed and started again alone (fault tests)."""

    START_TIMEOUT = 120.0

    def __init__(self, data_dir: Path | str, ports: list[tuple[int, int]] | None = None, *, size: int = CLUSTER_SIZE,
                 version: str = KAFKA_VERSION) -> None:  # fmt: skip
        self.data_dir = Path(data_dir).resolve()
        if ports is None:
            free = free_ports(2 * size)
            ports = [(free[2 * i], free[2 * i + 1]) for i in range(size)]
        voters = ",".join(f"{i + 1}@{LOCALHOST}:{controller}" for i, (_, controller) in enumerate(ports))
        cluster_id = self._recorded_cluster_id() or new_cluster_id()
        self.nodes = [LocalKafka(self.data_dir / f"node{i + 1}", port, controller, version, node_id=i + 1,
                                 voters=voters, cluster_id=cluster_id, replicas=size)
                      for i, (port, controller) in enumerate(ports)]  # fmt: skip
        self.version = version
        atexit.register(self._stop_at_exit)

    def _recorded_cluster_id(self) -> str | None:
        return cluster_id_of(self.data_dir / "node1" / "kraft")

    @property
    def bootstrap_servers(self) -> str:
        """Every node's address, comma-separated (clients find the leaders from any of them)."""
        return ",".join(node.bootstrap_servers for node in self.nodes)

    @property
    def log_path(self) -> Path:
        """The first node's log (each node keeps its own: `log_paths`)."""
        return self.nodes[0].log_path

    @property
    def log_paths(self) -> list[Path]:
        """Every node's log."""
        return [node.log_path for node in self.nodes]

    @property
    def pid(self) -> int | None:
        """The first running node's PID."""
        return next((node.pid for node in self.nodes if node.pid is not None), None)

    def is_running(self) -> bool:
        """True while every node runs."""
        return all(node.is_running() for node in self.nodes)

    def start(self, timeout: float | None = None) -> LocalKafkaCluster:
        """Start every node not running at once, then wait until the cluster creates a topic with a copy on each."""
        deadline = time.monotonic() + (timeout or self.START_TIMEOUT)
        ensure_kafka_jars(self.version)
        for node in self.nodes:
            if not node.is_running():
                node.launch()
        try:
            for node in self.nodes:  # each node answers on its own port and its metadata lists every broker
                run_sync(wait_until_ready(node.bootstrap_servers, deadline, self.is_running, replicas=len(self.nodes)))
        except BaseException as exc:
            self.kill()
            logs = "\n".join(str(path) for path in self.log_paths)
            raise RuntimeError(f"the Kafka cluster failed to start; logs:\n{logs}") from exc
        return self

    def start_node(self, index: int, timeout: float | None = None) -> None:
        """Start one node again (after `kill_node`), on its ports and data, and wait until it answers."""
        self.nodes[index].start(timeout)

    def kill_node(self, index: int) -> None:
        """SIGKILL one node (a crashed broker); its data is kept."""
        self.nodes[index].kill()

    def node_of(self, broker_id: int) -> int:
        """The index in `nodes` of the broker with that id (as metadata names leaders)."""
        return next(i for i, node in enumerate(self.nodes) if node.node_id == broker_id)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every node gracefully."""
        for node in reversed(self.nodes):
            node.stop(timeout)

    def kill(self) -> None:
        """SIGKILL every node."""
        for node in self.nodes:
            node.kill()

    def restart(self, timeout: float | None = None) -> LocalKafkaCluster:
        """Stop every node and start them again."""
        self.stop()
        return self.start(timeout)

    def _stop_at_exit(self) -> None:
        if any(node.is_running() for node in self.nodes):
            self.stop(timeout=10)
