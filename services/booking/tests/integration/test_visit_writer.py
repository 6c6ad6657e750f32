"""Group commit of new visits against the real database: one statement for visits that arrive together, each visit
with its own outcome, and none lost when another fails or its caller goes away."""

import asyncio
import uuid
from datetime import timedelta

import asyncpg
import pytest
from booking_testkit import START, new_orgnr

from booking.adapters.visit_writer import NewVisitWriter
from booking.domain.model import Visit
from booking.domain.new_visits import KeyClaim, NewVisit
from booking.domain.values import Contact, School, VisitDetails
from outreach_dev.testing.service import RunningService
from outreach_shared.contracts import new_envelope
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.metrics import REGISTRY


def new_visit(orgnr: str, *, key: str | None = None, visit_id: str | None = None) -> NewVisit:
    start = START + timedelta(days=30)
    visit = Visit.request(
        id=visit_id or str(uuid.uuid4()),
        school=School(orgnr=orgnr, name="Lillehammer vgs", kommunenummer="3405", address="Storgata 1"),
        details=VisitDetails(
            kind="school_visit",
            audience_description="VG1 helse",
            pupils=28,
            professions=("nurse", "health_worker"),
            language="nb",
            team_size=2,
            notes="Gymsalen",
        ),
        windows=[TimeWindow(start=start, end=start + timedelta(hours=3))],
        now=START,
    )
    events = [new_envelope(e, key=visit.id, producer="booking", correlation_id="writer-test") for e in visit.events]
    claim = KeyClaim(orgnr, key or uuid.uuid4().hex, "hash", {"id": visit.id, "status": "requested"})
    return NewVisit(claim, visit, "34", Contact("Kari Nordmann", "kari@example.no", "+4791234567"), events)


def writes_so_far() -> tuple[float, float]:
    """(statements, visits) the writers observed in this process."""
    count = REGISTRY.get_sample_value("outreach_booking_visits_per_write_count") or 0.0
    total = REGISTRY.get_sample_value("outreach_booking_visits_per_write_sum") or 0.0
    return count, total


async def stored(pool: asyncpg.Pool, *visit_ids: str) -> dict[str, int]:
    """How many rows of the given visits each table holds."""
    async with pool.acquire() as conn:
        return {
            table: await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {column} = ANY($1)", list(visit_ids))
            for table, column in [
                ("visits", "id"), ("visit_status_history", "visit_id"), ("visit_contacts", "visit_id"),
                ("outbox", "key"),
            ]
        }  # fmt: skip


@pytest.fixture
def pool(booking: RunningService) -> asyncpg.Pool:
    return booking.runtime.pool


async def test_visits_arriving_together_are_written_by_one_statement_each_as_if_alone(pool: asyncpg.Pool) -> None:
    writer = NewVisitWriter(pool, max_open=20, max_writes=1)
    news = [new_visit(new_orgnr()) for _ in range(12)]
    before = writes_so_far()
    outcomes = await asyncio.gather(*(writer.add(n) for n in news))
    after = writes_so_far()
    assert outcomes == ["created"] * 12
    assert (after[0] - before[0], after[1] - before[1]) == (1, 12)  # one statement wrote all twelve
    ids = [n.visit.id for n in news]
    assert await stored(pool, *ids) == {"visits": 12, "visit_status_history": 12, "visit_contacts": 12, "outbox": 12}
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM visits WHERE id = $1", ids[5])
        events = await conn.fetch("SELECT envelope FROM outbox WHERE key = $1 ORDER BY id", ids[5])
    visit = news[5].visit
    assert (row["orgnr"], row["professions"], row["notes"], row["county_number"]) == (
        visit.school.orgnr, ["nurse", "health_worker"], "Gymsalen", "34",
    )  # fmt: skip
    assert row["windows"] == [w.model_dump(mode="json") for w in visit.windows]
    assert [e["envelope"]["event_id"] for e in events] == [str(e.event_id) for e in news[5].events]
    assert all(n.visit.persisted_history == 1 for n in news)


async def test_a_key_sent_twice_in_one_write_creates_one_visit(pool: asyncpg.Pool) -> None:
    writer = NewVisitWriter(pool, max_open=20, max_writes=1)
    orgnr = new_orgnr()
    first, retry = new_visit(orgnr, key="same"), new_visit(orgnr, key="same")
    outcomes = await asyncio.gather(writer.add(first), writer.add(retry))
    assert sorted(outcomes) == ["created", "used"]
    created, used = (first, retry) if outcomes[0] == "created" else (retry, first)
    assert (await stored(pool, created.visit.id))["visits"] == 1
    assert await stored(pool, used.visit.id) == {"visits": 0, "visit_status_history": 0, "visit_contacts": 0,
                                                 "outbox": 0}  # fmt: skip


async def test_a_school_reaching_its_limit_inside_one_write_gets_the_rest_refused_and_keeps_no_key(
    pool: asyncpg.Pool,
) -> None:
    writer = NewVisitWriter(pool, max_open=3, max_writes=1)
    orgnr, other = new_orgnr(), new_orgnr()
    await writer.add(new_visit(orgnr))  # one open already
    news = [new_visit(orgnr) for _ in range(4)] + [new_visit(other)]
    outcomes = await asyncio.gather(*(writer.add(n) for n in news))
    assert outcomes.count("created") == 3 and outcomes.count("limit") == 2  # two for orgnr, and the other school
    assert outcomes[-1] == "created"
    async with pool.acquire() as conn:
        keys = await conn.fetchval("SELECT count(*) FROM idempotency_keys WHERE orgnr = $1", orgnr)
        open_ = await conn.fetchval("SELECT count(*) FROM visits WHERE orgnr = $1", orgnr)
    assert (keys, open_) == (3, 3)
    refused = [n.visit.id for n, o in zip(news, outcomes, strict=True) if o == "limit"]
    assert (await stored(pool, *refused))["outbox"] == 0


async def test_a_visit_the_database_refuses_fails_alone(pool: asyncpg.Pool) -> None:
    writer = NewVisitWriter(pool, max_open=20, max_writes=1)
    taken = new_visit(new_orgnr())
    assert await writer.add(taken) == "created"
    clash = new_visit(new_orgnr(), visit_id=taken.visit.id)  # the same visit id: the primary key refuses it
    others = [new_visit(new_orgnr()) for _ in range(3)]
    before = writes_so_far()
    results = await asyncio.gather(*(writer.add(n) for n in [others[0], clash, *others[1:]]), return_exceptions=True)
    assert isinstance(results[1], asyncpg.UniqueViolationError)
    assert [results[0], *results[2:]] == ["created"] * 3
    assert writes_so_far()[0] - before[0] == 1  # tried together first, then one by one
    assert (await stored(pool, *(n.visit.id for n in others)))["visits"] == 3


async def test_a_caller_that_goes_away_keeps_its_visit_and_the_others_theirs(pool: asyncpg.Pool) -> None:
    writer = NewVisitWriter(pool, max_open=20, max_writes=1)
    news = [new_visit(new_orgnr()) for _ in range(4)]
    tasks = [asyncio.create_task(writer.add(n)) for n in news]
    await asyncio.sleep(0)  # every add is waiting for the write
    tasks[1].cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[1], asyncio.CancelledError)
    assert [results[0], *results[2:]] == ["created"] * 3
    await writer.drain()
    assert (await stored(pool, *(n.visit.id for n in news)))["visits"] == 4


async def test_while_writes_are_running_later_visits_queue_for_the_next_one(pool: asyncpg.Pool) -> None:
    writer = NewVisitWriter(pool, max_open=20, max_writes=1, max_batch=4)
    news = [new_visit(new_orgnr()) for _ in range(10)]
    before = writes_so_far()
    assert await asyncio.gather(*(writer.add(n) for n in news)) == ["created"] * 10
    assert writes_so_far()[0] - before[0] == 3  # 4 + 4 + 2
    assert (await stored(pool, *(n.visit.id for n in news)))["visits"] == 10


async def test_a_visit_written_alone_meets_the_same_rules(pool: asyncpg.Pool) -> None:
    writer = NewVisitWriter(pool, max_open=1)
    orgnr = new_orgnr()
    first = new_visit(orgnr, key="alone")
    assert await writer.add(first) == "created"
    assert await writer.add(new_visit(orgnr, key="alone")) == "used"
    assert await writer.add(new_visit(orgnr)) == "limit"
    async with pool.acquire() as conn:
        keys = await conn.fetchval("SELECT count(*) FROM idempotency_keys WHERE orgnr = $1", orgnr)
    assert keys == 1
