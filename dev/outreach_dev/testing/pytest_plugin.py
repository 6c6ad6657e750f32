"""Pytest plugin: session fixtures giving every test suite the same real Kafka and PostgreSQL.

Loaded with `-p outreach_dev.testing.pytest_plugin`. Nothing starts unless a test asks for
`infrastructure` (directly or through `kafka_bootstrap`, `admin_dsn` or `provisioned_dsns`).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from outreach_dev.devstack.infrastructure import Infrastructure
    from outreach_dev.testing.oidc_provider import LocalOidcProvider

INFRA_FIXTURES = frozenset({"infrastructure", "kafka_bootstrap", "admin_dsn", "provisioned_dsns"})
_infra_key = pytest.StashKey["Infrastructure"]()


def pytest_configure(config: pytest.Config) -> None:
    """Register the `integration` marker (also declared in the root pyproject)."""
    config.addinivalue_line("markers", "integration: needs the real Kafka and Postgres")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that uses the infrastructure fixtures (even indirectly) as `integration`."""
    for item in items:
        if INFRA_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def infrastructure(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Infrastructure]:
    """Kafka + PostgreSQL for the whole session: from env vars, Docker, or local processes."""
    from outreach_dev.devstack._util import run_sync
    from outreach_dev.devstack.infrastructure import acquire_infrastructure
    from outreach_dev.devstack.provision import ensure_topics
    from outreach_shared.contracts import ALL_TOPICS

    with acquire_infrastructure(tmp_path_factory.mktemp("infrastructure")) as infra:
        request.config.stash[_infra_key] = infra
        run_sync(ensure_topics(infra.kafka_bootstrap, list(ALL_TOPICS)))
        yield infra


@pytest.fixture(scope="session")
def kafka_bootstrap(infrastructure: Infrastructure) -> str:
    """Kafka bootstrap servers, e.g. "127.0.0.1:PORT"."""
    return infrastructure.kafka_bootstrap


@pytest.fixture(scope="session")
def admin_dsn(infrastructure: Infrastructure) -> str:
    """Superuser DSN of the session's PostgreSQL."""
    return infrastructure.admin_dsn


@pytest.fixture(scope="session")
def provisioned_dsns(admin_dsn: str) -> Callable[[str], Awaitable[str]]:
    """An async function `dsn_for(service)` giving a service's own role+schema DSN, provisioned once."""
    from outreach_dev.devstack.provision import provision_service_database

    cache: dict[str, str] = {}
    lock = asyncio.Lock()

    async def dsn_for(service: str) -> str:
        async with lock:
            if service not in cache:
                password = secrets.token_urlsafe(18)
                cache[service] = await provision_service_database(admin_dsn, service, password)
            return cache[service]

    return dsn_for


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config) -> None:
    """After a failed run, say where the local Kafka and PostgreSQL logs are."""
    infra = config.stash.get(_infra_key, None)
    failed = terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")
    if infra is None or not failed:
        return
    terminalreporter.section("outreach infrastructure")
    terminalreporter.write_line(f"kafka: {infra.kafka_bootstrap} ({infra.kafka_source})")
    terminalreporter.write_line(f"postgres: {infra.admin_dsn} ({infra.postgres_source})")
    for path in infra.log_paths:
        terminalreporter.write_line(f"log: {path}")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalOidcProvider]:
    """A real OpenID Connect provider (NAV's mock-oauth2-server) for the session; stopped at the end."""
    from outreach_dev.testing.oidc_provider import LocalOidcProvider

    with LocalOidcProvider(tmp_path_factory.mktemp("oidc-provider")) as provider:
        yield provider
