"""Housekeeping deletes relayed outbox rows once their week is up, handled inbox rows and finished timers once theirs
are, and only those, batch by batch.

In a schema of its own: no relay runs there, so rows the tests leave unpublished stay so (the kit's schema has one).
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import kit_process
import pytest

from outreach_dev.testing.plans import plan_nodes, reads
from outreach_dev.testing.waiting import eventually
from outreach_shared.housekeeping import Housekeeper, Purge, finished_timers, handled_inbox, purge, relayed_outbox
from outreach_shared.metrics import REGISTRY


@pytest.fixture
async def own_pool(provisioned_dsns) -> AsyncIterator[asyncpg.Pool]:  # noqa: ANN001
    """A migrated pool on the housekeeping tests' own schema."""
    pool = await kit_process.open_pool(await provisioned_dsns("housekeeping"), "housekeeping")
    yield pool
    await pool.close()


async def _outbox_row(pool: asyncpg.Pool, subject: str, *, published_hours_ago: float | None, age_hours: float) -> int:
    row_id: int = await pool.fetchval(
        "INSERT INTO outbox (event_id, topic, key, envelope, created_at, published_at) "
        "VALUES ($1, 'kit.things', $2, $3::jsonb, now() - make_interval(secs => $4), "
        "CASE WHEN $5::float8 IS NULL THEN NULL ELSE now() - make_interval(secs => $5) END) RETURNING id",
        uuid.uuid4(), subject, json.dumps({"k": subject}), age_hours * 3600,
        None if published_hours_ago is None else published_hours_ago * 3600,
    )  # fmt: skip
    return row_id


async def _left(pool: asyncpg.Pool, subject: str) -> set[int]:
    return {r["id"] for r in await pool.fetch("SELECT id FROM outbox WHERE key = $1", subject)}


async def test_only_rows_relayed_longer_ago_than_the_retention_go(own_pool: asyncpg.Pool, subject: str) -> None:
    old = await _outbox_row(own_pool, subject, published_hours_ago=24 * 8, age_hours=24 * 8)
    recent = await _outbox_row(own_pool, subject, published_hours_ago=1, age_hours=24 * 8)
    unsent = await _outbox_row(own_pool, subject, published_hours_ago=None, age_hours=24 * 30)
    assert await purge(own_pool, relayed_outbox(24 * 7)) >= 1
    assert await _left(own_pool, subject) == {recent, unsent}
    assert old not in await _left(own_pool, subject)


async def test_only_inbox_rows_handled_longer_ago_than_the_retention_go(own_pool: asyncpg.Pool, subject: str) -> None:
    async def handled(hours_ago: float) -> uuid.UUID:
        event_id = uuid.uuid4()
        await own_pool.execute(
            "INSERT INTO inbox (consumer, event_id, event_type, handled_at) "
            "VALUES ($1, $2, 'kit.thing', now() - make_interval(secs => $3))",
            subject, event_id, hours_ago * 3600,
        )  # fmt: skip
        return event_id

    old, recent = await handled(24 * 31), await handled(24 * 29)
    assert await purge(own_pool, handled_inbox(24 * 30)) >= 1
    left = {r["event_id"] for r in await own_pool.fetch("SELECT event_id FROM inbox WHERE consumer = $1", subject)}
    assert left == {recent}
    assert old not in left


async def test_only_fired_or_cancelled_timers_due_longer_ago_than_the_retention_go(
    own_pool: asyncpg.Pool, subject: str
) -> None:
    async def timer(key: str, status: str, due_hours_ago: float) -> None:
        await own_pool.execute(
            "INSERT INTO timers (kind, key, due_at, status) VALUES ($1, $2, now() - make_interval(secs => $3), $4)",
            subject, key, due_hours_ago * 3600, status,
        )  # fmt: skip

    await timer("fired-long-ago", "done", 24 * 91)
    await timer("cancelled-long-ago", "cancelled", 24 * 91)
    await timer("overdue-but-pending", "pending", 24 * 91)
    await timer("fired-lately", "done", 24 * 89)
    assert await purge(own_pool, finished_timers(24 * 90)) >= 2
    left = {r["key"] for r in await own_pool.fetch("SELECT key FROM timers WHERE kind = $1", subject)}
    assert left == {"overdue-but-pending", "fired-lately"}


@pytest.mark.parametrize(
    ("what", "fill", "index"),
    [
        (
            handled_inbox(24 * 30),
            "INSERT INTO inbox (consumer, event_id, event_type, handled_at) "
            "SELECT 'plans', gen_random_uuid(), 'kit.thing', now() - make_interval(secs => $1 - g) "
            "FROM generate_series(1, $1) AS g",
            "inbox_handled_at",
        ),
        (
            relayed_outbox(24 * 7),
            "INSERT INTO outbox (event_id, topic, key, envelope, published_at) "
            "SELECT gen_random_uuid(), 'kit.things', 'plans', '{}'::jsonb, now() - make_interval(secs => $1 - g) "
            "FROM generate_series(1, $1) AS g",
            "outbox_published_at",
        ),
    ],
    ids=["inbox", "outbox"],
)
async def test_on_a_large_table_housekeeping_finds_due_rows_through_an_index_not_by_reading_it_all(
    provisioned_dsns, what: Purge, fill: str, index: str  # noqa: ANN001
) -> None:
    schema = f"housekeeping_plans_{what.table}"  # a table of its own: the planner weighs only these rows
    pool = await kit_process.open_pool(await provisioned_dsns(schema), schema)
    try:
        await pool.execute(fill, 200_000)  # a few days' worth, none of it due yet: the hourly pass finds nothing
        await pool.execute(f"ANALYZE {what.table}")
        assert reads(await plan_nodes(pool, what.due_rows(), what.keep_hours, 5000)) == {
            f"Bitmap Heap Scan on {what.table}",
            f"Bitmap Index Scan on {index}",
        }
    finally:
        await pool.close()


async def test_many_rows_go_in_several_batches(own_pool: asyncpg.Pool, subject: str) -> None:
    for _ in range(12):
        await _outbox_row(own_pool, subject, published_hours_ago=24 * 9, age_hours=24 * 9)
    by_subject = Purge("outbox", f"key = '{subject}' AND published_at < now() - make_interval(hours => $1)", 24 * 7)
    assert await purge(own_pool, by_subject, batch=5) == 12
    assert await _left(own_pool, subject) == set()


async def test_the_housekeeper_runs_every_purge_again_and_again_and_survives_one_failing(
    own_pool: asyncpg.Pool, subject: str
) -> None:
    broken = Purge("no_such_table", "true", 1)
    keeper = Housekeeper(own_pool, [broken, relayed_outbox(24 * 7)], every_seconds=0.05)
    assert "no_such_table" not in await keeper.run_once()
    task = asyncio.create_task(keeper.run())
    try:
        for round_ in range(2):  # a row that falls due while it runs goes on a later pass
            await _outbox_row(own_pool, subject, published_hours_ago=24 * 8, age_hours=24 * 8)

            async def none_left(round_: int = round_) -> bool:
                assert await _left(own_pool, subject) == set(), f"round {round_}"
                return True

            await eventually(none_left, timeout=5.0, interval=0.05)
    finally:
        task.cancel()


class _Chore:
    """Housekeeping beyond a DELETE, as booking's contact erasure: removes `rows` and says so, or fails."""

    def __init__(self, name: str, rows: int, *, fails: bool = False) -> None:
        self.name, self.rows, self.fails, self.calls = name, rows, fails, 0

    async def __call__(self, pool: asyncpg.Pool) -> int:
        self.calls += 1
        if self.fails:
            raise RuntimeError("the chore broke")
        return self.rows


async def test_the_housekeeper_runs_chores_next_to_purges_and_counts_what_they_removed(own_pool: asyncpg.Pool) -> None:
    broken, chore = _Chore("broken_things", 1, fails=True), _Chore(f"things_{uuid.uuid4().hex[:8]}", 3)
    before = REGISTRY.get_sample_value("outreach_housekeeping_deleted_total", {"table": chore.name}) or 0
    keeper = Housekeeper(own_pool, [broken, chore, relayed_outbox(24 * 7)], every_seconds=3600)
    done = await keeper.run_once()
    assert done[chore.name] == 3 and "outbox" in done and "broken_things" not in done
    assert (broken.calls, chore.calls) == (1, 1)
    assert REGISTRY.get_sample_value("outreach_housekeeping_deleted_total", {"table": chore.name}) == before + 3
