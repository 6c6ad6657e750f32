"""Raw Kafka records: read a topic to its end, publish exact bytes (duplicates, forgeries, poison)."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


async def read_all(bootstrap: str, topic: str) -> list[ConsumerRecord]:
    """Every record retained on `topic`, read without a consumer group up to the current end offsets."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(r for r in batch if r.offset < ends[TopicPartition(r.topic, r.partition)])
        return records
    finally:
        await consumer.stop()


async def publish(bootstrap: str, topic: str, records: Sequence[tuple[bytes | None, bytes]]) -> list[tuple[int, int]]:
    """Send (key, value) records in order; returns each one's (partition, offset)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        placed = []
        for key, value in records:
            meta = await producer.send_and_wait(topic, value, key=key, headers=[("content-type", b"application/json")])
            placed.append((meta.partition, meta.offset))
        return placed
    finally:
        await producer.stop()
