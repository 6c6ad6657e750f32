"""A fetched batch is shared out over transactions side by side: each aggregate's events still once and in order."""

import asyncio
import contextlib
import uuid

import asyncpg
import kit_process

from outreach_shared.consumer import EventConsumer, HandlerContext, Outcome, Record, Statements, execute_later
from outreach_shared.contracts import Topics, new_envelope
from outreach_shared.contracts.training import AttendanceRecorded


def batch(subjects: list[str], per_subject: int) -> list[Record]:
    """Records of every subject interleaved over three partitions, correlation ids numbering each subject's events."""
    records = []
    for n in range(per_subject):
        for subject in subjects:
            envelope = new_envelope(AttendanceRecorded(gathering_id=subject, member_id=str(n)), key=subject,
                                    producer="kit", correlation_id=f"{subject}-{n}")
            records.append(Record(Topics.GATHERINGS, hash(subject) % 3, len(records), subject.encode(),
                                  envelope.to_bytes()))
    return records


async def test_a_shared_out_batch_handles_each_event_once_and_each_aggregate_in_order(kit_pool: asyncpg.Pool) -> None:
    subjects = [f"order-{uuid.uuid4().hex[:8]}" for _ in range(8)]
    failing_once = {subjects[0]}  # its share falls back to one record at a time
    seen: dict[str, list[int]] = {s: [] for s in subjects}
    in_flight, most_in_flight = 0, 0
    side_by_side = asyncio.Event()
    first_call = True

    async def handler(ctx: HandlerContext, payload: AttendanceRecorded) -> None:
        nonlocal in_flight, most_in_flight, first_call
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        if in_flight > 1:
            side_by_side.set()
        try:
            if first_call:  # the first handler waits for another share to start: one after another, none would
                first_call = False
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(side_by_side.wait(), timeout=10)
            await kit_process.record_effect(ctx, payload)
            await ctx.emit(AttendanceRecorded(gathering_id=f"{payload.gathering_id}-echo", member_id=payload.member_id),
                           key=f"{payload.gathering_id}-echo")
            await asyncio.sleep(0)
            if payload.gathering_id in failing_once and payload.member_id == "3":
                failing_once.clear()
                raise RuntimeError("a bug that goes away")
            seen[payload.gathering_id].append(int(payload.member_id))
        finally:
            in_flight -= 1

    consumer = EventConsumer(name=f"shares-{uuid.uuid4().hex[:8]}", pool=kit_pool,
                             handlers={kit_process.EVENT_TYPE: handler}, dead_letter=_never, backoff_seconds=0.01)
    records = batch(subjects, per_subject=10)
    outcomes = await consumer.handle_batch(records + records[:5])  # and a few duplicates

    assert outcomes[:len(records)] == [Outcome.HANDLED] * len(records)
    assert set(outcomes[len(records):]) <= {Outcome.DUPLICATE, Outcome.HANDLED}
    assert most_in_flight > 1, "shares should run side by side"
    for subject in subjects:
        # A failed share is rolled back and handled again one by one: the survivors show each event once, in order.
        assert seen[subject][-10:] == list(range(10)), subject
        assert await kit_pool.fetchval("SELECT count(*) FROM effects WHERE subject = $1", subject) == 10
        # What each handler emitted reached the outbox with its transaction, once, in the order emitted.
        echoed = await kit_pool.fetch("SELECT envelope, causation_id FROM (SELECT id, envelope, "
                                      "envelope->>'causation_id' AS causation_id FROM outbox WHERE key = $1) o "
                                      "ORDER BY id", f"{subject}-echo")
        assert [int(r["envelope"]["payload"]["member_id"]) for r in echoed] == list(range(10)), subject
        assert len({r["causation_id"] for r in echoed}) == 10


class Gathered:
    """Deferred work: the subjects its handlers added, written as one effect row per flush."""

    def __init__(self) -> None:
        self.subjects: list[str] = []

    async def flush(self, conn: asyncpg.Connection) -> None:
        await conn.execute("INSERT INTO effects (subject, source, event_id) VALUES ($1, 'flush', $2)",
                           ",".join(self.subjects), uuid.uuid4())


async def test_deferred_work_is_gathered_over_a_batch_and_flushed_once_in_its_transaction(
    kit_pool: asyncpg.Pool,
) -> None:
    subjects = [f"defer-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    broken = {subjects[1]}  # one batch fails after deferring: its deferred work is rolled back with it

    async def handler(ctx: HandlerContext, payload: AttendanceRecorded) -> None:
        gathered = ctx.defer("gathered", Gathered)
        gathered.subjects.append(f"{payload.gathering_id}/{payload.member_id}")
        if payload.gathering_id in broken and payload.member_id == "1":
            broken.clear()
            raise RuntimeError("a bug that goes away")

    consumer = EventConsumer(name=f"defer-{uuid.uuid4().hex[:8]}", pool=kit_pool, parallel=1,
                             handlers={kit_process.EVENT_TYPE: handler}, dead_letter=_never, backoff_seconds=0.01)
    assert await consumer.handle_batch(batch(subjects[:1], per_subject=3)) == [Outcome.HANDLED] * 3
    assert await consumer.handle_batch(batch(subjects[1:], per_subject=2)) == [Outcome.HANDLED] * 2
    flushed = [r["subject"] for r in await kit_pool.fetch(
        "SELECT subject FROM effects WHERE source = 'flush' AND subject LIKE 'defer-%' AND (subject LIKE $1 "
        "OR subject LIKE $2) ORDER BY id", f"%{subjects[0]}%", f"%{subjects[1]}%")]
    first, second = subjects
    # One flush for the whole first batch; the failed second batch left nothing, and one by one each event
    # flushed its own.
    assert flushed == [f"{first}/0,{first}/1,{first}/2", f"{second}/0", f"{second}/1"]


async def _never(record: Record, reason: str, attempts: int) -> None:
    raise AssertionError(f"unexpected dead letter: {reason}")


async def test_batches_handed_over_while_the_one_before_runs_keep_each_aggregate_in_order(
    kit_pool: asyncpg.Pool,
) -> None:
    """A subscription hands over the next batch before the one in flight is done (kafka.IN_FLIGHT_BATCHES): each
    share waits for the same share of the batch before it, so an aggregate's events still go in order."""
    subjects = [f"overlap-{uuid.uuid4().hex[:8]}" for _ in range(6)]
    seen: dict[str, list[int]] = {s: [] for s in subjects}

    async def handler(ctx: HandlerContext, payload: AttendanceRecorded) -> None:
        await kit_process.record_effect(ctx, payload)
        await asyncio.sleep(0.002 if int(payload.member_id) < 5 else 0)  # the first batch is the slower one
        seen[payload.gathering_id].append(int(payload.member_id))

    consumer = EventConsumer(name=f"overlap-{uuid.uuid4().hex[:8]}", pool=kit_pool,
                             handlers={kit_process.EVENT_TYPE: handler}, dead_letter=_never)
    records = batch(subjects, per_subject=10)
    half = len(records) // 2  # events 0-4 of every subject, then 5-9
    first = asyncio.create_task(consumer.handle_batch(records[:half]))
    second = asyncio.create_task(consumer.handle_batch(records[half:]))
    assert await first == [Outcome.HANDLED] * half and await second == [Outcome.HANDLED] * (len(records) - half)
    for subject in subjects:
        assert seen[subject] == list(range(10)), subject


THING = "INSERT INTO things (id, note) VALUES ($1, $2)"


async def test_statements_executed_later_are_gathered_over_a_batch_and_a_bad_row_dead_letters_only_its_event(
    kit_pool: asyncpg.Pool,
) -> None:
    """`execute_later` puts a handler's statement off to the flush, one executemany for the batch's rows; a row that
    fails there fails the batch, which then goes one event at a time: the bad event is dead-lettered, the rest
    handled, each effect once."""
    subject = f"later-{uuid.uuid4().hex[:8]}"
    gathered: list[int] = []
    letters: list[tuple[int, str]] = []

    async def handler(ctx: HandlerContext, payload: AttendanceRecorded) -> None:
        bad = payload.gathering_id == subject and payload.member_id == "2"  # NOT NULL: this row always fails
        note = None if bad else "seen"
        execute_later(ctx, THING, f"{payload.gathering_id}/{payload.member_id}", note)
        gathered.append(len(ctx.deferred[Statements.NAME].rows[THING]))

    async def dead_letter(record: Record, reason: str, attempts: int) -> None:
        letters.append((record.offset, reason))

    consumer = EventConsumer(name=f"later-{uuid.uuid4().hex[:8]}", pool=kit_pool, parallel=1, max_attempts=2,
                             handlers={kit_process.EVENT_TYPE: handler}, dead_letter=dead_letter,
                             backoff_seconds=0.01)
    good = batch([f"{subject}-ok"], per_subject=3)
    assert await consumer.handle_batch(good) == [Outcome.HANDLED] * 3
    assert gathered == [1, 2, 3], "one statement gathered over the whole batch"
    records = batch([subject], per_subject=4)
    outcomes = await consumer.handle_batch(records)
    assert outcomes == [Outcome.HANDLED, Outcome.HANDLED, Outcome.DEAD_LETTERED, Outcome.HANDLED]
    assert [offset for offset, _ in letters] == [2] and "NotNullViolation" in letters[0][1]
    ids = [r["id"] for r in await kit_pool.fetch("SELECT id FROM things WHERE id LIKE $1 ORDER BY id", f"{subject}/%")]
    assert ids == [f"{subject}/0", f"{subject}/1", f"{subject}/3"]
    assert await consumer.handle_batch(records[:2]) == [Outcome.HANDLED] * 2  # redelivered: the inbox drops them
    assert await kit_pool.fetchval("SELECT count(*) FROM things WHERE id LIKE $1", f"{subject}/%") == 3
