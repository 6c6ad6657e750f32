"""Publish to and read from the real broker in tests."""

import asyncio
import time
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from outreach_shared.contracts import Envelope
from outreach_shared.contracts.catalogue import spec_for


async def publish_raw(
    bootstrap: str, topic: str, key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes]] = ()
) -> None:
    """Send one record and wait for the broker's acknowledgement."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=list(headers))
    finally:
        await producer.stop()


async def publish_envelopes(bootstrap: str, *envelopes: Envelope) -> None:
    """Send envelopes to their catalogued topics, keyed by aggregate, in order."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for envelope in envelopes:
            await producer.send_and_wait(spec_for(envelope.type).topic, envelope.to_bytes(), key=envelope.key.encode())
    finally:
        await producer.stop()


async def read_topic(
    bootstrap: str, topic: str, *, until: Callable[[list[ConsumerRecord]], bool], timeout: float = 30.0
) -> list[ConsumerRecord]:
    """Read the topic from the beginning (no group) until `until(records)` holds; AssertionError at timeout."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        partitions = [TopicPartition(topic, p) for p in await partitions_of(consumer, topic)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + timeout
        while not until(records):
            if time.monotonic() > deadline:
                raise AssertionError(f"{topic}: condition not met within {timeout} s ({len(records)} records read)")
            batch = await consumer.getmany(timeout_ms=200)
            for messages in batch.values():
                records.extend(messages)
            await asyncio.sleep(0)
        return records
    finally:
        await consumer.stop()


async def partitions_of(consumer: AIOKafkaConsumer, topic: str, timeout: float = 10.0) -> set[int]:
    """The partition numbers of `topic`, waiting for the consumer to learn them (a started consumer)."""
    deadline = time.monotonic() + timeout
    while (partitions := consumer.partitions_for_topic(topic)) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"topic {topic} does not exist")
        consumer._client.add_topic(topic)
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.1)
    return partitions


def envelopes_of(records: list[ConsumerRecord]) -> list[Envelope]:
    """The records that are envelopes, parsed (others skipped)."""
    parsed = []
    for record in records:
        try:
            parsed.append(Envelope.from_bytes(record.value))
        except Exception:  # noqa: BLE001 - foreign records on a shared topic are not ours to judge
            continue
    return parsed
