"""Kafka through FastStream: an idempotent acks=all broker, and subscribers that commit only after handling."""

import asyncio
import functools
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any, cast

from aiokafka import AIOKafkaProducer, ConsumerRecord
from aiokafka.errors import MessageSizeTooLargeError
from aiokafka.partitioner import DefaultPartitioner, murmur2
from aiokafka.producer.message_accumulator import BatchBuilder
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from faststream.kafka.subscriber.usecase import BatchSubscriber

from outreach_shared.consumer import EventConsumer, Record
from outreach_shared.contracts import CATALOGUE
from outreach_shared.dead_letters import Publish
from outreach_shared.offsets import OffsetCommitter
from outreach_shared.outbox import Message, SendAll

_JSON_HEADERS = [("content-type", b"application/json")]
MAX_BATCH_BYTES = 512 * 1024
MAX_RECORD_BYTES = 1_000_000
"""The largest key and value the sender queues: the broker refuses a record batch over `message.max.bytes` (1 MiB by
default, overhead included). Refused there, the record would also put the idempotent producer's sequence numbers out
of step, failing every later send; refused here, nothing is queued, and the relay sets the record aside."""


@functools.lru_cache(maxsize=4096)
def _key_hash(key: bytes) -> int:
    return int(murmur2(key)) & 0x7FFFFFFF


def partition_for_key(key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
    """The partition of a record: aiokafka's default (the Java client's murmur2 of the key), remembering the hashes
    of recent keys. An aggregate's events are relayed together and share its key, and murmur2 in pure Python cost
    as much as the rest of queueing a record."""
    if key is None:
        return int(DefaultPartitioner()(key, all_partitions, available))
    return all_partitions[_key_hash(key) % len(all_partitions)]


def create_broker(bootstrap_servers: str, *, client_id: str, logger: Any = None) -> KafkaBroker:
    """A broker whose producer waits for every in-sync replica and never duplicates on retry.

    Without FastDepends (`apply_types=False`): it resolved a handler's `KafkaMessage` annotation (a context lookup)
    in a worker thread, a thread hop and two GIL hand-overs on every batch of every subscriber. Handlers here take
    the message itself, which `the_message` hands them as its decoded body.
    """
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        apply_types=False,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=15_000,
        # A partition holds one batch while its previous one is in flight; a bigger one lets the relay queue a
        # whole outbox batch without waiting for the broker in the middle of it.
        max_batch_size=MAX_BATCH_BYTES,
        partitioner=partition_for_key,
        logger=logger,
        description=f"The {client_id} service's Kafka connection",
    )


def sender(broker: KafkaBroker) -> SendAll:
    """An outbox SendAll: queues the messages in order, as one record batch per partition, then waits for all
    acknowledgements.

    Messages go straight to the broker's aiokafka producer (acks=all, idempotent): FastStream's publish builds a
    command, runs middlewares and re-encodes each message, which was most of the relay's time. The idempotent
    producer keeps the order of records within a partition even with many in flight, so records of one key (one
    partition) arrive in the order they were queued.
    """

    async def send_all(messages: Sequence[Message]) -> None:
        producer = _producer(broker)
        pending = []
        for (topic, partition), batch in await _record_batches(producer, messages):
            pending.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*pending)

    return send_all


async def _record_batches(
    producer: AIOKafkaProducer, messages: Sequence[Message]
) -> list[tuple[tuple[str, int], BatchBuilder]]:
    """The messages as record batches, each for one partition (the one `send` would choose), in the order given:
    queued whole, a batch costs one future and one trip through the producer's queue instead of one per record."""
    partitions: dict[str, tuple[list[int], list[int]]] = {}
    open_batches: dict[tuple[str, int], BatchBuilder] = {}
    batches: list[tuple[tuple[str, int], BatchBuilder]] = []
    for topic, key, value in messages:
        if len(key) + len(value) > MAX_RECORD_BYTES:
            raise MessageSizeTooLargeError(f"a record for {topic} is larger than {MAX_RECORD_BYTES} bytes")
        if topic not in partitions:
            every = sorted(await producer.partitions_for(topic))  # waits for the topic's metadata, as send does
            partitions[topic] = every, sorted(producer.client.cluster.available_partitions_for_topic(topic))
        target = (topic, partition_for_key(key, *partitions[topic]))
        batch = open_batches.get(target)
        if batch is None or not _appended(batch, key, value):
            batch = open_batches[target] = producer.create_batch()  # a full one stays before it in the list
            batches.append((target, batch))
            if not _appended(batch, key, value):
                raise ValueError(f"a record for {topic} is larger than a whole batch ({MAX_BATCH_BYTES} bytes)")
    return batches


def _appended(batch: BatchBuilder, key: bytes, value: bytes) -> bool:
    """Add the record to the batch; False when the batch is full (it is then closed)."""
    return batch.append(timestamp=None, key=key, value=value, headers=_JSON_HEADERS) is not None


def _producer(broker: KafkaBroker) -> AIOKafkaProducer:
    """The started broker's own aiokafka producer (FastStream keeps it behind its publish command)."""
    fast_producer = broker.config.producer
    return cast(AIOKafkaProducer, fast_producer._producer.producer)  # type: ignore[attr-defined]


def publisher(broker: KafkaBroker) -> Publish:
    """A dead-letter Publish: raw key, value and headers, returns once acknowledged."""

    async def publish(topic: str, key: bytes | None, value: bytes | None, headers: dict[str, str]) -> None:
        correlation_id = headers.get("correlation_id")  # else FastStream makes one up, unrelated to the flow
        await broker.publish(
            value if value is not None else b"", topic, key=key, headers=headers, correlation_id=correlation_id
        )

    return publish


async def the_message(msg: KafkaMessage) -> KafkaMessage:
    """A decoder that hands the handler the message itself, body undecoded: the EventConsumer parses bodies, and
    dead-letters what is not an envelope. FastStream's own decoder would raise on a body that is not JSON but says
    it is, before any handler ran, and the batch around it would be committed past unhandled."""
    return msg


RECORD_WAIT_MS = 500
"""How long a batch subscriber's fetch waits for records before it asks again; it returns as soon as any arrive."""


def wait_for_records(subscriber: BatchSubscriber, wait_ms: int = RECORD_WAIT_MS) -> None:
    """Make a batch subscriber wait for records in aiokafka's fetch, which returns as soon as any arrive.

    FastStream's own loop asks for records with a short timeout and, finding none, sleeps as long again before it
    asks once more, running its whole pipeline for the empty batch each time. A record arriving in that sleep waited
    for its end on every hop of a flow, and an idle subscriber woke 50 times a second (about 0.03 core per service
    at 10 ms). Only the fetch is replaced: FastStream still runs the handler, its middlewares and its error handling.
    """

    async def get_msg(consumer: Any) -> tuple[ConsumerRecord, ...]:
        while True:
            fetched = await consumer.getmany(timeout_ms=wait_ms, max_records=subscriber.max_records)
            if fetched or not subscriber.running:
                return tuple(chain.from_iterable(fetched.values()))

    subscriber.get_msg = get_msg  # type: ignore[method-assign]


def subscribe(
    broker: KafkaBroker, consumer: EventConsumer, topics: Iterable[str], *, group_id: str, batch: bool = True,
    max_records: int = 500, record_wait_ms: int = RECORD_WAIT_MS,
) -> OffsetCommitter | None:
    """Feed records of `topics` to `consumer`; offsets are committed only after it has handled them.

    With `batch`, each fetched batch is handled in one transaction (much faster); the consumer falls back to one
    record at a time, with retries and dead letters, when anything in the batch fails. Its offsets are then
    committed in the background by the returned OffsetCommitter: close it before the broker stops. Without
    `batch`, each record is committed once handled.
    """
    topics = list(topics)
    options: dict[str, Any] = {
        "group_id": group_id,
        "ack_policy": AckPolicy.MANUAL,
        "decoder": the_message,
        "auto_offset_reset": "earliest",
        "max_poll_interval_ms": 600_000,
        "title": f"{consumer.name}:{','.join(topics)}",
        "description": "Handles: " + ", ".join(consumer.event_types),
    }
    if batch:
        committer = OffsetCommitter(name=consumer.name)

        subscriber = broker.subscriber(*topics, batch=True, max_records=max_records, listener=committer, **options)
        wait_for_records(subscriber, record_wait_ms)

        @subscriber
        async def on_batch(msg: Any) -> None:  # `the_message`'s KafkaMessage; Any keeps it out of the AsyncAPI payload
            raw = cast(tuple[ConsumerRecord, ...], msg.raw_message)
            if raw:
                await consumer.handle_batch([_record(r) for r in raw])
                committer.handled(msg.consumer, raw)

        return committer

    @broker.subscriber(*topics, **options)
    async def on_record(msg: Any) -> None:
        await consumer.handle(_record(cast(ConsumerRecord, msg.raw_message)))
        await msg.ack()

    return None


def _record(raw: ConsumerRecord) -> Record:
    return Record(topic=raw.topic, partition=raw.partition, offset=raw.offset, key=raw.key, value=raw.value,
                  headers=tuple(raw.headers or ()))


def document_publishers(broker: KafkaBroker, producer: str) -> None:
    """Declare every event this service produces, so the generated AsyncAPI lists its payload schema."""
    for spec in CATALOGUE.values():
        if spec.producer == producer:
            broker.publisher(
                spec.topic,
                title=f"{spec.type} (v{spec.version})",
                schema=spec.model,
                description=spec.description,
            )
