"""Dead letters: records no consumer could handle, with the reason in headers; listing and replay."""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import ValidationError

from outreach_shared.consumer import Record
from outreach_shared.contracts import Envelope, Topics

CORRELATION_HEADER = "correlation_id"
"""The header FastStream reads and writes; a dead letter carries the envelope's correlation id in it."""

Publish = Callable[[str, bytes | None, bytes | None, dict[str, str]], Awaitable[None]]
"""Publishes (topic, key, value, headers) and waits for the broker's acknowledgement."""


def correlation_of(record: Record) -> str | None:
    """The record's correlation id: its envelope's, else its own header's (a record that is no envelope)."""
    if record.value is not None:
        try:
            return Envelope.from_bytes(record.value).correlation_id
        except ValidationError:
            pass
    headers = dict(record.headers)
    return headers[CORRELATION_HEADER].decode(errors="replace") if CORRELATION_HEADER in headers else None


def event_identity(value: bytes | None) -> tuple[str | None, str | None]:
    """The event id and type a dead letter's record names, read leniently (an envelope its consumer refused may not
    be a valid one): (None, None) for a record that is not a JSON object, None for a field it lacks or that is not
    text. Never the payload."""
    try:
        found = json.loads(value) if value else None
    except ValueError:
        return None, None
    if not isinstance(found, dict):
        return None, None
    event_id, event_type = found.get("event_id"), found.get("type")
    return (event_id if isinstance(event_id, str) else None), (event_type if isinstance(event_type, str) else None)


def dead_letter_headers(record: Record, reason: str, attempts: int, consumer: str) -> dict[str, str]:
    """The headers that say where a dead letter came from and why it was rejected, and whose flow it belongs to
    (the envelope's correlation id, so a dead letter is found by the id its flow's log lines carry)."""
    correlation_id = correlation_of(record)
    return ({CORRELATION_HEADER: correlation_id} if correlation_id else {}) | {
        "x-dead-letter-reason": reason,
        "x-dead-letter-consumer": consumer,
        "x-dead-letter-attempts": str(attempts),
        "x-original-topic": record.topic,
        "x-original-partition": str(record.partition),
        "x-original-offset": str(record.offset),
        "x-dead-lettered-at": datetime.now(UTC).isoformat(),
    }


def dead_letter_sink(publish: Publish, consumer: str) -> Callable[[Record, str, int], Awaitable[None]]:
    """A sink for EventConsumer that writes the original key and value to the dead-letter topic."""

    async def sink(record: Record, reason: str, attempts: int) -> None:
        headers = dead_letter_headers(record, reason, attempts, consumer)
        await publish(Topics.DEAD_LETTERS, record.key, record.value, headers)

    return sink


@dataclass(frozen=True)
class DeadLetter:
    """One record on the dead-letter topic."""

    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    @property
    def reason(self) -> str:
        """Why it was rejected."""
        return self.headers.get("x-dead-letter-reason", "")

    @property
    def original_topic(self) -> str:
        """The topic it was read from."""
        return self.headers.get("x-original-topic", "")

    @property
    def event(self) -> tuple[str | None, str | None]:
        """The event id and type its record names (see `event_identity`)."""
        return event_identity(self.value)


async def read_dead_letters(bootstrap: str, *, limit: int = 1000) -> list[DeadLetter]:
    """Every dead letter retained on the topic, oldest first (reads without a consumer group)."""
    return await _read(bootstrap, partition=0, start=None, limit=limit)


async def read_dead_letter(bootstrap: str, *, partition: int, offset: int) -> DeadLetter | None:
    """The dead letter at `offset` of the topic's `partition`, or None when the topic no longer holds it (past its
    retention) or never did."""
    found = await _read(bootstrap, partition=partition, start=offset, limit=1)
    return found[0] if found and found[0].offset == offset else None


async def _read(bootstrap: str, *, partition: int, start: int | None, limit: int) -> list[DeadLetter]:
    """Up to `limit` records of one partition from `start` (else its beginning) to its end, without a group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        place = TopicPartition(Topics.DEAD_LETTERS, partition)
        consumer.assign([place])
        first = (await consumer.beginning_offsets([place]))[place]
        end = (await consumer.end_offsets([place]))[place]
        if start is None or start < first:
            await consumer.seek_to_beginning(place)
        else:
            consumer.seek(place, start)
        letters: list[DeadLetter] = []
        while await consumer.position(place) < end and len(letters) < limit:
            batch = await consumer.getmany(place, timeout_ms=1000, max_records=limit - len(letters))
            for message in batch.get(place, []):
                headers = {k: v.decode(errors="replace") for k, v in message.headers}
                letters.append(DeadLetter(message.offset, message.key, message.value, headers))
        return letters[:limit]
    finally:
        await consumer.stop()


async def replay(letter: DeadLetter, publish: Publish) -> None:
    """Publish a dead letter's original record again to its original topic (consumers' inboxes dedupe)."""
    headers = {"x-replayed-from-dead-letter-offset": str(letter.offset)}
    await publish(letter.original_topic, letter.key, letter.value, headers)
