"""The ambassadors service running in-process against the session's real Kafka and Postgres."""

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ambassadors.bootstrap import SERVICE
from outreach_dev.testing.service import RunningService, running_service

sys.path.insert(0, str(Path(__file__).parent))

from ambassadors_harness import Harness  # noqa: E402


@pytest.fixture(scope="session")
async def ambassadors_service(provisioned_dsns: Any, kafka_bootstrap: str) -> AsyncIterator[RunningService]:
    """One running ambassadors service for the session's tests."""
    dsn = await provisioned_dsns("ambassadors")
    async with running_service(SERVICE, dsn=dsn, kafka_bootstrap=kafka_bootstrap) as svc:
        yield svc


@pytest.fixture
def harness(ambassadors_service: RunningService, kafka_bootstrap: str) -> Harness:
    """Helpers over the running service."""
    return Harness(ambassadors_service, kafka_bootstrap)


@pytest.fixture
async def empty_roster(harness: Harness) -> Harness:
    """A roster with nobody on it, so a matching scenario controls every candidate."""
    await harness.pool.execute("TRUNCATE members, offers, visits, completed_visits")
    return harness
