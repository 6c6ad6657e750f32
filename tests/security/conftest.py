"""Security and privacy tests against the four services in-process on the session's real Kafka and PostgreSQL."""

import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the test modules import sec_system and sec_data

from sec_system import System, running_system  # noqa: E402


@pytest.fixture(scope="session")
async def system(
    kafka_bootstrap: str,
    admin_dsn: str,
    provisioned_dsns: Callable[[str], Awaitable[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[System]:
    """Booking, ambassadors, training and notify, started once for the security tests."""
    async with running_system(
        kafka_bootstrap=kafka_bootstrap, admin_dsn=admin_dsn, dsn_for=provisioned_dsns,
        state_dir=tmp_path_factory.mktemp("security"),
    ) as running:  # fmt: skip
        yield running
