"""The booking service's Annotated aliases: its units of work, its rate-limited callers and its parts."""

import time
from typing import Annotated, cast

from fastapi import Depends, HTTPException, Request

from booking.service_layer.ports import BookingPorts
from booking.service_layer.unit_of_work import BookingUnit, NewVisitUnit
from booking.settings import BookingSettings
from outreach_shared.auth import Principal
from outreach_shared.http import require_role
from outreach_shared.runtime import Runtime
from outreach_shared.skeleton import Begin, CallerDep, Scope, begin

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


async def rate_limited(caller: CallerDep, request: Request) -> Principal:
    """The kit's caller; a school over its requests per minute is refused (429 with Retry-After)."""
    limiter = ports_of(runtime_of(request)).rate_limiter
    if caller.role == "school" and limiter is not None:
        wait = limiter.retry_after(caller.subject, time.monotonic())
        if wait is not None:
            raise HTTPException(429, "Too many requests", headers={"Retry-After": str(wait)})
    return caller


RateLimitedCaller = Annotated[Principal, Depends(rate_limited)]


async def _school(caller: RateLimitedCaller) -> Principal:
    return require_role(caller, "school")


async def _school_or_organiser(caller: RateLimitedCaller) -> Principal:
    return require_role(caller, "school", "organiser")


async def _organiser(caller: RateLimitedCaller) -> Principal:
    return require_role(caller, "organiser")


SchoolCaller = Annotated[Principal, Depends(_school)]
OrganiserCaller = Annotated[Principal, Depends(_organiser)]
SchoolOrOrganiserCaller = Annotated[Principal, Depends(_school_or_organiser)]
