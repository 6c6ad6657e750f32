"""Kafka through each library's public API: a FastStream broker (dead letters, the AsyncAPI document, a service's own
subscribers), the outbox relay's own idempotent aiokafka producer, and batch subscriptions that run their own aiokafka
consumer and commit only after handling."""

import asyncio
import contextlib
import functools
import random
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any, NamedTuple, cast

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, ConsumerRecord, TopicPartition
from aiokafka.errors import MessageSizeTooLargeError
from aiokafka.partitioner import murmur2
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from faststream.specification import AsyncAPI

from outreach_shared.consumer import EventConsumer, Record
from outreach_shared.contracts import CATALOGUE
from outreach_shared.dead_letters import Publish
from outreach_shared.logging import get_logger
from outreach_shared.offsets import OffsetCommitter
from outreach_shared.outbox import Message
from outreach_shared.supervision import Supervisor

log = get_logger(__name__)

_JSON_HEADERS = [("content-type", b"application/json")]
MAX_BATCH_BYTES = 512 * 1024
MAX_RECORD_BYTES = 1_000_000
"""The largest key and value the sender queues: the broker refuses a record batch over `message.max.bytes` (1 MiB by
default, overhead included). Refused there, the record would also put the idempotent producer's sequence numbers out
of step, failing every later send; refused here, nothing is queued, and the relay sets the record aside."""
RECORD_WAIT_MS = 500
IN_FLIGHT_BATCHES = 2
"""Batches a subscription hands over before the oldest is finished: a share of the next batch starts as soon as the
same share of the one before is done (EventConsumer keeps each key's order), instead of every share waiting for the
slowest of the batch and for the next fetch."""
"""How long a batch subscription's fetch waits for records before it asks again; it returns as soon as any arrive."""
PRODUCER_OPTIONS: dict[str, Any] = {
    "acks": "all",  # every in-sync replica
    "enable_idempotence": True,  # never a duplicate on retry, order kept per partition with many in flight
    "request_timeout_ms": 15_000,
    # A partition holds one batch while its previous one is in flight; a bigger one lets the relay queue a whole
    # outbox batch without waiting for the broker in the middle of it.
    "max_batch_size": MAX_BATCH_BYTES,
}


@functools.lru_cache(maxsize=4096)
def _key_hash(key: bytes) -> int:
    return int(murmur2(key)) & 0x7FFFFFFF


def partition_for_key(key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
    """The partition of a record: aiokafka's default (the Java client's murmur2 of the key), remembering the hashes
    of recent keys. An aggregate's events are relayed together and share its key, and murmur2 in pure Python cost
    as much as the rest of queueing a record."""
    if key is None:
        return random.choice(available or all_partitions)
    return all_partitions[_key_hash(key) % len(all_partitions)]


def servers(bootstrap_servers: str) -> list[str]:
    """`host:port,host:port` as the list FastStream passes on to aiokafka (which reads a text as one address)."""
    return [server.strip() for server in bootstrap_servers.split(",") if server.strip()]


def create_broker(bootstrap_servers: str, *, client_id: str, logger: Any = None) -> KafkaBroker:
    """A broker whose producer waits for every in-sync replica and never duplicates on retry.

    Without FastDepends (`apply_types=False`): it resolved a handler's `KafkaMessage` annotation (a context lookup)
    in a worker thread, a thread hop and two GIL hand-overs on every batch of every subscriber. Handlers here take
    the message itself, which `the_message` hands them as its decoded body.
    """
    return KafkaBroker(
        servers(bootstrap_servers),
        client_id=client_id,
        apply_types=False,
        partitioner=partition_for_key,
        logger=logger,
        description=f"The {client_id} service's Kafka connection",
        **PRODUCER_OPTIONS,
    )


class OutboxSender:
    """The outbox relay's SendAll, on a producer of its own (acks=all, idempotent), started and stopped with the
    runtime.

    FastStream's publish builds a command, runs middlewares and re-encodes each message, which was most of the
    relay's time; FastStream has no public door to its aiokafka producer, so the relay owns one. The messages are
    queued in order as one record batch per partition (aiokafka's public `create_batch`/`send_batch`), then every
    acknowledgement is awaited. The idempotent producer keeps the order of records within a partition even with many
    in flight, so records of one key (one partition) arrive in the order they were queued.
    """

    def __init__(self, bootstrap_servers: str, *, client_id: str) -> None:
        self._options: dict[str, Any] = {"bootstrap_servers": bootstrap_servers, "client_id": client_id,
                                         "partitioner": partition_for_key, **PRODUCER_OPTIONS}  # fmt: skip
        self.producer: AIOKafkaProducer = None
        self._partitions: dict[str, list[int]] = {}

    async def start(self) -> None:
        """Connect the producer (made here: aiokafka's clients are made inside the running loop)."""
        self.producer = AIOKafkaProducer(**self._options)
        await self.producer.start()

    async def stop(self) -> None:
        """Flush what is queued and disconnect."""
        if self.producer is not None:
            await self.producer.stop()

    async def __call__(self, messages: Sequence[Message]) -> None:
        """Send the messages and return once every one is acknowledged."""
        pending = []
        for (topic, partition), batch in await self._record_batches(messages):
            pending.append(await self.producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*pending)

    async def _record_batches(self, messages: Sequence[Message]) -> list[tuple[tuple[str, int], Any]]:
        """The messages as record batches, each for one partition (the one `send` would choose), in the order given:
        queued whole, a batch costs one future and one trip through the producer's queue instead of one per
        record."""
        open_batches: dict[tuple[str, int], Any] = {}
        batches: list[tuple[tuple[str, int], Any]] = []
        for topic, key, value in messages:
            if len(key) + len(value) > MAX_RECORD_BYTES:
                raise MessageSizeTooLargeError(f"a record for {topic} is larger than {MAX_RECORD_BYTES} bytes")
            every = self._partitions.get(topic)
            if every is None:  # waits for the topic's metadata, as send does; topics never shrink
                every = self._partitions[topic] = sorted(await self.producer.partitions_for(topic))
            target = (topic, partition_for_key(key, every, every))
            batch = open_batches.get(target)
            if batch is None or not _appended(batch, key, value):
                batch = open_batches[target] = self.producer.create_batch()  # a full one stays before it
                batches.append((target, batch))
                if not _appended(batch, key, value):
                    raise ValueError(f"a record for {topic} is larger than a whole batch ({MAX_BATCH_BYTES} bytes)")
        return batches


def _appended(batch: Any, key: bytes, value: bytes) -> bool:
    """Add the record to the batch; False when the batch is full (it is then closed)."""
    return batch.append(timestamp=None, key=key, value=value, headers=_JSON_HEADERS) is not None


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


class Lag(NamedTuple):
    """How far one consumer is behind on one partition: records written and not yet handled and committed."""

    consumer: str
    topic: str
    partition: int
    records: int


class BatchSubscription:
    """Feeds fetched batches of `topics` to an EventConsumer on an aiokafka consumer of its own; a batch's offsets
    are committed (by its OffsetCommitter, in the background) only once its transactions have committed.

    FastStream's batch loop asks for records with a short timeout and, finding none, sleeps as long again, running
    its whole pipeline for the empty batch each time: a record arriving in that sleep waited for its end on every hop
    of a flow, and an idle subscriber woke 50 times a second. This loop waits in aiokafka's fetch (up to
    `record_wait_ms`), which returns as soon as records arrive. Up to IN_FLIGHT_BATCHES batches are handled at once;
    offsets are handed to the committer in fetch order, each batch's once it and every batch before it are handled.
    """

    def __init__(self, bootstrap_servers: str, consumer: EventConsumer, topics: Sequence[str], *, group_id: str,
                 client_id: str, max_records: int = 500, record_wait_ms: int = RECORD_WAIT_MS,
                 supervisor: Supervisor | None = None) -> None:  # fmt: skip
        self.consumer = consumer
        self.supervisor = supervisor or Supervisor()
        """Runs the loop: if it raises, it is logged and restarted (the batches in flight stay in order)."""
        self.topics = list(topics)
        self.committer = OffsetCommitter(name=consumer.name)
        self._options: dict[str, Any] = {
            "bootstrap_servers": bootstrap_servers, "client_id": client_id, "group_id": group_id,
            "enable_auto_commit": False, "auto_offset_reset": "earliest", "max_poll_interval_ms": 600_000,
        }  # fmt: skip
        self._kafka: AIOKafkaConsumer = None
        self._max_records = max_records
        self._wait_ms = record_wait_ms
        self._task: asyncio.Task[None] | None = None
        self._in_flight: deque[tuple[asyncio.Task[Any], list[ConsumerRecord]]] = deque()
        """Batches handed to the consumer and not yet finished, oldest first."""
        self._finishing = asyncio.Lock()

    async def start(self) -> None:
        """Join the group and start handling (the consumer is made here: inside the running loop)."""
        self._kafka = AIOKafkaConsumer(**self._options)
        await self._kafka.start()
        self._kafka.subscribe(self.topics, listener=_SettleFirst(self))  # a revoked partition leaves with its offsets
        self._task = self.supervisor.spawn(f"{self.consumer.name}:subscription", self._run)

    async def stop(self) -> None:
        """Stop handling, commit what was handled, leave the group."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for task, _ in self._in_flight:
            task.cancel()  # a batch cut short is not committed: redelivered, the inbox drops what was handled
        await asyncio.gather(*(task for task, _ in self._in_flight), return_exceptions=True)
        while self._in_flight and not self._in_flight[0][0].cancelled() and self._in_flight[0][0].exception() is None:
            self.committer.handled(self._kafka, self._in_flight.popleft()[1])
        self._in_flight.clear()
        await self.committer.close()
        if self._kafka is not None:
            await self._kafka.stop()

    async def lag(self) -> list[Lag]:
        """Per partition this instance holds: records on the broker not yet handled and committed (from the log's
        start where the group has committed nothing)."""
        held = list(self._kafka.assignment()) if self._kafka is not None else []
        if not held:
            return []
        ends, starts = await self._kafka.end_offsets(held), await self._kafka.beginning_offsets(held)
        committed = [await self._kafka.committed(tp) for tp in held]
        return [Lag(self.consumer.name, tp.topic, tp.partition, ends[tp] - (done if done is not None else starts[tp]))
                for tp, done in zip(held, committed, strict=True)]  # fmt: skip

    async def _run(self) -> None:
        while True:
            if len(self._in_flight) >= IN_FLIGHT_BATCHES:
                await self._finish_oldest()
                continue
            try:  # with a batch in flight, only what is already fetched: else that batch is finished first
                fetched = await self._kafka.getmany(timeout_ms=0 if self._in_flight else self._wait_ms,
                                                    max_records=self._max_records)  # fmt: skip
            except Exception as exc:
                log.warning("fetching records failed; retrying", consumer=self.consumer.name, error=type(exc).__name__)
                await asyncio.sleep(1.0)
                continue
            if not fetched:
                if self._in_flight:
                    await self._finish_oldest()
                continue
            raw = list(chain.from_iterable(fetched.values()))
            task = asyncio.create_task(self.consumer.handle_batch([_record(r) for r in raw]))
            self._in_flight.append((task, raw))

    async def _finish_oldest(self) -> None:
        """Wait for the oldest batch in flight; its offsets may be committed once it (and every one before) is handled.
        When it failed, every batch in flight is fetched again from its first record (the inbox drops what was
        handled)."""
        async with self._finishing:
            if not self._in_flight:
                return
            task, raw = self._in_flight[0]
            try:
                await asyncio.shield(task)
            except Exception:
                log.exception("batch not handled; fetching it again", consumer=self.consumer.name)
                await asyncio.gather(*(t for t, _ in self._in_flight), return_exceptions=True)
                first: dict[TopicPartition, int] = {}
                for _, records in self._in_flight:
                    for r in records:
                        tp = TopicPartition(r.topic, r.partition)
                        first[tp] = min(first.get(tp, r.offset), r.offset)
                self._in_flight.clear()
                for tp, offset in first.items():
                    with contextlib.suppress(Exception):  # a partition revoked meanwhile is someone else's now
                        self._kafka.seek(tp, offset)
                await asyncio.sleep(1.0)
                return
            self._in_flight.popleft()
            self.committer.handled(self._kafka, raw)

    async def settle(self) -> None:
        """Finish every batch in flight."""
        while self._in_flight:
            await self._finish_oldest()


class _SettleFirst(ConsumerRebalanceListener):
    """The subscription's rebalance listener: batches in flight are finished, then their offsets committed, before
    partitions go to another instance."""

    def __init__(self, subscription: BatchSubscription) -> None:
        self.subscription = subscription

    async def on_partitions_revoked(self, revoked: Any) -> None:
        await self.subscription.settle()
        await self.subscription.committer.on_partitions_revoked(revoked)

    async def on_partitions_assigned(self, assigned: Any) -> None:
        await self.subscription.committer.on_partitions_assigned(assigned)


def _record(raw: ConsumerRecord) -> Record:
    return Record(topic=raw.topic, partition=raw.partition, offset=raw.offset, key=raw.key, value=raw.value,
                  headers=tuple(raw.headers or ()))


class Kafka:
    """A service's Kafka connections, started and stopped together: the FastStream `broker` (dead letters, readiness,
    a service's own subscribers), the outbox relay's `send_all`, and the kit's batch subscriptions.

    `documentation` is a FastStream broker that is never connected: it declares the batch subscriptions' channels
    (they run on aiokafka consumers of their own) so the AsyncAPI document lists them beside the broker's.
    """

    def __init__(self, bootstrap_servers: str, *, client_id: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.client_id = client_id
        self.broker = create_broker(bootstrap_servers, client_id=client_id)
        self.documentation = KafkaBroker(servers(bootstrap_servers), client_id=client_id, apply_types=False)
        self.send_all = OutboxSender(bootstrap_servers, client_id=client_id)
        self.subscriptions: list[BatchSubscription] = []
        self.supervisor = Supervisor()
        """Runs the batch subscriptions' loops (restarted if one raises; the runtime's readiness asks it)."""

    def subscribe(self, consumer: EventConsumer, topics: Iterable[str], *, group_id: str, batch: bool = True,
                  max_records: int = 500, record_wait_ms: int = RECORD_WAIT_MS) -> None:  # fmt: skip
        """Feed records of `topics` to `consumer`; offsets are committed only after it has handled them.

        With `batch`, each fetched batch is handled in one transaction (much faster); the consumer falls back to one
        record at a time, with retries and dead letters, when anything in the batch fails; its offsets are committed
        in the background. Without `batch`, FastStream's subscriber hands over one record at a time, each committed
        once handled.
        """
        topics = list(topics)
        options: dict[str, Any] = {
            "group_id": group_id,
            "title": f"{consumer.name}:{','.join(topics)}",
            "description": "Handles: " + ", ".join(consumer.event_types),
        }
        if batch:
            self.subscriptions.append(BatchSubscription(
                self.bootstrap_servers, consumer, topics, group_id=group_id, client_id=self.client_id,
                max_records=max_records, record_wait_ms=record_wait_ms, supervisor=self.supervisor))  # fmt: skip

            @self.documentation.subscriber(*topics, batch=True, **options)
            async def on_batch(msg: Any) -> None:  # declared for the document only: this broker never connects
                raise RuntimeError("the documentation broker does not consume")

            return

        @self.broker.subscriber(*topics, ack_policy=AckPolicy.MANUAL, decoder=the_message,
                                auto_offset_reset="earliest", max_poll_interval_ms=600_000, **options)  # fmt: skip
        async def on_record(msg: Any) -> None:  # `the_message`'s KafkaMessage; Any keeps it out of the payload
            await consumer.handle(_record(cast(ConsumerRecord, msg.raw_message)))
            await msg.ack()

    async def start(self) -> None:
        """Connect the broker (and its subscribers), the outbox's producer, then the batch subscriptions."""
        await self.broker.start()
        await self.send_all.start()
        for subscription in self.subscriptions:
            await subscription.start()

    async def lags(self) -> list[Lag]:
        """Every batch subscription's lag on the partitions it holds now."""
        found = await asyncio.gather(*(subscription.lag() for subscription in self.subscriptions))
        return list(chain.from_iterable(found))

    async def stop(self) -> None:
        """Stop the batch subscriptions (committing what they handled), the outbox's producer, then the broker."""
        for subscription in self.subscriptions:
            with contextlib.suppress(Exception):
                await subscription.stop()
        with contextlib.suppress(Exception):
            await self.send_all.stop()
        await self.broker.stop()

    def specification(self, *, title: str, description: str | None = None) -> AsyncAPI:
        """The AsyncAPI 3 document's factory: every subscriber and every declared publisher."""
        return AsyncAPI(self.broker, self.documentation, title=title, description=description)


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
