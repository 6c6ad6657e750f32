"""2. Event pipeline: outbox relay → Kafka → consumer (inbox dedup + one state change), vs raw aiokafka.

Both drain the same backlog of catalogued envelopes in one process (one service instance): the kit from
outbox rows written beforehand, raw aiokafka from the same payload bytes. events/s = N / (first send → last
event handled).

The two sides are measured in rounds that alternate (raw, kit, raw, kit, ...), and each side's figure is its median
round, as booking's saturation is: this machine's speed drifts by tens of percent within minutes, and one raw round
(1-2 s) followed by one kit round read that drift as a difference between them. Each round also records the CPU
every process spent per event (this process, PostgreSQL, Kafka), so the table shows where the kit's cycles go.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import cpu_split
import uvloop
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from profiling import profiled
from stack import Stack, start_groups_at_end
from stats import BenchResult, median_round

from outreach_dev.devstack.provision import ensure_topics, provision_service_database
from outreach_shared import db
from outreach_shared.consumer import EventConsumer, HandlerContext
from outreach_shared.contracts import Envelope, Topics, new_envelope
from outreach_shared.contracts.topics import TopicSpec
from outreach_shared.contracts.training import AttendanceRecorded
from outreach_shared.dead_letters import dead_letter_sink
from outreach_shared.kafka import create_broker, publisher, sender, subscribe
from outreach_shared.logging import configure_logging
from outreach_shared.outbox import OutboxRelay, enqueue

SCHEMA = "bench_pipeline"
MIGRATIONS = Path(__file__).parent / "migrations" / "pipeline"
EVENT_TYPE = "gathering.attendance-recorded"
WARMUP, EVENTS, ROUNDS = 2_000, 20_000, 3
KEYS = 64
TIMEOUT = 180.0


def envelopes(n: int) -> list[Envelope]:
    """n catalogued events over KEYS aggregates (so every partition gets some)."""
    subjects = [f"g-{uuid.uuid4()}" for _ in range(KEYS)]
    return [
        new_envelope(AttendanceRecorded(gathering_id=subjects[i % KEYS], member_id=str(uuid.uuid4())),
                     key=subjects[i % KEYS], producer="bench", correlation_id=f"bench-{i}")
        for i in range(n)
    ]


class EffectRecorder:
    """The handler: the one state change per event. It counts its calls, so the benchmark starts counting rows only
    once every event has been handled (its transaction may still be committing): counting the table every 20 ms
    throughout cost PostgreSQL more per event than the handler's own insert."""

    def __init__(self, events: int) -> None:
        self.calls = 0
        self.events = events
        self.all_called = asyncio.Event()

    async def __call__(self, ctx: HandlerContext, payload: AttendanceRecorded) -> None:
        await ctx.conn.execute("INSERT INTO effects (event_id, subject) VALUES ($1, $2)",
                               ctx.envelope.event_id, payload.gathering_id)
        self.calls += 1
        if self.calls >= self.events:
            self.all_called.set()


async def fill_outbox(pool: asyncpg.Pool, events: list[Envelope]) -> None:
    """Write the backlog (1,000 events a transaction); not measured."""
    async with pool.acquire() as conn:
        await conn.execute("TRUNCATE effects, outbox, inbox")
        for i in range(0, len(events), 1000):
            async with conn.transaction():
                await enqueue(conn, *events[i:i + 1000])


async def wait_until(pool: asyncpg.Pool, sql: str, began: float) -> float:
    """Seconds from `began` until `sql` answers true (polled every 20 ms)."""
    deadline = time.monotonic() + TIMEOUT
    while not await pool.fetchval(sql):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{sql}: still false after {TIMEOUT} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - began


async def wait_handled(pool: asyncpg.Pool, recorder: EffectRecorder, began: float) -> float:
    """Seconds from `began` until every effect is committed: the handler's calls first (in this process, free to
    check), then the rows themselves."""
    await asyncio.wait_for(recorder.all_called.wait(), TIMEOUT)
    return await wait_until(pool, f"SELECT count(*) >= {recorder.events} FROM effects", began)


ALL_RELAYED = "SELECT NOT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL)"
"""Cheap to poll: the relay's own partial index on unsent rows (counting the sent ones read the whole outbox)."""


async def kit_round(stack: Stack, pool: asyncpg.Pool, n: int) -> dict[str, Any]:
    """Relay + consumer drain n events; returns events/s end to end and for the relay alone, and the CPU per event
    each process spent meanwhile."""
    await fill_outbox(pool, envelopes(n))
    group = f"bench-pipeline-{uuid.uuid4()}"
    await start_groups_at_end(stack.bootstrap, [group])
    broker = create_broker(stack.bootstrap, client_id="bench-pipeline")
    recorder = EffectRecorder(n)
    consumer = EventConsumer(name="bench", pool=pool, handlers={EVENT_TYPE: recorder},
                             dead_letter=dead_letter_sink(publisher(broker), "bench"))
    subscribe(broker, consumer, [Topics.GATHERINGS], group_id=group, batch=True)
    await broker.start()
    await asyncio.sleep(2)  # let the group settle before the clock starts
    cpu_before = cpu_split.snapshot()
    relay = asyncio.create_task(OutboxRelay(pool, sender(broker), schema=SCHEMA, poll_seconds=0.2).run())
    began = time.monotonic()
    try:
        relayed = await wait_until(pool, ALL_RELAYED, began)
        handled = await wait_handled(pool, recorder, began)
        cpu = cpu_split.per_request(cpu_before, cpu_split.snapshot(), n, lambda _: False)
    finally:
        relay.cancel()
        await asyncio.gather(relay, return_exceptions=True)
        await broker.stop()
    return {"events_per_s": n / handled, "relay_events_per_s": n / relayed, "seconds": handled,
            "cpu_us_per_event": cpu}


async def raw_round(stack: Stack, payloads: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    """The same payloads produced (acks=all, idempotent) and consumed with bare aiokafka."""
    topic = f"bench.raw-{uuid.uuid4().hex[:8]}"
    await ensure_topics(stack.bootstrap, [TopicSpec(topic)])
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap, enable_auto_commit=False, max_poll_records=500)
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, acks="all", enable_idempotence=True)
    await consumer.start()
    await producer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(TopicSpec(topic).partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning()
        await producer.partitions_for(topic)  # a new topic: leaders known before the clock starts
        for tp in partitions:
            await consumer.position(tp)
        cpu_before = cpu_split.snapshot()
        began = time.monotonic()
        sent = asyncio.gather(*[await producer.send(topic, value, key=key) for key, value in payloads])
        received = 0
        while received < len(payloads):
            batch = await consumer.getmany(timeout_ms=100, max_records=500)
            received += sum(len(records) for records in batch.values())
        await sent
        seconds = time.monotonic() - began
        cpu = cpu_split.per_request(cpu_before, cpu_split.snapshot(), len(payloads), lambda _: False)
    finally:
        await producer.stop()
        await consumer.stop()
    return {"events_per_s": len(payloads) / seconds, "seconds": seconds, "cpu_us_per_event": cpu}


@contextlib.contextmanager
def logging_like_a_service(path: Path, level: str = "INFO") -> Iterator[None]:
    """JSON logs at the services' level into a file, as a service process writes them (stderr to its log)."""
    saved = sys.stderr
    with path.open("a") as log:
        sys.stderr = log
        configure_logging(SCHEMA, level=level, json=True)
        try:
            yield
        finally:
            sys.stderr = saved
            configure_logging("bench", level="WARNING", json=False)


async def measure(stack: Stack, result: BenchResult, profile: bool) -> None:
    dsn = await provision_service_database(stack.admin_dsn, SCHEMA, "bench-pipeline-pw")
    await db.apply_migrations(dsn, SCHEMA, MIGRATIONS)
    pool = await db.create_pool(dsn, SCHEMA, min_size=2, max_size=10)
    try:
        payloads = [(e.key.encode(), e.to_bytes()) for e in envelopes(EVENTS)]
        log = stack.state / "logs" / "bench-pipeline.log"
        rounds: dict[str, list[dict[str, Any]]] = {"raw": [], "kit": []}
        await raw_round(stack, payloads[:WARMUP])
        with logging_like_a_service(log):
            await kit_round(stack, pool, WARMUP)
            for _ in range(ROUNDS):
                rounds["raw"].append(await raw_round(stack, payloads))
                rounds["kit"].append(await kit_round(stack, pool, EVENTS))
        with logging_like_a_service(log, level="WARNING"):
            quiet = await kit_round(stack, pool, EVENTS)
        kit, raw = (median_round(rounds[side], lambda r: r["events_per_s"]) for side in ("kit", "raw"))
        result.details |= {"kit": kit, "raw": raw, "kit_logging_warning": quiet, "events": EVENTS,
                           "rounds_events_per_s": {side: [round(r["events_per_s"]) for r in rs]
                                                   for side, rs in rounds.items()}}
        if profile or kit["events_per_s"] < max(2000, 0.25 * raw["events_per_s"]):
            with logging_like_a_service(log), profiled(result.details):
                result.details["profiled_round"] = await kit_round(stack, pool, EVENTS // 2)
    finally:
        await pool.close()
    rate, base = kit["events_per_s"], raw["events_per_s"]
    result.row("sustained events/s (kit)", rate, "ev/s", baseline=base, baseline_label="raw aiokafka",
               target="≥ 2,000 and ≥ 25% of raw", met=rate >= 2000 and rate >= 0.25 * base,
               note=f"median of {ROUNDS} rounds alternating with raw")
    result.row("kit / raw", 100 * rate / base, "%", target="≥ 25%", met=rate >= 0.25 * base)
    result.row("relay alone (outbox → Kafka acked)", kit["relay_events_per_s"], "ev/s")
    result.row("sustained events/s, logging at WARNING", quiet["events_per_s"], "ev/s", baseline=base,
               baseline_label="raw aiokafka", note="what INFO logging costs (one line per batch); one round")
    for group, label in (("generator", "this process (relay, consumer)"), ("postgres", "postgres"),
                         ("kafka", "kafka")):
        result.row(f"CPU per event: {label}", kit["cpu_us_per_event"][group], "µs",
                   baseline=raw["cpu_us_per_event"][group], baseline_label="raw")


def run(stack: Stack, profile: bool = False) -> BenchResult:
    """Benchmark 2."""
    result = BenchResult("pipeline")
    uvloop.run(measure(stack, result, profile))
    return result
