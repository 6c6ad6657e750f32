"""Kafka for the privacy tests: read every retained record of every topic, send raw records, roll compacted
segments so the log cleaner can remove superseded records."""

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.structs import RecordMetadata

from outreach_dev.devstack.provision import COMPACTED_TOPIC_CONFIG
from outreach_shared.contracts import ALL_TOPICS


@dataclass(frozen=True)
class Retained:
    """One record as the broker keeps it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    def mentions(self, needle: str) -> bool:
        """Whether the needle appears in key, value or headers (case-insensitive, as UTF-8 text)."""
        parts = [self.key or b"", self.value or b"", *(k.encode() + b"=" + v for k, v in self.headers)]
        return any(needle.lower() in p.decode(errors="replace").lower() for p in parts)


async def read_everything(bootstrap: str) -> list[Retained]:
    """Every record retained on every topic, from the beginning to the current end (no consumer group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(t.name, p) for t in ALL_TOPICS for p in range(t.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[Retained] = []
        pending = {tp for tp in partitions if ends[tp] > await consumer.position(tp)}
        while pending:
            for tp, messages in (await consumer.getmany(*pending, timeout_ms=500, max_records=5000)).items():
                records += [
                    Retained(m.topic, m.partition, m.offset, m.key, m.value, tuple(m.headers or ())) for m in messages
                ]
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return records
    finally:
        await consumer.stop()


@asynccontextmanager
async def producer(bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    """An acks=all producer."""
    kafka = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await kafka.start()
    try:
        yield kafka
    finally:
        await kafka.stop()


async def send_raw(bootstrap: str, topic: str, key: bytes | None, value: bytes | None) -> RecordMetadata:
    """Send one record and return where it landed."""
    async with producer(bootstrap) as kafka:
        return await kafka.send_and_wait(topic, value, key=key)


async def set_segment_ms(bootstrap: str, topics: list[str], segment_ms: int) -> None:
    """Change how soon the compacted topics roll their active segment (the cleaner never touches that one)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        config = COMPACTED_TOPIC_CONFIG | {"segment.ms": str(segment_ms)}
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, t, config) for t in topics])
    finally:
        await admin.close()


async def roll_segments(bootstrap: str, topics: list[str]) -> None:
    """Append a tombstone of a throw-away key to every partition: a segment older than segment.ms rolls."""
    async with producer(bootstrap) as kafka:
        for topic in topics:
            for partition in await kafka.partitions_for(topic):
                await kafka.send_and_wait(topic, None, key=f"roll-{secrets.token_hex(4)}".encode(), partition=partition)
