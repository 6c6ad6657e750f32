"""Run a service in-process against the real Kafka and Postgres, and talk to it over HTTP."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from outreach_dev.testing.keys import TEST_JWKS, TEST_KEY
from outreach_shared.auth import Role
from outreach_shared.regions import NATIONAL, Region
from outreach_shared.runtime import Runtime, ServiceDefinition, build_app
from outreach_shared.signing import mint_token
from outreach_shared.skeleton import Clock


@dataclass
class RunningService:
    """A started service: its app, runtime and an HTTP client bound to it."""

    app: FastAPI
    runtime: Runtime
    client: httpx.AsyncClient

    def token(
        self, role: Role, subject: str | None = None, *, region: Region = NATIONAL, audience: str | None = None
    ) -> str:
        """A valid token for this service, signed with the session's test key (an organiser's limited to `region`
        when given; for `audience` instead of this service when given)."""
        return mint_token(TEST_KEY, role, subject, audience=audience or self.runtime.audience, region=region)

    def auth(
        self, role: Role, subject: str | None = None, *, region: Region = NATIONAL, audience: str | None = None
    ) -> dict[str, str]:
        """An Authorization header for the role."""
        return {"Authorization": f"Bearer {self.token(role, subject, region=region, audience=audience)}"}


@asynccontextmanager
async def running_service(
    definition: ServiceDefinition, *, dsn: str, kafka_bootstrap: str, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[RunningService]:
    """Start the service's runtime (migrations, consumers, relay, timers) and yield a client for it (on `clock` when
    given: a test's MovableClock)."""
    settings = definition.settings_factory().model_copy(
        update={
            "database_url": _secret(dsn),
            "kafka_bootstrap_servers": kafka_bootstrap,
            "environment": "test",
            "jwt_public_keys": TEST_JWKS,
            "jwt_jwks_url": "",
            "outbox_poll_seconds": 0.2,
            "timer_poll_seconds": 0.2,
            **overrides,
        }
    )
    app = build_app(definition, settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service.test") as client:
            yield RunningService(app=app, runtime=app.state.runtime, client=client)


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)
