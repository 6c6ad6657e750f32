"""Every event on the topics, read with a plain Kafka consumer from the beginning to the current end."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from outreach_shared.contracts.topics import ALL_TOPICS, Topics


@dataclass
class Seen:
    """The events read: each event id's envelope (first copy), and how many copies of it there were."""

    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    copies: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    compacted_keys: set[tuple[str, str]] = field(default_factory=set)

    def of_type(self, *types: str) -> list[dict[str, Any]]:
        """The distinct events of these types."""
        return [e for e in self.events.values() if e.get("type") in types]


async def read_all(bootstrap: str) -> Seen:
    """Read every topic but the dead letters' and the sign-in links' (not events of the services' outboxes)."""
    topics = [spec.topic for spec in ALL_TOPICS if spec.topic not in (Topics.DEAD_LETTERS, Topics.SIGN_IN)]
    compacted = {spec.topic for spec in ALL_TOPICS if spec.compacted}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, request_timeout_ms=15_000)
    await consumer.start()
    seen = Seen()
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or
                                                                           await _partitions(consumer, t))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        left = {tp for tp in partitions if ends[tp] > 0}
        while left:
            batch = await consumer.getmany(*left, timeout_ms=2000)
            for tp, records in batch.items():
                for record in records:
                    _note(seen, tp.topic, record.key, record.value, compacted)
                if await consumer.position(tp) >= ends[tp]:
                    left.discard(tp)
    finally:
        await consumer.stop()
    return seen


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()  # noqa: SLF001 - a topic not yet in the client's metadata
    return consumer.partitions_for_topic(topic) or set()


def _note(seen: Seen, topic: str, key: bytes | None, value: bytes | None, compacted: set[str]) -> None:
    if topic in compacted and key is not None:
        seen.compacted_keys.add((topic, key.decode()))
    if value is None:
        return
    envelope = json.loads(value)
    event_id = str(envelope.get("event_id"))
    seen.copies[event_id] += 1
    seen.events.setdefault(event_id, envelope | {"topic": topic})
