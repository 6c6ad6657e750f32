"""What a pooled connection carries to its next user: nothing by default; session state left by a
`stateless_connection` user (who promised to leave none) is not cleaned, but an open transaction still is."""

from collections.abc import AsyncIterator

import asyncpg
import pytest

from outreach_shared import db


@pytest.fixture
async def one_connection_pool(kit_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool of one connection, so every acquire gets the connection the last user released."""
    pool = await db.create_pool(kit_dsn, "kit", min_size=1, max_size=1)
    yield pool
    await pool.close()


async def leave_session_state(conn: asyncpg.Connection) -> None:
    await conn.execute("SET statement_timeout = '4321s'")
    await conn.execute("SELECT pg_advisory_lock(424242)")
    await conn.execute("LISTEN outreach_pool_test")


async def session_state(conn: asyncpg.Connection) -> tuple[str, int, list[str]]:
    timeout = await conn.fetchval("SHOW statement_timeout")
    locks = await conn.fetchval(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    )
    channels = [r[0] for r in await conn.fetch("SELECT pg_listening_channels()")]
    return timeout, locks, channels


async def test_an_ordinary_user_leaves_nothing_to_the_next(one_connection_pool: asyncpg.Pool) -> None:
    async with one_connection_pool.acquire() as conn:
        clean = await session_state(conn)
        await leave_session_state(conn)
    async with one_connection_pool.acquire() as conn:
        assert await session_state(conn) == clean
        assert clean[1:] == (0, [])


async def test_a_stateless_user_skips_the_reset_query(one_connection_pool: asyncpg.Pool) -> None:
    async with db.stateless_connection(one_connection_pool) as conn:
        await conn.execute("SET statement_timeout = '4321s'")  # breaking the promise, to see the reset skipped
    async with one_connection_pool.acquire() as conn:
        assert await conn.fetchval("SHOW statement_timeout") == "4321s"
    async with one_connection_pool.acquire() as conn:  # that ordinary user's release reset it
        assert await conn.fetchval("SHOW statement_timeout") != "4321s"


async def test_a_stateless_user_s_open_transaction_is_still_rolled_back(one_connection_pool: asyncpg.Pool) -> None:
    async with db.stateless_connection(one_connection_pool) as conn:
        await conn.execute("BEGIN")
        await conn.execute("SET LOCAL statement_timeout = '4321s'")
    async with one_connection_pool.acquire() as conn:
        assert not conn.is_in_transaction()
        assert await conn.fetchval("SHOW statement_timeout") != "4321s"


async def test_the_next_ordinary_user_in_the_same_task_gets_the_full_reset(one_connection_pool: asyncpg.Pool) -> None:
    async with db.stateless_connection(one_connection_pool) as conn:
        await conn.fetchval("SELECT 1")
    async with one_connection_pool.acquire() as conn:
        clean = await session_state(conn)
        await leave_session_state(conn)
    async with one_connection_pool.acquire() as conn:
        assert await session_state(conn) == clean


async def test_a_stateless_user_that_fails_still_returns_the_connection(one_connection_pool: asyncpg.Pool) -> None:
    with pytest.raises(asyncpg.PostgresError):
        async with db.stateless_connection(one_connection_pool) as conn:
            await conn.execute("SELECT 1/0")
    async with one_connection_pool.acquire() as conn:
        assert await conn.fetchval("SELECT 1") == 1
