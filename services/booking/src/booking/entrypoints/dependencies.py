"""FastAPI dependencies: runtime, caller, clock, rate limit and the unit of work."""

import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated

import asyncpg
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from booking.adapters.visit_writer import NewVisitWriter
from booking.domain.times import WindowPolicy
from booking.service_layer.unit_of_work import Clock, EventSink, EventWrapper, outbox_sink, system_clock
from booking.settings import BookingSettings
from outreach_shared.auth import Principal, Role
from outreach_shared.contracts import Envelope
from outreach_shared.http import principal_from, require_role
from outreach_shared.runtime import Runtime, get_runtime

RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
_bearer = HTTPBearer(auto_error=False, description="A token from `outreach token ...`")


class RateLimiter:
    """A fixed one-minute window of requests per key, in memory (per instance)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._windows: dict[str, tuple[float, int]] = {}

    def retry_after(self, key: str, now: float) -> int | None:
        """Count one request; the seconds to wait if it is over the limit, else None."""
        started, count = self._windows.get(key, (now, 0))
        if now - started >= 60:
            started, count = now, 0
        if count >= self.per_minute:
            return max(1, math.ceil(60 - (now - started)))
        self._windows[key] = (started, count + 1)
        return None


def settings_of(runtime: Runtime) -> BookingSettings:
    """The running service's settings."""
    assert isinstance(runtime.settings, BookingSettings)
    return runtime.settings


def window_policy_of(runtime: Runtime) -> WindowPolicy:
    """The running service's window policy, from its settings (built once: it is asked for on every create)."""
    policy: WindowPolicy | None = runtime.extras.get("window_policy")
    if policy is None:
        policy = runtime.extras["window_policy"] = settings_of(runtime).window_policy()
    return policy


def clock_of(runtime: Runtime) -> Clock:
    """The running service's clock (tests may replace it in runtime.extras)."""
    clock: Clock = runtime.extras.get("clock", system_clock)
    return clock


def runtime_of(request: Request) -> Runtime:
    """The running service's Runtime, like RuntimeDep but without a dependency to solve (for the hot paths)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def current_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The caller from the bearer token; schools are rate-limited per token (429 with Retry-After)."""
    runtime = runtime_of(request)
    caller = principal_from(credentials, runtime.settings.jwt_secret.get_secret_value())
    limit = settings_of(runtime).rate_limit_per_minute
    if caller.role == "school" and limit > 0:
        limiter: RateLimiter | None = runtime.extras.get("rate_limiter")
        if limiter is None:
            limiter = runtime.extras["rate_limiter"] = RateLimiter(limit)
        wait = limiter.retry_after(caller.subject, time.monotonic())
        if wait is not None:
            raise HTTPException(429, "Too many requests", headers={"Retry-After": str(wait)})
    return caller


CallerDep = Annotated[Principal, Depends(current_caller)]


def caller_in_role(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A caller dependency that refuses other roles (403) before the route's own parameters are checked."""

    async def in_role(caller: CallerDep) -> Principal:
        return require_role(caller, *roles)

    return in_role


OrganiserDep = Annotated[Principal, Depends(caller_in_role("organiser"))]
SchoolOrOrganiserDep = Annotated[Principal, Depends(caller_in_role("school", "organiser"))]


def new_visit_writer(runtime: Runtime) -> NewVisitWriter:
    """The running service's writer of new visits (made by `bootstrap.wire`)."""
    writer: NewVisitWriter = runtime.extras["new_visit_writer"]
    return writer


def event_wrapper(runtime: Runtime, request: Request) -> EventWrapper:
    """Wraps events in envelopes carrying the request's correlation id."""
    correlation_id: str = request.state.correlation_id

    def wrap(event: BaseModel, *, key: str) -> Envelope:
        return runtime.envelope(event, key=key, correlation_id=correlation_id)

    return wrap


@asynccontextmanager
async def unit_of_work(runtime: Runtime, request: Request) -> AsyncIterator[tuple[asyncpg.Connection, EventSink]]:
    """A connection in a transaction and an outbox sink writing in it."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        yield conn, outbox_sink(conn, event_wrapper(runtime, request))
