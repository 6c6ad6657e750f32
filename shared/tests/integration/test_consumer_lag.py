"""`outreach_consumer_lag`: what a subscription holds and has not yet handled and committed, read from the broker."""

import asyncio
import uuid

import asyncpg
import kit_process

from outreach_dev.testing.kafka import publish_envelopes
from outreach_dev.testing.waiting import eventually
from outreach_shared.consumer import EventConsumer, HandlerContext, Record
from outreach_shared.contracts import Topics, new_envelope
from outreach_shared.contracts.training import AttendanceRecorded
from outreach_shared.kafka import Kafka
from outreach_shared.metrics import render


async def test_the_lag_counts_records_written_and_not_yet_handled_then_falls_to_nothing(
    kit_pool: asyncpg.Pool, kafka_bootstrap: str, subject: str
) -> None:
    held_up = asyncio.Event()

    async def handler(ctx: HandlerContext, payload: AttendanceRecorded) -> None:
        await held_up.wait()  # a handler stuck (a slow database, a hung call): nothing is committed meanwhile
        await kit_process.record_effect(ctx, payload)

    name = f"lag-{uuid.uuid4().hex[:8]}"
    consumer = EventConsumer(name=name, pool=kit_pool, handlers={kit_process.EVENT_TYPE: handler},
                             dead_letter=_let_go, backoff_seconds=0.01)  # fmt: skip
    kafka = Kafka(kafka_bootstrap, client_id=name)
    kafka.subscribe(consumer, [Topics.GATHERINGS], group_id=f"g-{name}")
    subjects = [f"{subject}-{i}" for i in range(7)]
    await kafka.start()
    try:
        async def behind() -> int:
            return sum(lag.records for lag in await kafka.lags() if lag.consumer == name)

        await eventually(kafka.lags)  # the group has joined and holds its partitions
        before = await behind()
        await publish_envelopes(kafka_bootstrap, *[
            new_envelope(kit_process.make_event(s), key=s, producer="kit", correlation_id=s) for s in subjects])
        await eventually(lambda: _equals(behind(), before + len(subjects)))

        text = (await render(None, kafka.lags))[0].decode()
        shown = [line for line in text.splitlines() if line.startswith("outreach_consumer_lag{") and name in line]
        assert sum(float(line.rsplit(" ", 1)[1]) for line in shown) == before + len(subjects), shown

        held_up.set()
        await eventually(lambda: _equals(behind(), 0), timeout=30)
    finally:
        held_up.set()
        await kafka.stop()


async def test_a_scrape_without_a_broker_leaves_the_lag_out_and_still_answers() -> None:
    async def unreachable() -> list[tuple[str, str, int, int]]:
        raise ConnectionError("no broker")

    text = (await render(None, unreachable))[0].decode()
    assert "outreach_events_total" in text or "outreach_outbox_published_total" in text
    assert not [line for line in text.splitlines() if line.startswith("outreach_consumer_lag{")]


async def _equals(value: "asyncio.Future[int] | object", expected: int) -> bool:
    return await value == expected  # type: ignore[misc]


async def _let_go(record: Record, reason: str, attempts: int) -> None:
    """Other tests' records on the topic (poison among them) are not this test's: let them go."""
