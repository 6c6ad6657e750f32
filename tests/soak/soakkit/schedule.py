"""A seeded, printed schedule of overlapping faults, and the player that injects them into a fault stack.

The schedule is a pure function of (seed, seconds, brokers, instances): print it, and SOAK_SEED=<seed> replays it.
Faults that need more than today's stack (a second broker, a second instance of a service) are kept in the
schedule, marked skipped with the reason, so the same seed injects them once `outreach-up --cluster` exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from faultkit.smtp import ACCEPT, TEMPFAIL, TIMEOUT
from faultkit.stack import SERVICES, FaultStack

from outreach_dev.devstack.kafka_cluster import LocalKafkaCluster
from outreach_shared.contracts.topics import Topics

PAUSE_SECONDS = 16.0
"""Stopped past the group's session timeout (aiokafka's 10 s), so the consumer is a zombie when resumed."""
BROKER_DOWN_SECONDS = 4.0
"""Shorter than the producers' request timeout (15 s): sends in flight wait for the broker rather than fail."""
SECOND_BROKER_DOWN_SECONDS = 6.0
POSTGRES_DOWN_SECONDS = 6.0
SMTP_SECONDS = 12.0
LEADER_OF = (Topics.VISITS, 0)
"""The partition whose leader the broker fault kills: the visits topic carries every request's first event."""


@dataclass(frozen=True)
class Fault:
    """One fault: when (seconds after the stream starts), what, on which target, for how long."""

    at: float
    kind: str
    target: str
    seconds: float
    skipped: str = ""

    def describe(self) -> str:
        """`t+12s kill notify#0` (with `(skipped: why)` when the stack cannot take it)."""
        what = f"t+{self.at:.0f}s {self.kind} {self.target}".rstrip()
        if self.seconds:
            what += f" for {self.seconds:.0f}s"
        return what + (f" (skipped: {self.skipped})" if self.skipped else "")


@dataclass(frozen=True)
class Topology:
    """What the stack has: brokers, and instances per service (one and one, or the cluster's three and two)."""

    brokers: int = 1
    instances: int = 1

    @classmethod
    def of(cls, stack: FaultStack) -> Topology:
        """The stack's: its Kafka's brokers (0 when it is not ours to kill) and its instances per service."""
        kafka = stack.kafka
        brokers = len(kafka.nodes) if isinstance(kafka, LocalKafkaCluster) else 1 if kafka is not None else 0
        return cls(brokers=brokers, instances=stack.instances_per_service)


def seed_from_env() -> int:
    """SOAK_SEED, or a fresh seed (printed with the schedule, so the run can be repeated)."""
    return int(os.environ.get("SOAK_SEED") or random.SystemRandom().randrange(1, 1_000_000))


def plan(seed: int, seconds: float, topology: Topology) -> list[Fault]:
    """Rounds of every fault kind, each at a random moment of its slot, so faults of different kinds overlap."""
    rng = random.Random(seed)
    kinds = ["kill-service", "kill-leader-broker", "restart-postgres", "smtp-refuse-then-hang", "pause-consumer"]
    rounds = max(1, int(seconds // 90))
    span = max(30.0, seconds - 25.0)  # the last seconds stay calm so the stream's tail meets a healed system
    faults: list[Fault] = []
    for r in range(rounds):
        start, end = span * r / rounds, span * (r + 1) / rounds
        for kind in rng.sample(kinds, len(kinds)):
            at = round(rng.uniform(start + 3, max(start + 4, end - 8)), 1)
            faults += _fault(kind, at, rng, topology)
    return sorted(faults, key=lambda f: f.at)


def _fault(kind: str, at: float, rng: random.Random, topology: Topology) -> list[Fault]:
    if kind == "kill-service":
        instance = rng.randrange(topology.instances)
        return [Fault(at, kind, f"{rng.choice(SERVICES)}#{instance}", 0)]
    if kind == "kill-leader-broker":
        first = Fault(at, kind, "leader", BROKER_DOWN_SECONDS, "" if topology.brokers else "Kafka is not ours to kill")
        second = Fault(at + 1, "kill-second-broker", "another", SECOND_BROKER_DOWN_SECONDS,
                       "" if topology.brokers >= 3 else f"needs 3 brokers, the stack has {topology.brokers}")
        return [first, second]
    if kind == "restart-postgres":
        return [Fault(at, kind, "postgres", POSTGRES_DOWN_SECONDS)]
    if kind == "smtp-refuse-then-hang":
        return [Fault(at, "smtp-refuse", "smtp", SMTP_SECONDS / 2), Fault(at + SMTP_SECONDS / 2, "smtp-hang", "smtp",
                                                                         SMTP_SECONDS / 2)]
    consumer = rng.choice(("notify", "ambassadors", "booking", "training"))
    return [Fault(at, kind, f"{consumer}#{rng.randrange(topology.instances)}", PAUSE_SECONDS)]


def printed(seed: int, faults: list[Fault]) -> str:
    """`seed=…; t+12s kill-service notify#0; …`."""
    return "; ".join([f"seed={seed}"] + [f.describe() for f in faults])


class Player:
    """Injects a schedule into a fault stack, each fault in its own task (so they overlap)."""

    def __init__(self, stack: FaultStack, faults: list[Fault]) -> None:
        self.stack = stack
        self.faults = faults
        self.injected = 0
        self.log: list[str] = []

    async def play(self) -> int:
        """Every fault at its time; returns once all are injected and healed."""
        began = time.monotonic()
        tasks = [asyncio.create_task(self._at(began, fault)) for fault in self.faults if not fault.skipped]
        await asyncio.gather(*tasks)
        return self.injected

    async def _at(self, began: float, fault: Fault) -> None:
        await asyncio.sleep(max(0.0, began + fault.at - time.monotonic()))
        started = f"t+{time.monotonic() - began:.0f}s {fault.kind} {fault.target}"
        what = await INJECTORS[fault.kind](self.stack, fault)
        self.log.append(started + (f": {what}" if what else ""))
        self.injected += 1


async def _kill_service(stack: FaultStack, fault: Fault) -> str | None:
    service, index = fault.target.split("#")
    instance = stack.instance(service, int(index))
    if instance.alive:
        stack.kill(instance)
    await stack.restart(instance)


async def _kill_leader_broker(stack: FaultStack, fault: Fault) -> str:
    """SIGKILL the broker leading the visits topic's first partition, and start it again after `fault.seconds`
    (under the producers' timeout). On one broker the leader is the broker."""
    kafka = stack.kafka
    assert kafka is not None, "the session's Kafka is not a local runner: it cannot be killed from here"
    if not isinstance(kafka, LocalKafkaCluster):
        kafka.kill()
        await asyncio.sleep(fault.seconds)
        await asyncio.to_thread(kafka.start)
        return "the only broker"
    try:
        node = kafka.node_of(await asyncio.wait_for(leader_of(stack.kafka_bootstrap, LEADER_OF[0], LEADER_OF[1]), 10))
    except (TimeoutError, KafkaError, StopIteration):  # no leader known just now (another broker is down)
        node = next((i for i, n in enumerate(kafka.nodes) if n.is_running()), 0)
    return await _down_for(kafka, node, fault.seconds, f"broker {kafka.nodes[node].node_id} (leader of "
                                                       f"{LEADER_OF[0]}-{LEADER_OF[1]})")


async def _kill_second_broker(stack: FaultStack, fault: Fault) -> str:
    """SIGKILL another running broker while the leader is down: one copy in sync, so writes wait (acks=all,
    min.insync.replicas=2) until a broker is back, within the producers' timeout."""
    kafka = stack.kafka
    assert isinstance(kafka, LocalKafkaCluster), "a second broker needs the cluster"
    running = [i for i, node in enumerate(kafka.nodes) if node.is_running()]
    if len(running) < 2:
        return "no second broker running: left alone"
    return await _down_for(kafka, running[-1], fault.seconds, f"broker {kafka.nodes[running[-1]].node_id}")


async def _down_for(kafka: LocalKafkaCluster, node: int, seconds: float, what: str) -> str:
    kafka.kill_node(node)
    await asyncio.sleep(seconds)
    await asyncio.to_thread(kafka.start_node, node)
    return what


async def leader_of(bootstrap: str, topic: str, partition: int) -> int:
    """The broker id leading `topic`'s `partition`, as the cluster's metadata says."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        return next(p["leader"] for p in described["partitions"] if p["partition"] == partition)
    finally:
        await admin.close()


async def _restart_postgres(stack: FaultStack, fault: Fault) -> str | None:
    await asyncio.to_thread(stack.postgres.stop)
    await asyncio.sleep(fault.seconds)
    await asyncio.to_thread(stack.postgres.start)


async def _smtp(stack: FaultStack, fault: Fault) -> str | None:
    stack.smtp.switch(TEMPFAIL if fault.kind == "smtp-refuse" else TIMEOUT)
    await asyncio.sleep(fault.seconds)
    stack.smtp.switch(ACCEPT)


async def _pause_consumer(stack: FaultStack, fault: Fault) -> str | None:
    """SIGSTOP past the session timeout (the group moves on without it), then SIGCONT: a zombie that must not
    commit what it was handling. Killed and restarted by another fault meanwhile? Then there is nothing to resume."""
    service, index = fault.target.split("#")
    instance = stack.instance(service, int(index))
    if not instance.alive or instance.child is None:
        return
    pid = instance.child.proc.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGSTOP)
    await asyncio.sleep(fault.seconds)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGCONT)


INJECTORS = {
    "kill-service": _kill_service,
    "kill-leader-broker": _kill_leader_broker,
    "kill-second-broker": _kill_second_broker,
    "restart-postgres": _restart_postgres,
    "smtp-refuse": _smtp,
    "smtp-hang": _smtp,
    "pause-consumer": _pause_consumer,
}
