"""The booking service's definition and its wiring: the unit of work, the handlers and the parts the routes use."""

from functools import partial
from pathlib import Path

from booking.adapters.idempotency import PooledIdempotencyKeys, expired_keys
from booking.adapters.rate_limiter import RateLimiter
from booking.adapters.visit_writer import NewVisitWriter
from booking.domain.feedback import FeedbackPolicy
from booking.entrypoints.dependencies import settings_of
from booking.entrypoints.exports import router as exports_router
from booking.entrypoints.feedback_http import router as feedback_router
from booking.entrypoints.http import fast_create_router, router
from booking.entrypoints.surveys import router as surveys_router
from booking.service_layer.contact_retention import ExpiredContacts
from booking.service_layer.handlers import REGISTRY
from booking.service_layer.ports import BookingPorts
from booking.service_layer.unit_of_work import BookingUnit
from booking.settings import get_settings
from outreach_shared.housekeeping import Chore
from outreach_shared.runtime import Runtime, ServiceDefinition, Wiring

NAME = "booking"


def bootstrap(runtime: Runtime) -> Wiring:
    """The writer of new visits, the keys, the rate limit, the window policy and the feedback links' key and times,
    from the settings; team events, member erasures and feedback reminders handled by the registry; idempotency keys
    and ended visits' contacts purged."""
    settings = settings_of(runtime)
    policy = settings.window_policy()
    writer = NewVisitWriter(runtime.pool, max_open=settings.max_open_requests_per_school,
                            max_batch=settings.new_visit_batch, max_writes=settings.new_visit_writes)  # fmt: skip
    limit, pupils = settings.rate_limit_per_minute, settings.survey_rate_limit_per_minute
    ports = BookingPorts(new_visits=writer, keys=PooledIdempotencyKeys(runtime.pool), window_policy=policy,
                         rate_limiter=RateLimiter(limit) if limit > 0 else None,
                         survey_limiter=RateLimiter(pupils) if pupils > 0 else None)  # fmt: skip
    feedback = FeedbackPolicy(settings.feedback_key(), settings.feedback_valid_for, settings.feedback_reminder_after)
    unit = partial(BookingUnit, policy=policy, feedback=feedback)
    purges: list[Chore] = [expired_keys(settings.idempotency_keep_hours),
              ExpiredContacts(settings.contact_keep_days, unit, runtime.clock)]  # fmt: skip
    return Wiring(unit=unit, registry=REGISTRY, ports=ports, on_stop=[writer.drain], purges=purges)


SERVICE = ServiceDefinition(
    name=NAME,
    title="Outreach booking",
    description="Schools ask for visits by Jobbvinner's ambassadors and patrols, and follow them.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[fast_create_router, router, feedback_router, surveys_router, exports_router],
    bootstrap=bootstrap,
)
