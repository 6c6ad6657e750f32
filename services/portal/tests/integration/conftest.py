"""One portal service and one roster producer for the whole session."""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest_asyncio
from aiokafka import AIOKafkaProducer
from portal_helpers import Roster

from outreach_dev.testing.fakes import MovableClock
from outreach_dev.testing.service import RunningService, running_service
from portal.bootstrap import SERVICE


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def portal(
    provisioned_dsns: Callable[[str], Awaitable[str]], kafka_bootstrap: str
) -> AsyncIterator[RunningService]:
    """The portal running in-process against the real Kafka and Postgres."""
    dsn = await provisioned_dsns("portal")
    async with running_service(SERVICE, dsn=dsn, kafka_bootstrap=kafka_bootstrap) as svc:
        yield svc


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def roster(kafka_bootstrap: str) -> AsyncIterator[Roster]:
    """Publishes member events as the ambassadors service would."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        yield Roster(producer)
    finally:
        await producer.stop()


SIGNIN_CLOCK = MovableClock(datetime.now(UTC))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def signin_portal(
    provisioned_dsns: Callable[[str], Awaitable[str]], kafka_bootstrap: str
) -> AsyncIterator[RunningService]:
    """A portal for the sign-in tests, on a clock they move (`signin_clock`), reached at https://portal.test."""
    dsn = await provisioned_dsns("portal")
    async with running_service(
        SERVICE,
        dsn=dsn,
        kafka_bootstrap=kafka_bootstrap,
        clock=SIGNIN_CLOCK,
        public_url="https://portal.test",
        consumer_group="portal-signin-tests",
    ) as svc:
        yield svc


@pytest_asyncio.fixture(loop_scope="session")
async def signin_clock(signin_portal: RunningService) -> MovableClock:
    """The sign-in portal's clock, set to the real time at the start of each test."""
    SIGNIN_CLOCK.set(datetime.now(UTC))
    return SIGNIN_CLOCK
