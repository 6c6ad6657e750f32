"""Tests against the real broker and database, through the plugin's session fixtures."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from outreach_dev.devstack.infrastructure import Infrastructure
from outreach_dev.devstack.provision import ensure_topics, provision_service_database
from outreach_shared.contracts.topics import TopicSpec


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def produce(bootstrap: str, topic: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for i in range(count):
            await producer.send_and_wait(topic, key=f"key-{i % 7}".encode(), value=f"message-{i}".encode())
    finally:
        await producer.stop()


async def drain(consumer: AIOKafkaConsumer, expected: int, seconds: float) -> list[bytes]:
    """Read until `expected` records arrived or `seconds` passed."""
    values: list[bytes] = []
    deadline = time.monotonic() + seconds
    while len(values) < expected and time.monotonic() < deadline:
        batches = await consumer.getmany(timeout_ms=500)
        values += [record.value for records in batches.values() for record in records if record.value]
    return values


def group_consumer(bootstrap: str, topic: str, group: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )


async def test_idempotent_producer_and_committed_consumer_group(kafka_bootstrap: str) -> None:
    topic, group = unique("it-orders"), unique("it-group")
    await ensure_topics(kafka_bootstrap, [TopicSpec(topic, partitions=3)])
    await produce(kafka_bootstrap, topic, 100)

    first = group_consumer(kafka_bootstrap, topic, group)
    await first.start()
    try:
        values = await drain(first, 100, 60)
        await first.commit()
        committed = [await first.committed(TopicPartition(topic, p)) for p in range(3)]
    finally:
        await first.stop()
    assert sorted(values) == sorted(f"message-{i}".encode() for i in range(100))
    assert sum(offset or 0 for offset in committed) == 100

    second = group_consumer(kafka_bootstrap, topic, group)
    await second.start()
    try:
        assert await drain(second, 1, 5) == []
    finally:
        await second.stop()


async def test_ensure_topics_is_idempotent_and_configures_compaction(kafka_bootstrap: str) -> None:
    plain, compacted = TopicSpec(unique("it-plain")), TopicSpec(unique("it-compact"), 1, compacted=True)
    await ensure_topics(kafka_bootstrap, [plain, compacted])
    await ensure_topics(kafka_bootstrap, [plain, compacted])
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = {t["topic"]: t for t in await admin.describe_topics([plain.name, compacted.name])}
        (response,) = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, compacted.name)])
    finally:
        await admin.close()
    assert len(described[plain.name]["partitions"]) == 3
    assert len(described[compacted.name]["partitions"]) == 1
    configs = {entry[0]: entry[1] for entry in response.resources[0][4]}
    assert configs["cleanup.policy"] == "compact"
    assert configs["min.cleanable.dirty.ratio"] == "0.01"


async def test_service_roles_cannot_read_each_others_schema(
    admin_dsn: str, provisioned_dsns: Callable[[str], Awaitable[str]]
) -> None:
    alpha = await asyncpg.connect(await provisioned_dsns("alpha"))
    try:
        await alpha.execute("CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, name text)")
        await alpha.execute("INSERT INTO items VALUES (1, 'one') ON CONFLICT DO NOTHING")
        assert await alpha.fetchval("SELECT current_schema()") == "alpha"
        assert await alpha.fetchval("SELECT name FROM alpha.items WHERE id = 1") == "one"
    finally:
        await alpha.close()

    beta = await asyncpg.connect(await provisioned_dsns("beta"))
    try:
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await beta.fetch("SELECT * FROM alpha.items")
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            await beta.execute("CREATE TABLE public.sneaky (id int)")
    finally:
        await beta.close()

    again = await provision_service_database(admin_dsn, "alpha", "another-password")
    assert again.startswith("postgresql://alpha:")


async def test_local_kafka_keeps_messages_across_kill_and_restart(infrastructure: Infrastructure) -> None:
    if infrastructure.kafka is None:
        pytest.skip(f"Kafka comes from {infrastructure.kafka_source}, not the local runner: cannot kill it")
    kafka = infrastructure.kafka
    topic = unique("it-durable")
    await ensure_topics(kafka.bootstrap_servers, [TopicSpec(topic, partitions=1)])
    await produce(kafka.bootstrap_servers, topic, 10)

    kafka.kill()
    assert not kafka.is_running()
    await asyncio.to_thread(kafka.restart)

    bootstrap = kafka.bootstrap_servers
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        values = await drain(consumer, 10, 30)
    finally:
        await consumer.stop()
    assert values == [f"message-{i}".encode() for i in range(10)]
