"""Housekeeping deletes relayed outbox rows once their week is up, and only those, batch by batch.

In a schema of its own: no relay runs there, so rows the tests leave unpublished stay so (the kit's schema has one).
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import kit_process
import pytest

from outreach_shared.housekeeping import Housekeeper, Purge, purge, relayed_outbox


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
            for _ in range(100):
                if not await _left(own_pool, subject):
                    break
                await asyncio.sleep(0.05)
            assert await _left(own_pool, subject) == set(), f"round {round_}"
    finally:
        task.cancel()
