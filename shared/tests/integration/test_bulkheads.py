"""Bulkheads of the kit's loops against the real Kafka and Postgres: one item that fails for good is set aside with
its reason, counted and listed, and the loop goes on with the others."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import kit_process
from test_reliability_kit import _equals, consuming, relaying

from outreach_dev.testing.kafka import envelopes_of, publish_envelopes, read_topic
from outreach_dev.testing.waiting import eventually
from outreach_shared import timers
from outreach_shared.contracts import Topics, new_envelope
from outreach_shared.metrics import REGISTRY
from outreach_shared.operations import KIT_SOURCES, list_set_aside
from outreach_shared.outbox import enqueue

FAR = "9999-12-31T23:00:00+00:00"
"""The start that stopped all e-mail: in Oslo it is already year 10000."""


def set_aside_count(service: str, loop: str) -> float:
    return REGISTRY.get_sample_value("outreach_set_aside_total", {"service": service, "loop": loop}) or 0.0


async def test_a_timer_whose_handler_fails_for_good_is_set_aside_and_the_timers_after_it_fire(kit_pool, subject):
    kind = f"reminder-{subject}"

    async def remind(conn: asyncpg.Connection, timer: timers.Timer) -> None:
        local = datetime.fromisoformat(timer.payload["start"]).astimezone(ZoneInfo("Europe/Oslo"))
        await conn.execute("INSERT INTO effects (subject, source) VALUES ($1, $2)", timer.key, f"timer {local:%Y}")

    due = datetime.now(UTC) - timedelta(seconds=1)
    async with kit_pool.acquire() as conn, conn.transaction():
        await timers.schedule(conn, kind, f"{subject}-early", due - timedelta(seconds=2), {"start": "2027-03-01T08Z"})
        await timers.schedule(conn, kind, f"{subject}-far", due - timedelta(seconds=1), {"start": FAR})
        await timers.schedule(conn, kind, f"{subject}-late", due, {"start": "2027-03-02T08Z"})
    before = set_aside_count("kit", "timers")
    runner = timers.TimerRunner(kit_pool, {kind: remind}, max_attempts=5, service="kit")

    assert await runner.fire_due() == 3
    assert await runner.fire_due() == 0, "a timer that cannot fire is not tried again and again"

    rows = {r["key"]: r for r in await kit_pool.fetch("SELECT * FROM timers WHERE kind = $1", kind)}
    assert {k: r["status"] for k, r in rows.items()} == {
        f"{subject}-early": "done", f"{subject}-far": "failed", f"{subject}-late": "done",
    }  # fmt: skip
    far = rows[f"{subject}-far"]
    assert far["attempts"] == 1 and far["set_aside_at"] is not None
    assert far["last_error"] == "OverflowError: date value out of range"
    effects = await kit_pool.fetch("SELECT subject FROM effects WHERE starts_with(subject, $1)", subject)
    assert sorted(r["subject"] for r in effects) == [f"{subject}-early", f"{subject}-late"]
    assert set_aside_count("kit", "timers") == before + 1
    async with kit_pool.acquire() as conn:
        listed = [i for i in await list_set_aside(conn, KIT_SOURCES, 1000) if i.key == f"{subject}-far"]
    assert [(i.loop, i.kind, i.reason) for i in listed] == [("timers", kind, "OverflowError: date value out of range")]


async def test_a_timer_failing_for_an_unknown_reason_is_retried_then_set_aside(kit_pool, subject):
    kind = f"flaky-{subject}"

    async def broken(conn: asyncpg.Connection, timer: timers.Timer) -> None:
        raise RuntimeError("a bug of some new kind")

    async with kit_pool.acquire() as conn, conn.transaction():
        await timers.schedule(conn, kind, subject, datetime.now(UTC) - timedelta(seconds=1))
    runner = timers.TimerRunner(kit_pool, {kind: broken}, max_attempts=2, service="kit")
    assert await runner.fire_due() == 1
    first = await kit_pool.fetchrow(
        "SELECT status, attempts, due_at > now() AS later FROM timers WHERE kind = $1", kind
    )
    assert (first["status"], first["attempts"], first["later"]) == ("pending", 1, True), "retried later, with backoff"
    await kit_pool.execute("UPDATE timers SET due_at = now() - interval '1 second' WHERE kind = $1", kind)
    assert await runner.fire_due() == 1
    last = await kit_pool.fetchrow("SELECT status, attempts, last_error FROM timers WHERE kind = $1", kind)
    assert (last["status"], last["attempts"]) == ("failed", 2)
    assert last["last_error"] == "RuntimeError: a bug of some new kind"


async def test_the_relay_sets_aside_a_row_the_broker_cannot_take_and_relays_every_other(
    kit_pool, kafka_bootstrap, subject
):
    first, last = (
        new_envelope(kit_process.make_event(f"{subject}-{n}"), key=f"{subject}-{n}", producer="kit",
                     correlation_id=subject)
        for n in ("first", "last")
    )  # fmt: skip
    huge = new_envelope(kit_process.make_event(subject), key=subject, producer="kit", correlation_id=subject)
    async with kit_pool.acquire() as conn, conn.transaction():
        await enqueue(conn, first)
        await conn.execute(  # planted: larger than the broker takes (enqueue's callers never write such a row)
            "INSERT INTO outbox (event_id, topic, key, envelope) VALUES ($1, $2, $3, $4::jsonb)",
            huge.event_id, Topics.GATHERINGS, subject,
            huge.model_dump_json()[:-1] + f', "padding": "{"x" * 2_000_000}"}}',
        )  # fmt: skip
        await enqueue(conn, last)
    before = set_aside_count("kit", "outbox")
    try:
        async with relaying(kit_pool, kafka_bootstrap):
            wanted = {first.event_id, last.event_id}
            records = await read_topic(
                kafka_bootstrap, Topics.GATHERINGS,
                until=lambda rs: wanted <= {e.event_id for e in envelopes_of(rs)}, timeout=20,
            )  # fmt: skip
            await eventually(lambda: _published(kit_pool, wanted))
        assert huge.event_id not in {e.event_id for e in envelopes_of(records)}
        row = await kit_pool.fetchrow("SELECT * FROM outbox WHERE event_id = $1", huge.event_id)
        assert row["published_at"] is None and row["set_aside_at"] is not None
        assert row["last_error"].endswith(f"a record for {Topics.GATHERINGS} is larger than 1000000 bytes")
        assert set_aside_count("kit", "outbox") == before + 1
        async with kit_pool.acquire() as conn:
            listed = [i for i in await list_set_aside(conn, KIT_SOURCES, 1000) if i.key == str(huge.event_id)]
        assert [(i.loop, i.kind, i.subject) for i in listed] == [("outbox", Topics.GATHERINGS, subject)]
    finally:  # never leave a row that today's relay would stick on for the other tests
        await kit_pool.execute("DELETE FROM outbox WHERE event_id = $1", huge.event_id)


async def test_a_handler_error_retrying_cannot_mend_is_dead_lettered_at_once_and_the_others_are_handled(
    kit_pool, kafka_bootstrap
):
    run = uuid.uuid4().hex[:8]
    events = [
        new_envelope(kit_process.make_event(f"{name}-{run}"), key=f"k-{run}-{n % 2}", producer="kit",
                     correlation_id=run)
        for n, name in enumerate(["healthy1", "healthy2", "poison", "healthy3", "healthy4"])
    ]  # fmt: skip
    group = f"g-{run}"
    before = set_aside_count(group, f"consumer:{group}")
    await publish_envelopes(kafka_bootstrap, *events)
    async with consuming(kit_pool, kafka_bootstrap, group=group, name=group, max_attempts=3):
        for n in (1, 2, 3, 4):
            await eventually(lambda n=n: _equals(_effects(kit_pool, f"healthy{n}-{run}"), 1))
        letters = await read_topic(kafka_bootstrap, Topics.DEAD_LETTERS,
                                   until=lambda rs: any(r.value == events[2].to_bytes() for r in rs))  # fmt: skip
    (letter,) = [dict(r.headers) for r in letters if r.value == events[2].to_bytes()]
    assert letter["x-dead-letter-attempts"] == b"1", "a ValueError is the same on every attempt: no retries"
    assert b"ValueError: this event can never be handled" in letter["x-dead-letter-reason"]
    assert await _effects(kit_pool, f"poison-{run}") == 0
    assert set_aside_count(group, f"consumer:{group}") == before + 1


async def _published(pool: asyncpg.Pool, event_ids: set[uuid.UUID]) -> bool:
    published = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE event_id = ANY($1::uuid[]) AND published_at IS NOT NULL", list(event_ids)
    )
    return bool(published == len(event_ids))


async def _effects(pool: asyncpg.Pool, subject: str) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM effects WHERE subject = $1", subject))
