"""Postgres: a pool bound to the service's own schema, and versioned SQL migrations (yoyo)."""

import asyncio
import json
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import asyncpg

PLATFORM_MIGRATIONS = Path(str(resources.files("outreach_shared") / "migrations"))


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, schema: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see only `schema` (search_path) and decode json/jsonb to Python."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        server_settings={"search_path": schema, "application_name": schema, "timezone": "UTC"},
        command_timeout=30,
    )
    assert pool is not None
    return pool


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
