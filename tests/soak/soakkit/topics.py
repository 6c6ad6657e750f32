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

    def events_of_keys(self, keys: set[str]) -> list[dict[str, Any]]:
        """The events keyed by, or about a visit of, one of `keys`, in the order they occurred."""
        about = [e for e in self.events.values()
                 if e.get("key") in keys or (e.get("payload") or {}).get("visit_id") in keys]
        return sorted(about, key=lambda e: str(e.get("occurred_at", "")))


async def read_all(bootstrap: str) -> Seen:
    """Read every topic but the dead letters' and the sign-in links' (not events of the services' outboxes)."""
    specs = [spec for spec in ALL_TOPICS if spec.name not in (Topics.DEAD_LETTERS, Topics.SIGN_IN)]
    compacted = {spec.name for spec in specs if spec.compacted}
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, request_timeout_ms=15_000)
    await consumer.start()
    seen = Seen()
    try:
        partitions = [TopicPartition(spec.name, p) for spec in specs for p in range(spec.partitions)]
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


def _note(seen: Seen, topic: str, key: bytes | None, value: bytes | None, compacted: set[str]) -> None:
    if topic in compacted and key is not None:
        seen.compacted_keys.add((topic, key.decode()))
    if value is None:
        return
    envelope = json.loads(value)
    event_id = str(envelope.get("event_id"))
    seen.copies[event_id] += 1
    seen.events.setdefault(event_id, envelope | {"topic": topic})
