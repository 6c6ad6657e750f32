"""Fixtures for the reliability kit's tests: a kit schema on the real Postgres and a broker."""

import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import kit_process  # noqa: E402


@pytest.fixture(scope="session")
async def kit_dsn(provisioned_dsns) -> str:  # noqa: ANN001
    """The DSN of the kit's own role and schema."""
    return await provisioned_dsns("kit")


@pytest.fixture
async def kit_pool(kit_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    """A migrated pool on the kit schema."""
    pool = await kit_process.open_pool(kit_dsn, "kit")
    yield pool
    await pool.close()


@pytest.fixture
def subject() -> str:
    """A unique aggregate id for one test."""
    return f"s-{uuid.uuid4().hex[:12]}"

