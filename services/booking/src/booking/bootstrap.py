"""The booking service's definition and its wiring: the unit of work, the handlers and the parts the routes use."""

from functools import partial
from pathlib import Path

from booking.adapters.idempotency import PooledIdempotencyKeys, expired_keys
from booking.adapters.rate_limiter import RateLimiter
from booking.adapters.visit_writer import NewVisitWriter
from booking.entrypoints.dependencies import settings_of
from booking.entrypoints.exports import router as exports_router
from booking.entrypoints.http import router
from booking.service_layer.contact_retention import ExpiredContacts
from booking.service_layer.handlers import REGISTRY
from booking.service_layer.ports import BookingPorts
from booking.service_layer.unit_of_work import BookingUnit
from booking.settings import get_settings
from outreach_shared.housekeeping import Chore
from outreach_shared.runtime import Runtime, ServiceDefinition, Wiring

NAME = "booking"


def bootstrap(runtime: Runtime) -> Wiring:
    """The writer of new visits, the keys, the rate limit and the window policy, from the settings; team events and
    member erasures handled by the registry; idempotency keys and ended visits' contacts purged."""
    settings = settings_of(runtime)
    policy = settings.window_policy()
    writer = NewVisitWriter(runtime.pool, max_open=settings.max_open_requests_per_school,
                            max_batch=settings.new_visit_batch, max_writes=settings.new_visit_writes)  # fmt: skip
    limit = settings.rate_limit_per_minute
    ports = BookingPorts(new_visits=writer, keys=PooledIdempotencyKeys(runtime.pool), window_policy=policy,
                         rate_limiter=RateLimiter(limit) if limit > 0 else None)  # fmt: skip
    unit = partial(BookingUnit, policy=policy)
    purges: list[Chore] = [expired_keys(settings.idempotency_keep_hours),
              ExpiredContacts(settings.contact_keep_days, unit, runtime.clock)]  # fmt: skip
    return Wiring(unit=unit, registry=REGISTRY, ports=ports, on_stop=[writer.drain], purges=purges)


SERVICE = ServiceDefinition(
    name=NAME,
    title="Outreach booking",
    description="Schools ask for visits by Jobbvinner's ambassadors and patrols, and follow them.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[router, exports_router],
    bootstrap=bootstrap,
)
