"""The booking service's Annotated aliases: its units of work, its rate-limited callers and its parts."""

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request

from booking.service_layer.ports import BookingPorts
from booking.service_layer.unit_of_work import BookingUnit, NewVisitUnit
from booking.settings import BookingSettings
from outreach_shared.auth import Principal, Role
from outreach_shared.http import require_role
from outreach_shared.runtime import Runtime
from outreach_shared.skeleton import Bearer, Begin, Scope, begin, current_caller

BookingBegin = Annotated[Begin[BookingUnit], Depends(begin)]


def runtime_of(request: Request) -> Runtime:
    """The running service's Runtime."""
    return cast(Runtime, request.app.state.runtime)


def settings_of(runtime: Runtime) -> BookingSettings:
    """The running service's settings."""
    assert isinstance(runtime.settings, BookingSettings)
    return runtime.settings


def ports_of(runtime: Runtime) -> BookingPorts:
    """The service's parts as its bootstrap wired them."""
    return cast(BookingPorts, runtime.ports)


async def new_visit_unit(request: Request) -> NewVisitUnit:
    """A create's unit of work: the request's time and correlation id, the writer of new visits and the keys."""
    runtime = runtime_of(request)
    ports = ports_of(runtime)
    scope = Scope(now=runtime.clock.now(), producer=runtime.name, correlation_id=request.state.correlation_id)
    return NewVisitUnit(None, scope, new_visits=ports.new_visits, keys=ports.keys, policy=ports.window_policy)


NewVisitUnitDep = Annotated[NewVisitUnit, Depends(new_visit_unit)]


def rate_limited(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """The kit's caller, limited: a school over its requests per minute is refused (429 with Retry-After), then a
    caller in none of `roles` (if given) with 403."""

    async def limited(request: Request, credentials: Bearer) -> Principal:
        caller = await current_caller(request, credentials)  # the kit's caller, one dependency level fewer
        limiter = ports_of(runtime_of(request)).rate_limiter
        if caller.role == "school" and limiter is not None:
            wait = limiter.retry_after(caller.subject, time.monotonic())
            if wait is not None:
                raise HTTPException(429, "Too many requests", headers={"Retry-After": str(wait)})
        return require_role(caller, *roles) if roles else caller

    return limited


RateLimitedCaller = Annotated[Principal, Depends(rate_limited())]
school_caller = rate_limited("school")
SchoolCaller = Annotated[Principal, Depends(school_caller)]
SchoolOrOrganiserCaller = Annotated[Principal, Depends(rate_limited("school", "organiser"))]
OrganiserCaller = Annotated[Principal, Depends(rate_limited("organiser"))]
