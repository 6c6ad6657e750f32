"""One training service, roster producer and gatherings-topic collector for the whole session."""

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest_asyncio
from aiokafka import AIOKafkaProducer
from training_helpers import GatheringEvents, Roster, gathering_events

from outreach_dev.testing.service import RunningService, running_service
from training.bootstrap import SERVICE

OFFER_TTL_SECONDS = 4


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def training(
    provisioned_dsns: Callable[[str], Awaitable[str]], kafka_bootstrap: str
) -> AsyncIterator[RunningService]:
    """The training service running in-process against the real Kafka and Postgres."""
    dsn = await provisioned_dsns("training")
    async with running_service(
        SERVICE, dsn=dsn, kafka_bootstrap=kafka_bootstrap, place_offer_ttl_hours=OFFER_TTL_SECONDS / 3600
    ) as svc:
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


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def events(kafka_bootstrap: str) -> AsyncIterator[GatheringEvents]:
    """What the service published on the gatherings topic."""
    async with gathering_events(kafka_bootstrap) as collected:
        yield collected
