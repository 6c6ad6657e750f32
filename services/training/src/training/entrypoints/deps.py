"""FastAPI dependencies: runtime, caller, clock, offer TTL and the event emitter of a request."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request

from outreach_shared.auth import Principal
from outreach_shared.bounds.times import TimeRules
from outreach_shared.errors import Forbidden
from outreach_shared.http import principal_dependency, require_role
from outreach_shared.runtime import Runtime, get_runtime
from training.service_layer.outbox import Emitter
from training.settings import TrainingSettings, get_settings

Clock = Callable[[], datetime]
CLOCK = "clock"


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


def clock_of(runtime: Runtime) -> Clock:
    """The runtime's clock (tests may replace `runtime.extras["clock"]`)."""
    clock: Clock = runtime.extras.get(CLOCK, system_clock)
    return clock


def offer_ttl_of(runtime: Runtime) -> timedelta:
    """How long a freed place stays offered."""
    settings = runtime.settings
    hours = settings.place_offer_ttl_hours if isinstance(settings, TrainingSettings) else 48.0
    return timedelta(hours=hours)


def time_rules_of(runtime: Runtime) -> TimeRules:
    """The bounds of gathering dates, from the settings (built once per runtime)."""
    rules: TimeRules | None = runtime.extras.get("time_rules")
    if rules is None:
        settings = runtime.settings
        rules = settings.time_rules() if isinstance(settings, TrainingSettings) else TimeRules()
        runtime.extras["time_rules"] = rules
    return rules


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
_caller = principal_dependency(lambda: get_settings().jwt_secret.get_secret_value())


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


async def organiser(principal: Annotated[Principal, Depends(_caller)]) -> Principal:
    """The caller, who must be an organiser."""
    return require_role(principal, "organiser")


async def member_id(principal: Annotated[Principal, Depends(_caller)]) -> str:
    """The calling member's id."""
    require_role(principal, "member")
    if not principal.member_id:
        raise Forbidden("the member token has no member id")
    return principal.member_id


NowDep = Annotated[datetime, Depends(now)]
OfferTtlDep = Annotated[timedelta, Depends(offer_ttl)]
TimeRulesDep = Annotated[TimeRules, Depends(time_rules)]
EmitterDep = Annotated[Emitter, Depends(emitter)]
OrganiserDep = Annotated[Principal, Depends(organiser)]
MemberIdDep = Annotated[str, Depends(member_id)]
