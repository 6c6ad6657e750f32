"""The booking service's definition: settings, migrations, routes and event wiring."""

from pathlib import Path

from booking.entrypoints.events import make_handlers
from booking.entrypoints.http import router
from booking.service_layer.unit_of_work import Clock, system_clock
from booking.settings import get_settings
from outreach_shared.contracts import Topics
from outreach_shared.runtime import Runtime, ServiceDefinition, Subscription, Wiring

NAME = "booking"


def wire(runtime: Runtime) -> Wiring:
    """Subscribe to team events and member erasures; the clock lives in runtime.extras (tests move it)."""
    runtime.extras.setdefault("clock", system_clock)

    def clock() -> Clock:
        return runtime.extras["clock"]

    handlers = make_handlers(lambda: clock()())
    return Wiring(subscriptions=[Subscription(name=NAME, topics=[Topics.OFFERS, Topics.MEMBERS], handlers=handlers)])


SERVICE = ServiceDefinition(
    name=NAME,
    title="Outreach booking",
    description="Schools ask for visits by Jobbvinner's ambassadors and patrols, and follow them.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[router],
    wire=wire,
)
