"""The reliability kit against the real Kafka and Postgres: outbox, relay, inbox, dead letters, timers."""

import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import kit_process
import pytest
from structlog.testing import capture_logs

from outreach_dev.testing.kafka import envelopes_of, partitions_of, publish_envelopes, publish_raw, read_topic
from outreach_dev.testing.waiting import eventually
from outreach_shared import db, timers
from outreach_shared.contracts import Envelope, Topics, new_envelope
from outreach_shared.kafka import Kafka, OutboxSender
from outreach_shared.outbox import OutboxRelay, enqueue

KIT_PROCESS = Path(kit_process.__file__)


async def effects_of(pool: asyncpg.Pool, subject: str) -> int:
    return await pool.fetchval("SELECT count(*) FROM effects WHERE subject = $1", subject)


@contextlib.asynccontextmanager
async def consuming(pool: asyncpg.Pool, bootstrap: str, *, group: str, name: str, max_attempts: int = 3,
                    batch: bool = True):
    """Run the kit consumer in-process until the block ends."""
    kafka = Kafka(bootstrap, client_id=f"kit-{name}")
    consumer = kit_process.kit_consumer(pool, kafka.broker, name, max_attempts)
    kafka.subscribe(consumer, [Topics.GATHERINGS], group_id=group, batch=batch)
    await kafka.start()
    try:
        yield kafka.broker
    finally:
        await kafka.stop()


@contextlib.asynccontextmanager
async def relaying(pool: asyncpg.Pool, bootstrap: str):
    """Run the outbox relay in-process until the block ends."""
    send_all = OutboxSender(bootstrap, client_id="kit-relay")
    await send_all.start()
    task = asyncio.create_task(OutboxRelay(pool, send_all, schema="kit", poll_seconds=0.2).run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await send_all.stop()


def copies_on_kafka(event_id: uuid.UUID, count: int):
    return lambda records: sum(e.event_id == event_id for e in envelopes_of(records)) >= count


async def test_event_written_with_state_change_reaches_another_service_once(kit_pool, kafka_bootstrap, subject):
    event_id = await kit_process.write_thing_with_event(kit_pool, subject)
    group = f"g-{subject}"
    async with relaying(kit_pool, kafka_bootstrap), consuming(kit_pool, kafka_bootstrap, group=group, name=group):
        await eventually(lambda: _equals(effects_of(kit_pool, subject), 1))
        await asyncio.sleep(1.0)  # give a second delivery a chance to show up
    assert await effects_of(kit_pool, subject) == 1
    assert await kit_pool.fetchval("SELECT published_at IS NOT NULL FROM outbox WHERE event_id = $1", event_id)
    records = await read_topic(kafka_bootstrap, Topics.GATHERINGS, until=copies_on_kafka(event_id, 1))
    (envelope,) = [e for e in envelopes_of(records) if e.event_id == event_id]
    assert envelope.key == subject and envelope.correlation_id == f"corr-{subject}"


async def test_relay_killed_after_publishing_republishes_and_inbox_absorbs_duplicate(
    kit_pool, kit_dsn, kafka_bootstrap, subject
):
    crashed = subprocess.run(
        [sys.executable, str(KIT_PROCESS), "relay-crash", kit_dsn, "kit", kafka_bootstrap, subject], timeout=120
    )
    assert crashed.returncode == -9, "the relay process should have been killed after publishing"
    event_id = await kit_pool.fetchval("SELECT event_id FROM outbox WHERE key = $1", subject)
    assert await kit_pool.fetchval("SELECT published_at FROM outbox WHERE event_id = $1", event_id) is None
    await read_topic(kafka_bootstrap, Topics.GATHERINGS, until=copies_on_kafka(event_id, 1))

    group = f"g-{subject}"
    async with relaying(kit_pool, kafka_bootstrap), consuming(kit_pool, kafka_bootstrap, group=group, name=group):
        await read_topic(kafka_bootstrap, Topics.GATHERINGS, until=copies_on_kafka(event_id, 2))
        await eventually(lambda: _equals(effects_of(kit_pool, subject), 1))
        await eventually(lambda: _equals(
            kit_pool.fetchval("SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = $2", group, event_id),
            1))
        await asyncio.sleep(1.0)
    assert await effects_of(kit_pool, subject) == 1


@pytest.mark.parametrize("mode", ["single", "batch"])
async def test_consumer_killed_mid_handling_resumes_from_last_committed_offset(
    kit_pool, kit_dsn, kafka_bootstrap, mode
):
    run = uuid.uuid4().hex[:8]
    before, doomed, after = f"first-{run}", f"kill-{run}", f"last-{run}"
    key = f"k-{run}"  # one key, so one partition and one order
    envelopes = [new_envelope(kit_process.make_event(s), key=key, producer="kit", correlation_id=run)
                 for s in (before, doomed, after)]
    await publish_envelopes(kafka_bootstrap, *envelopes)
    group = f"g-{run}"
    process = subprocess.Popen(
        [sys.executable, str(KIT_PROCESS), "consume", kit_dsn, "kit", kafka_bootstrap, group, group, mode],
        env={**os.environ, "KIT_DIE_ON_KILL": "1"},
    )
    assert process.wait(timeout=120) == -9, "the consumer should have died inside the handler"
    assert await effects_of(kit_pool, doomed) == 0, "the killed handler's transaction must not commit"
    if mode == "single":
        assert await effects_of(kit_pool, before) == 1, "handled and committed before the kill"
    else:
        assert await effects_of(kit_pool, before) == 0, "the batch's transaction died with its last handler"

    async with consuming(kit_pool, kafka_bootstrap, group=group, name=group, batch=mode == "batch"):
        await eventually(lambda: _equals(effects_of(kit_pool, after), 1))
    for subject in (before, doomed, after):
        assert await effects_of(kit_pool, subject) == 1, subject


async def test_poison_messages_are_dead_lettered_with_reason_and_partition_moves_on(kit_pool, kafka_bootstrap):
    run = uuid.uuid4().hex[:8]
    key = f"k-{run}".encode()
    poison = new_envelope(kit_process.make_event(f"bug-{run}"), key=key.decode(), producer="kit",
                          correlation_id=run)
    healthy = new_envelope(kit_process.make_event(f"healthy-{run}"), key=key.decode(), producer="kit",
                           correlation_id=run)
    not_json = f"not json {run}".encode()
    await publish_raw(kafka_bootstrap, Topics.GATHERINGS, key, not_json)
    await publish_envelopes(kafka_bootstrap, poison, healthy)
    group = f"g-{run}"
    async with consuming(kit_pool, kafka_bootstrap, group=group, name=group, max_attempts=3):
        await eventually(lambda: _equals(effects_of(kit_pool, f"healthy-{run}"), 1))

    def ours(records):
        return [r for r in records if r.key == key]

    letters = ours(await read_topic(kafka_bootstrap, Topics.DEAD_LETTERS, until=lambda rs: len(ours(rs)) >= 2))
    by_value = {r.value: {k: v.decode() for k, v in r.headers} for r in letters}
    assert "not an event envelope" in by_value[not_json]["x-dead-letter-reason"]
    poison_headers = by_value[poison.to_bytes()]
    assert "after 3 attempts" in poison_headers["x-dead-letter-reason"]
    assert "RuntimeError: a bug of some new kind" in poison_headers["x-dead-letter-reason"]
    assert poison_headers["x-dead-letter-attempts"] == "3"
    assert poison_headers["x-original-topic"] == Topics.GATHERINGS
    assert poison_headers["correlation_id"] == poison.correlation_id == run, "the envelope's, not a new one"
    assert await effects_of(kit_pool, f"bug-{run}") == 0, "failed attempts leave no effect"


async def test_unknown_type_and_wrong_schema_version_are_dead_lettered_at_once(kit_pool, kafka_bootstrap):
    run = uuid.uuid4().hex[:8]
    base = new_envelope(kit_process.make_event(f"x-{run}"), key=f"k-{run}", producer="kit", correlation_id=run)
    unknown = Envelope(**{**base.model_dump(), "event_id": uuid.uuid4(), "type": "gathering.exploded"})
    future = Envelope(**{**base.model_dump(), "event_id": uuid.uuid4(), "schema_version": 99})
    for envelope in (unknown, future):
        await publish_raw(kafka_bootstrap, Topics.GATHERINGS, envelope.key.encode(), envelope.to_bytes())
    group = f"g-{run}"
    async with consuming(kit_pool, kafka_bootstrap, group=group, name=group):
        letters = await read_topic(
            kafka_bootstrap, Topics.DEAD_LETTERS,
            until=lambda rs: sum(r.key == f"k-{run}".encode() for r in rs) >= 2,
        )
    reasons = sorted(dict(r.headers)["x-dead-letter-reason"].decode() for r in letters if r.key == f"k-{run}".encode())
    assert reasons[0].startswith("unknown event type 'gathering.exploded'")
    assert reasons[1].startswith("unsupported schema version 99")


async def test_durable_timer_set_before_restart_fires_once_after(kit_dsn, subject):
    fired: list[str] = []

    async def on_due(conn: asyncpg.Connection, timer: timers.Timer) -> None:
        fired.append(timer.key)
        await conn.execute("INSERT INTO effects (subject, source) VALUES ($1, 'timer')", timer.key)

    first = await kit_process.open_pool(kit_dsn, "kit")
    async with first.acquire() as conn, conn.transaction():
        await timers.schedule(conn, "kit-reminder", subject, datetime.now(UTC) + timedelta(seconds=1))
    assert await timers.TimerRunner(first, {"kit-reminder": on_due}).fire_due() == 0, "not due yet"
    await first.close()  # the 'service' stops before the timer is due

    await asyncio.sleep(1.2)
    second = await kit_process.open_pool(kit_dsn, "kit")
    third = await kit_process.open_pool(kit_dsn, "kit")
    runners = [timers.TimerRunner(p, {"kit-reminder": on_due}, poll_seconds=0.05) for p in (second, third)]
    tasks = [asyncio.create_task(r.run()) for r in runners]  # two instances race for the same timer
    try:
        await eventually(lambda: _equals(effects_of(second, subject), 1))
        await asyncio.sleep(0.5)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    assert fired.count(subject) == 1
    assert await effects_of(second, subject) == 1
    assert await second.fetchval("SELECT status FROM timers WHERE key = $1", subject) == "done"
    await second.close()
    await third.close()


async def test_a_timer_whose_handler_sets_its_own_key_again_fires_again(kit_pool, subject):
    fired: list[dict] = []

    async def search_once_more(conn: asyncpg.Connection, timer: timers.Timer) -> None:
        fired.append(dict(timer.payload))
        if timer.payload["round"] == 1:  # not found yet: look again shortly (the same kind and key)
            await timers.schedule(conn, "kit-search", timer.key, datetime.now(UTC), {"round": 2})

    async with kit_pool.acquire() as conn, conn.transaction():
        await timers.schedule(conn, "kit-search", subject, datetime.now(UTC), {"round": 1})
    runner = timers.TimerRunner(kit_pool, {"kit-search": search_once_more})
    while await runner.fire_due():
        pass
    assert [f["round"] for f in fired] == [1, 2], "the search set again by its own handler never ran"
    assert await kit_pool.fetchval("SELECT status FROM timers WHERE key = $1", subject) == "done"


async def test_a_failing_timer_handler_leaves_its_timer_pending_for_a_retry(kit_pool, subject):
    async def broken(conn: asyncpg.Connection, timer: timers.Timer) -> None:
        await timers.schedule(conn, "kit-broken", f"{timer.key}-next", datetime.now(UTC))
        raise RuntimeError("the handler failed")

    async with kit_pool.acquire() as conn, conn.transaction():
        await timers.schedule(conn, "kit-broken", subject, datetime.now(UTC))
    await timers.TimerRunner(kit_pool, {"kit-broken": broken}).fire_due()
    row = await kit_pool.fetchrow("SELECT status, attempts, fired_at FROM timers WHERE key = $1", subject)
    assert (row["status"], row["attempts"], row["fired_at"]) == ("pending", 1, None)
    assert await kit_pool.fetchval("SELECT count(*) FROM timers WHERE key = $1", f"{subject}-next") == 0


async def test_timers_scheduled_together_are_set_moved_and_the_last_of_a_key_wins(kit_pool, subject):
    soon, later = datetime.now(UTC) + timedelta(hours=1), datetime.now(UTC) + timedelta(hours=2)
    async with kit_pool.acquire() as conn, conn.transaction():
        await timers.schedule(conn, "kit-batch", f"{subject}-a", soon, {"n": 0})
        await timers.schedule_many(conn, "kit-batch", [
            (f"{subject}-a", later, {"n": 1}),  # moved
            (f"{subject}-b", soon, {"n": 2}),
            (f"{subject}-b", later, {"n": 3}),  # the same key again: the last wins
            (f"{subject}-c", soon, None),
        ])
        await timers.schedule_many(conn, "kit-batch", [])
    rows = await kit_pool.fetch("SELECT key, due_at, payload, status FROM timers WHERE kind = 'kit-batch' "
                                "AND key LIKE $1 ORDER BY key", f"{subject}-%")
    assert [(r["key"][-1], r["due_at"], r["payload"], r["status"]) for r in rows] == [
        ("a", later, {"n": 1}, "pending"), ("b", later, {"n": 3}, "pending"), ("c", soon, {}, "pending")]


async def _equals(value_coroutine, expected) -> bool:
    value = await value_coroutine
    assert value == expected, f"{value} != {expected}"
    return True


async def test_dead_letter_replayed_after_the_fix_is_handled_once(kit_pool, kafka_bootstrap, subject):
    from outreach_shared.cli.ops import list_dead_letters, replay_dead_letters

    kit_process.BROKEN_SUBJECTS.add(subject)
    envelope = new_envelope(kit_process.make_event(subject), key=subject, producer="kit", correlation_id=subject)
    await publish_envelopes(kafka_bootstrap, envelope)
    group = f"g-{subject}"
    async with consuming(kit_pool, kafka_bootstrap, group=group, name=group, max_attempts=2):
        letters = await read_topic(kafka_bootstrap, Topics.DEAD_LETTERS,
                                   until=lambda rs: any(r.key == subject.encode() for r in rs))
        (letter,) = [r for r in letters if r.key == subject.encode()]
        listed = await list_dead_letters(kafka_bootstrap, limit=10_000)
        (described,) = [d for d in listed if d["offset"] == letter.offset]
        assert "ValueError" in described["reason"] and described["consumer"] == group
        assert await effects_of(kit_pool, subject) == 0

        kit_process.BROKEN_SUBJECTS.discard(subject)  # the fix is deployed
        assert await replay_dead_letters(kafka_bootstrap, [letter.offset], replay_all=False) == 1
        await eventually(lambda: _equals(effects_of(kit_pool, subject), 1))


@pytest.mark.parametrize("mode", ["single", "batch"])
async def test_records_reach_their_handler_without_a_hop_to_a_worker_thread(
    kit_pool, kafka_bootstrap, subject, mode, monkeypatch
):
    """FastDepends resolved the handler's message annotation in a worker thread: a hop (and GIL hand-overs) per
    batch on every subscriber, about a tenth of each service's CPU in the end-to-end flow."""
    import anyio.to_thread

    hops: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counting_run_sync(func, *args, **kwargs):
        hops.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_run_sync)
    subjects = [f"{subject}-{i}" for i in range(3)]
    await publish_envelopes(kafka_bootstrap, *[
        new_envelope(kit_process.make_event(s), key=s, producer="kit", correlation_id=s) for s in subjects])
    group = f"g-{subject}"
    async with consuming(kit_pool, kafka_bootstrap, group=group, name=group, batch=mode == "batch"):
        for s in subjects:
            await eventually(lambda s=s: _equals(effects_of(kit_pool, s), 1))
    assert hops == []


async def test_an_idle_batch_subscriber_waits_for_records_instead_of_polling(
    kit_pool, kafka_bootstrap, subject, monkeypatch
):
    """FastStream's batch loop fetched with a 10 ms timeout and slept 10 ms after each empty fetch: 50 wake-ups a
    second on every idle subscriber, and a record arriving in the sleep waited for it. The fetch now waits for
    records (up to RECORD_WAIT_MS) and returns as soon as any arrive."""
    from aiokafka import AIOKafkaConsumer

    from outreach_shared.kafka import RECORD_WAIT_MS

    fetches: list[int] = []
    getmany = AIOKafkaConsumer.getmany

    async def counting_getmany(self, *partitions, timeout_ms=0, max_records=None):
        if self._group_id == group:
            fetches.append(timeout_ms)
        return await getmany(self, *partitions, timeout_ms=timeout_ms, max_records=max_records)

    monkeypatch.setattr(AIOKafkaConsumer, "getmany", counting_getmany)
    group = f"g-{subject}"
    first, second = f"{subject}-1", f"{subject}-2"
    await publish_envelopes(kafka_bootstrap, new_envelope(kit_process.make_event(first), key=first, producer="kit",
                                                          correlation_id=first))
    async with consuming(kit_pool, kafka_bootstrap, group=group, name=group):
        await eventually(lambda: _equals(effects_of(kit_pool, first), 1))
        fetches.clear()
        await asyncio.sleep(1.0)  # idle
        idle = list(fetches)
        fetches.clear()
        await publish_envelopes(kafka_bootstrap, new_envelope(kit_process.make_event(second), key=second,
                                                              producer="kit", correlation_id=second))
        await eventually(lambda: _equals(effects_of(kit_pool, second), 1))
    assert 1 <= len(idle) <= 1000 // RECORD_WAIT_MS + 2, idle  # FastStream's own loop: ~50
    assert set(idle) == {RECORD_WAIT_MS}
    # With a batch in flight the loop only takes what is already fetched (no wait), then finishes that batch: one
    # such fetch per batch, never a poll.
    assert set(fetches) <= {0, RECORD_WAIT_MS} and fetches.count(0) <= 1, fetches


async def test_a_batch_subscriber_commits_its_handled_offsets_while_running_and_when_stopped(
    kit_pool, kafka_bootstrap, subject
):
    from aiokafka import AIOKafkaConsumer, TopicPartition

    async def committed_and_ends(group: str) -> tuple[list[int | None], list[int]]:
        probe = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
        await probe.start()
        try:
            numbers = sorted(await partitions_of(probe, Topics.GATHERINGS))
            parts = [TopicPartition(Topics.GATHERINGS, p) for p in numbers]
            ends = await probe.end_offsets(parts)
            return [await probe.committed(tp) for tp in parts], [ends[tp] for tp in parts]
        finally:
            await probe.stop()

    group = f"g-{subject}"
    first = [f"{subject}-{i}" for i in range(6)]
    await publish_envelopes(kafka_bootstrap, *[
        new_envelope(kit_process.make_event(s), key=s, producer="kit", correlation_id=s) for s in first])
    async with consuming(kit_pool, kafka_bootstrap, group=group, name=group):
        for s in first:
            await eventually(lambda s=s: _equals(effects_of(kit_pool, s), 1))

        async def everything_committed() -> bool:
            committed, ends = await committed_and_ends(group)
            assert committed == ends, (committed, ends)
            return True

        await eventually(everything_committed)  # in the background, while consuming
        last = f"{subject}-last"
        await publish_envelopes(kafka_bootstrap, new_envelope(kit_process.make_event(last), key=last,
                                                              producer="kit", correlation_id=last))
        await eventually(lambda: _equals(effects_of(kit_pool, last), 1))
    committed, ends = await committed_and_ends(group)  # stopping committed the last batch at once
    assert committed == ends


async def test_relay_keeps_the_order_of_one_aggregate_across_a_large_batch(kit_pool, kafka_bootstrap, subject):
    envelopes = [
        new_envelope(kit_process.make_event(f"{subject}-{i}"), key=subject, producer="kit", correlation_id=subject)
        for i in range(1500)
    ]
    async with kit_pool.acquire() as conn, conn.transaction():
        await enqueue(conn, *envelopes)
    async with relaying(kit_pool, kafka_bootstrap):
        records = await read_topic(kafka_bootstrap, Topics.GATHERINGS,
                                   until=lambda rs: sum(r.key == subject.encode() for r in rs) >= len(envelopes))
    ours = [e.event_id for e in envelopes_of([r for r in records if r.key == subject.encode()])]
    assert ours == [e.event_id for e in envelopes]


async def test_the_sender_keeps_each_key_s_order_across_record_batches_and_partitions(kafka_bootstrap, subject):
    big, small = f"{subject}-big".encode(), f"{subject}-small".encode()  # 100 kB records: five to a record batch
    messages = [(Topics.GATHERINGS, big if i % 3 else small, f"{i:06d}".encode() + b"x" * (100_000 if i % 3 else 10))
                for i in range(30)]  # fmt: skip
    send_all = OutboxSender(kafka_bootstrap, client_id="kit-sender")
    await send_all.start()
    try:
        await send_all(messages)
    finally:
        await send_all.stop()
    records = await read_topic(kafka_bootstrap, Topics.GATHERINGS,
                               until=lambda rs: sum(r.key in (big, small) for r in rs) >= len(messages))
    for key in (big, small):
        assert [r.value[:6] for r in records if r.key == key] == [v[:6] for _, k, v in messages if k == key]
        assert all(r.headers == (("content-type", b"application/json"),) for r in records if r.key == key)


async def test_relay_lingering_sends_the_rows_of_concurrent_commits_in_one_batch(kit_pool, subject):
    sent: list[list[bytes]] = []

    async def record(messages) -> None:  # the relay's send_all; the real producer is tested above
        sent.append([key for _, key, _ in messages])

    relay = asyncio.create_task(OutboxRelay(kit_pool, record, schema="kit", poll_seconds=0.2, linger_seconds=0.5).run())
    try:
        await eventually(lambda: _none_unpublished(kit_pool))  # rows other tests left behind go first
        subjects = [f"{subject}-{i}" for i in range(5)]
        await asyncio.gather(*(kit_process.write_thing_with_event(kit_pool, s) for s in subjects))
        keys = {s.encode() for s in subjects}
        await eventually(lambda: _all_sent(sent, keys))
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
    batches = [batch for batch in sent if keys & set(batch)]
    assert len(batches) == 1 and keys <= set(batches[0]), batches


async def _none_unpublished(pool: asyncpg.Pool) -> bool:
    return not await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL AND set_aside_at IS NULL")


async def _all_sent(sent: list[list[bytes]], keys: set[bytes]) -> bool:
    return keys <= {key for batch in sent for key in batch}


async def test_a_second_relay_stands_by_without_errors_and_takes_over_when_the_first_stops(
    kit_pool, kit_dsn, kafka_bootstrap, subject
):
    """Two instances of a service run a relay each (`make up ARGS=--cluster`): one publishes, the other asks for the
    lock every poll without failing, and publishes once the first is gone."""
    standby_pool = await db.create_pool(kit_dsn, "kit", min_size=1, max_size=2)
    standby_sender = OutboxSender(kafka_bootstrap, client_id="kit-relay-standby")
    await standby_sender.start()
    standby = asyncio.create_task(OutboxRelay(standby_pool, standby_sender, schema="kit", poll_seconds=0.2).run())
    try:
        with capture_logs() as logs:
            async with relaying(kit_pool, kafka_bootstrap):
                first = await kit_process.write_thing_with_event(kit_pool, subject)
                await read_topic(kafka_bootstrap, Topics.GATHERINGS, until=copies_on_kafka(first, 1))
                await asyncio.sleep(1.0)
            second = await kit_process.write_thing_with_event(kit_pool, f"{subject}-2")
            # Both, each on its key's partition (read until the first is there too: a partition read early may not
            # have reached it yet when the second turns up).
            both = (copies_on_kafka(first, 1), copies_on_kafka(second, 1))
            records = await read_topic(kafka_bootstrap, Topics.GATHERINGS, until=lambda rs: all(c(rs) for c in both))
        assert not standby.done()
        assert not [entry for entry in logs if entry["event"] == "outbox relay failed; retrying"]
        assert sum(e.event_id == first for e in envelopes_of(records)) == 1
    finally:
        standby.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await standby
        await standby_sender.stop()
        await standby_pool.close()
