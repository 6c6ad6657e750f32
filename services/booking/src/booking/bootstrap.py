"""The booking service's definition: settings, migrations, routes and event wiring."""

from pathlib import Path

from booking.adapters.idempotency import expired_keys
from booking.adapters.visit_writer import NewVisitWriter
from booking.entrypoints.dependencies import settings_of
from booking.entrypoints.events import make_handlers
from booking.entrypoints.http import router
from booking.service_layer.contact_retention import ExpiredContacts
from booking.service_layer.unit_of_work import Clock, system_clock
from booking.settings import get_settings
from outreach_shared.contracts import Topics
from outreach_shared.runtime import Runtime, ServiceDefinition, Subscription, Wiring

NAME = "booking"


def wire(runtime: Runtime) -> Wiring:
    """Subscribe to team events and member erasures; the clock and the writer of new visits live in runtime.extras
    (tests move the clock)."""
    runtime.extras.setdefault("clock", system_clock)
    settings = settings_of(runtime)
    writer = runtime.extras["new_visit_writer"] = NewVisitWriter(
        runtime.pool, max_open=settings.max_open_requests_per_school, max_batch=settings.new_visit_batch,
        max_writes=settings.new_visit_writes,
    )  # fmt: skip

    def clock() -> Clock:
        return runtime.extras["clock"]

    handlers = make_handlers(lambda: clock()())
    return Wiring(
        subscriptions=[Subscription(name=NAME, topics=[Topics.OFFERS, Topics.MEMBERS], handlers=handlers)],
        on_stop=[writer.drain],
        purges=[
            expired_keys(settings.idempotency_keep_hours),
            ExpiredContacts(settings.contact_keep_days, runtime.envelope),
        ],
    )


SERVICE = ServiceDefinition(
    name=NAME,
    title="Outreach booking",
    description="Schools ask for visits by Jobbvinner's ambassadors and patrols, and follow them.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[router],
    wire=wire,
)
