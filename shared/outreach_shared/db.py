"""Postgres: a pool bound to the service's own schema, and versioned SQL migrations (yoyo)."""

import asyncio
import contextlib
import functools
import json
import re
from collections.abc import AsyncIterator
from contextvars import ContextVar
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import asyncpg

PLATFORM_MIGRATIONS = Path(str(resources.files("outreach_shared") / "migrations"))


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


_STATELESS_USE: ContextVar[bool] = ContextVar("outreach_stateless_use", default=False)
"""True while a connection taken with `stateless_connection` goes back to the pool."""


async def _reset(conn: asyncpg.Connection) -> None:
    """On the way back to the pool, after asyncpg rolled back any open transaction and forgot the listeners: asyncpg's
    reset query (UNLISTEN, session advisory locks, cursors, settings), as by default, unless the connection was used
    through `stateless_connection`."""
    if not _STATELESS_USE.get() and (query := conn.get_reset_query()):
        await conn.execute(query)


async def create_pool(dsn: str, schema: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see only `schema` (search_path) and decode json/jsonb to Python."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        reset=_reset,
        server_settings={"search_path": schema, "application_name": schema, "timezone": "UTC"},
        command_timeout=30,
    )
    assert pool is not None
    return pool


@contextlib.asynccontextmanager
async def stateless_connection(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection for work that leaves no session state behind: no LISTEN, no session-level advisory lock,
    no cursor WITH HOLD, no SET outside a transaction. It goes back to the pool without asyncpg's reset query (one
    round trip of four statements less); an open transaction is still rolled back.

    For the hottest paths: booking's create is one statement, and the reset was a second round trip per request.
    """
    token = None
    try:
        async with pool.acquire() as conn:
            try:
                yield conn
            finally:
                token = _STATELESS_USE.set(True)  # the release below (and the task asyncpg shields it in) sees it
    finally:
        if token is not None:
            _STATELESS_USE.reset(token)


def _yoyo_url(dsn: str, schema: str) -> str:
    parts = urlsplit(dsn)
    scheme = "postgresql+psycopg"
    query = urlencode({"schema": schema})
    return urlunsplit((scheme, parts.netloc, parts.path or "/postgres", query, ""))


def apply_migrations_sync(dsn: str, schema: str, migrations_dir: Path) -> list[str]:
    """Apply the platform's and then the service's pending migrations; returns the ids applied."""
    from yoyo import get_backend, read_migrations

    backend = get_backend(_yoyo_url(dsn, schema))
    migrations = read_migrations(str(PLATFORM_MIGRATIONS), str(migrations_dir))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [m.id for m in pending]


async def apply_migrations(dsn: str, schema: str, migrations_dir: Path) -> list[str]:
    """Async wrapper of apply_migrations_sync (yoyo is synchronous)."""
    return await asyncio.to_thread(apply_migrations_sync, dsn, schema, migrations_dir)


async def ping(pool: asyncpg.Pool, timeout: float = 2.0) -> bool:
    """True when the database answers within `timeout`."""
    try:
        async with asyncio.timeout(timeout):
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
        return True
    except Exception:
        return False


def record_to_dict(record: Any) -> dict[str, Any]:
    """An asyncpg Record as a plain dict."""
    return dict(record.items())


_NAMED_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@functools.lru_cache(maxsize=512)
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _NAMED_PARAMETER.sub(number, sql), tuple(names)


def named(sql: str, /, **values: Any) -> tuple[Any, ...]:
    """SQL written with `:name` parameters, as asyncpg's `$n` text followed by the values in order:
    `await conn.fetchrow(*named("SELECT * FROM visits WHERE id = :visit_id", visit_id=visit_id))`. Casts (`::uuid`)
    are left alone; every name must be given, and nothing else."""
    text, names = _numbered(sql)
    missing = [n for n in names if n not in values]
    unused = [n for n in values if n not in names]
    if missing or unused:
        raise TypeError(f"SQL parameters: missing {missing}, not in the statement {unused}")
    return (text, *(values[n] for n in names))
