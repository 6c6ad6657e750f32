"""The notify service running in-process against the real Kafka, Postgres and an aiosmtpd server."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaProducer

from notify.bootstrap import SERVICE
from outreach_dev.testing.service import RunningService, running_service

from .helpers import Publisher
from .smtp import RecordingHandler, start_smtp

ORGANISERS = ["koordinator@ks.example.org", "fagansvarlig@ks.example.org"]


@pytest.fixture(scope="module")
def smtp() -> Iterator[RecordingHandler]:
    controller, handler = start_smtp()
    yield handler
    controller.stop()


@pytest.fixture(scope="module")
def sms_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sms") / "sms.jsonl"


def overrides(smtp_port: int, sms_file: Path, **extra: Any) -> dict[str, Any]:
    """Fast polling and retries, the test SMTP server and SMS file, two organisers."""
    return {
        "smtp_port": smtp_port,
        "sms_provider": "file",
        "sms_file": str(sms_file),
        "organiser_emails": ",".join(ORGANISERS),
        "delivery_poll_seconds": 0.1,
        "retry_base_seconds": 0.05,
        "retry_max_seconds": 0.2,
        "delivery_max_attempts": 3,
        "contact_wait_seconds": 0.5,
        **extra,
    }


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def service(
    request: pytest.FixtureRequest,
    provisioned_dsns: Callable[[str], Awaitable[str]],
    kafka_bootstrap: str,
    smtp: Any,
    sms_file: Path,
) -> AsyncIterator[RunningService]:
    dsn = await provisioned_dsns("notify")
    async with running_service(
        SERVICE,
        dsn=dsn,
        kafka_bootstrap=kafka_bootstrap,
        **overrides(smtp.port, sms_file, **getattr(request.module, "SERVICE_OVERRIDES", {})),
    ) as svc:
        yield svc


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def publish(kafka_bootstrap: str) -> AsyncIterator[Publisher]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    yield Publisher(producer)
    await producer.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def db(service: RunningService) -> asyncpg.Pool:
    return service.runtime.pool
