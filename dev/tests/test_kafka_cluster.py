"""The local three-broker cluster (`make up ARGS=--cluster`): topics get three copies and need two in sync; the
kit's producer (acks=all, idempotent) and a consumer group ride over the partition leader's SIGKILL; with a second
broker down a write is not acknowledged until a broker is back, and then it lands once."""

import asyncio
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from outreach_dev.devstack.kafka_cluster import LocalKafkaCluster
from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts.topics import TopicSpec
from outreach_shared.kafka import PRODUCER_OPTIONS
from outreach_shared.topic_admin import ensure_topics


async def leader_of(bootstrap: str, topic: str, partition: int) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        return next(p["leader"] for p in described["partitions"] if p["partition"] == partition)
    finally:
        await admin.close()


async def test_three_copies_two_in_sync_and_a_leader_lost_then_a_second_broker_for_a_while(tmp_path: Path) -> None:
    cluster = LocalKafkaCluster(tmp_path / "cluster")
    await asyncio.to_thread(cluster.start)
    try:
        await _ride_over_broker_loss(cluster)
    finally:
        await asyncio.to_thread(cluster.stop, 10)


async def _ride_over_broker_loss(cluster: LocalKafkaCluster) -> None:
    bootstrap, topic = cluster.bootstrap_servers, f"cluster-{uuid.uuid4().hex[:8]}"
    await ensure_topics(bootstrap, [TopicSpec(topic, partitions=3)])  # as the services create theirs
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        assert [len(p["replicas"]) for p in described["partitions"]] == [3, 3, 3]
        (config,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        settings = {entry[0]: entry[1] for entry in config.resources[0][4]}
        assert settings["min.insync.replicas"] == "2"
    finally:
        await admin.close()

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **PRODUCER_OPTIONS)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"g-{topic}", auto_offset_reset="earliest",
                                enable_auto_commit=True)  # fmt: skip
    await producer.start()
    await consumer.start()
    seen: list[bytes] = []

    async def read() -> None:
        async for record in consumer:
            seen.append(record.value)

    reading = asyncio.create_task(read())
    try:
        sent = [f"{n}".encode() for n in range(20)]
        for value in sent:
            await producer.send_and_wait(topic, value, key=value, partition=0)

        leader = cluster.node_of(await leader_of(bootstrap, topic, 0))
        cluster.kill_node(leader)  # the partition's leader: another in-sync copy takes over
        more = [f"{n}".encode() for n in range(20, 40)]
        for value in more:
            await asyncio.wait_for(producer.send_and_wait(topic, value, key=value, partition=0), 60)

        second = next(i for i, node in enumerate(cluster.nodes) if node.is_running())
        cluster.kill_node(second)  # one copy left: below min.insync.replicas, a write waits unacknowledged
        waiting = asyncio.ensure_future(producer.send_and_wait(topic, b"40", key=b"40", partition=0))
        await asyncio.sleep(4)
        assert not waiting.done(), "acknowledged with one copy in sync"
        await asyncio.to_thread(cluster.start_node, second)
        await asyncio.wait_for(waiting, 90)  # within the producer's retries: it lands once the broker is back

        everything = [*sent, *more, b"40"]
        await eventually(lambda: sorted(seen) == sorted(everything), timeout=90)
        assert len(seen) == len(set(seen)), "a record was written twice (the idempotent producer retried)"
        assert seen == everything  # one partition: in order
    finally:
        reading.cancel()
        await consumer.stop()
        await producer.stop()
