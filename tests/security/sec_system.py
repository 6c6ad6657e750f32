"""The whole system in-process for the security tests: the four services on a database of their own, with consumer
groups of their own that start at the end of every topic (other suites' history is not theirs to handle), JSON
logging configured as in production but written to a capture, and an SMTP sink for notify."""

import logging
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiosmtpd.controller import Controller

from ambassadors.bootstrap import SERVICE as AMBASSADORS
from booking.bootstrap import SERVICE as BOOKING
from notify.bootstrap import SERVICE as NOTIFY
from outreach_dev.devstack._util import free_ports
from outreach_dev.devstack.provision import provision_service_database
from outreach_dev.testing.keys import signed_auth
from outreach_dev.testing.service import RunningService, running_service
from outreach_shared.auth import Role
from outreach_shared.contracts import ALL_TOPICS
from outreach_shared.logging import configure_logging
from outreach_shared.regions import NATIONAL, Region
from outreach_shared.runtime import ServiceDefinition
from training.bootstrap import SERVICE as TRAINING

DEFINITIONS: dict[str, ServiceDefinition] = {
    "booking": BOOKING, "ambassadors": AMBASSADORS, "training": TRAINING, "notify": NOTIFY,
}
BOOKING_RATE_LIMIT = 60
"""Requests per minute per school token in these tests (production: 120)."""


class LogCapture:
    """A text stream that keeps everything written to it: the services' log output."""

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self._chunks.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def lines(self) -> list[str]:
        """Every complete line written so far."""
        with self._lock:
            return "".join(self._chunks).splitlines()


@dataclass
class System:
    """The running services, their database and Kafka, and the captured logs."""

    services: dict[str, RunningService]
    db_admin_dsn: str
    kafka_bootstrap: str
    logs: LogCapture

    def client(self, service: str) -> httpx.AsyncClient:
        """The in-process HTTP client of a service."""
        return self.services[service].client

    def auth(self, role: Role, subject: str | None = None, *, region: Region = NATIONAL) -> dict[str, str]:
        """A valid Authorization header for every service (signed with the test key they trust); an organiser's
        limited to `region`."""
        return signed_auth(role, subject, region=region)


class _AcceptAll:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        return "250 OK"


@asynccontextmanager
async def running_system(
    *, kafka_bootstrap: str, admin_dsn: str, dsn_for: Callable[[str], Awaitable[str]], state_dir: Path
) -> AsyncIterator[System]:
    """Start everything; stop it and drop the database afterwards."""
    tag = secrets.token_hex(4)
    db_admin_dsn = await _create_database(admin_dsn, f"security_{tag}")
    groups = {name: f"security-{tag}-{name}" for name in DEFINITIONS}
    await _start_groups_at_end(kafka_bootstrap, [*groups.values(), f"{groups['notify']}-dead-letters"])
    smtp = Controller(_AcceptAll(), hostname="127.0.0.1", port=free_ports(1)[0])
    smtp.start()
    logs = LogCapture()
    restore_logging = _capture_production_logging(logs)
    try:
        async with AsyncExitStack() as stack:
            services = {}
            for name, definition in DEFINITIONS.items():
                password = urlsplit(await dsn_for(name)).password or ""
                dsn = await provision_service_database(db_admin_dsn, name, password)
                overrides = _overrides(name, smtp_port=smtp.port, state_dir=state_dir) | {
                    "consumer_group": groups[name]
                }
                services[name] = await stack.enter_async_context(
                    running_service(definition, dsn=dsn, kafka_bootstrap=kafka_bootstrap, **overrides)
                )
            yield System(services, db_admin_dsn, kafka_bootstrap, logs)
    finally:
        restore_logging()
        smtp.stop()
        await _drop_database(admin_dsn, f"security_{tag}")


def _overrides(name: str, *, smtp_port: int, state_dir: Path) -> dict[str, Any]:
    if name == "booking":
        return {"rate_limit_per_minute": BOOKING_RATE_LIMIT}
    if name == "notify":
        return {
            "smtp_port": smtp_port, "sms_provider": "file", "sms_file": str(state_dir / "sms.jsonl"),
            "organiser_emails": "koordinator@jobbvinner.example.no", "delivery_poll_seconds": 0.1,
            "retry_base_seconds": 0.05, "retry_max_seconds": 0.2, "contact_wait_seconds": 0.5,
        }  # fmt: skip
    return {}


def _capture_production_logging(capture: LogCapture) -> Callable[[], None]:
    """Configure logging exactly as `serve` does (JSON, INFO), but write it to `capture`; returns a restore."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    configure_logging("outreach", level="INFO", json=True)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=capture))  # type: ignore[arg-type]
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(capture)  # type: ignore[arg-type]
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # the test's SMTP sink, not a service

    def restore() -> None:
        structlog.reset_defaults()
        root.handlers, root.level = saved_handlers, saved_level

    return restore


async def _start_groups_at_end(bootstrap: str, groups: list[str]) -> None:
    """Commit every topic's end offsets for these new groups, so the services skip what came before."""
    partitions = [TopicPartition(t.name, p) for t in ALL_TOPICS for p in range(t.partitions)]
    for group in groups:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign(partitions)
            await consumer.commit(await consumer.end_offsets(partitions))
        finally:
            await consumer.stop()


def _with_database(dsn: str, name: str) -> str:
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{name}"))


async def _create_database(admin_dsn: str, name: str) -> str:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return _with_database(admin_dsn, name)


async def _drop_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
