"""The booking service running in-process against the session's real Kafka and Postgres."""

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from booking.bootstrap import SERVICE
from outreach_dev.testing.service import RunningService, running_service

sys.path.insert(0, str(Path(__file__).parent))  # the test modules import booking_testkit

from booking_testkit import START, Ambassadors, Api, KafkaTap, MovableClock  # noqa: E402


@pytest.fixture(scope="session")
async def booking(kafka_bootstrap: str, provisioned_dsns: Any) -> AsyncIterator[RunningService]:
    """The booking service, started once for the session."""
    dsn = await provisioned_dsns("booking")
    async with running_service(SERVICE, dsn=dsn, kafka_bootstrap=kafka_bootstrap, rate_limit_per_minute=0) as svc:
        yield svc


@pytest.fixture(scope="session")
async def tap(kafka_bootstrap: str) -> AsyncIterator[KafkaTap]:
    """Everything booking published during the session."""
    kafka_tap = KafkaTap(kafka_bootstrap)
    await kafka_tap.start()
    yield kafka_tap
    await kafka_tap.stop()


@pytest.fixture(scope="session")
async def ambassadors(kafka_bootstrap: str) -> AsyncIterator[Ambassadors]:
    """A producer of ambassadors' events."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    yield Ambassadors(producer)
    await producer.stop()


@pytest.fixture(autouse=True)
def clock(booking: RunningService) -> Iterator[MovableClock]:
    """Every test starts at START; the service reads its time from this clock."""
    fake, real = MovableClock(START), booking.runtime.clock
    booking.runtime.clock = fake
    yield fake
    booking.runtime.clock = real


@pytest.fixture
def api(booking: RunningService) -> Api:
    """Short-hands for the API."""
    return Api(booking)
