"""FastAPI dependencies: runtime, caller, clock, offer TTL and the event emitter of a request."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request

from outreach_shared.bounds.times import TimeRules
from outreach_shared.runtime import Runtime, get_runtime
from outreach_shared.skeleton import MemberCaller, OrganiserCaller
from training.service_layer.outbox import Emitter
from training.settings import TrainingSettings

Clock = Callable[[], datetime]


def clock_of(runtime: Runtime) -> Clock:
    """The runtime's one clock (tests give the runtime one they move)."""
    return runtime.clock.now


def offer_ttl_of(runtime: Runtime) -> timedelta:
    """How long a freed place stays offered."""
    settings = runtime.settings
    hours = settings.place_offer_ttl_hours if isinstance(settings, TrainingSettings) else 48.0
    return timedelta(hours=hours)


def time_rules_of(runtime: Runtime) -> TimeRules:
    """The bounds of gathering dates, from the settings (built once per runtime)."""
    settings = runtime.settings
    return settings.time_rules() if isinstance(settings, TrainingSettings) else TimeRules()


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def now(runtime: RuntimeDep) -> datetime:
    """The current time from the runtime's clock."""
    return clock_of(runtime)()


def time_rules(runtime: RuntimeDep) -> TimeRules:
    """The bounds of gathering dates."""
    return time_rules_of(runtime)


def offer_ttl(runtime: RuntimeDep) -> timedelta:
    """The place-offer TTL from the settings."""
    return offer_ttl_of(runtime)


def emitter(runtime: RuntimeDep, request: Request) -> Emitter:
    """An emitter for events caused by this request."""
    return Emitter(runtime.name, request.state.correlation_id)


async def member_id(caller: MemberCaller) -> str:
    """The calling member's id (the kit's caller has checked it is one)."""
    return str(caller.member_id)


NowDep = Annotated[datetime, Depends(now)]
OfferTtlDep = Annotated[timedelta, Depends(offer_ttl)]
TimeRulesDep = Annotated[TimeRules, Depends(time_rules)]
EmitterDep = Annotated[Emitter, Depends(emitter)]
OrganiserDep = OrganiserCaller
MemberIdDep = Annotated[str, Depends(member_id)]
