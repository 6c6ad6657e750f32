"""The training service: its definition and wiring."""

from pathlib import Path

from outreach_shared.contracts import Topics
from outreach_shared.runtime import Runtime, ServiceDefinition, Subscription, Wiring
from training.entrypoints.deps import CLOCK, system_clock
from training.entrypoints.events import member_handlers
from training.entrypoints.http import member_router, organiser_router
from training.entrypoints.timers import timer_handlers
from training.settings import get_settings


def wire(runtime: Runtime) -> Wiring:
    """Subscribe to the roster and set the timers; the clock is replaceable in tests."""
    runtime.extras.setdefault(CLOCK, system_clock)
    return Wiring(
        subscriptions=[Subscription(name="training", topics=[Topics.MEMBERS], handlers=member_handlers(runtime))],
        timers=timer_handlers(runtime),
    )


SERVICE = ServiceDefinition(
    name="training",
    title="Outreach training",
    description="Annual gatherings for patrols and ambassadors: scheduling, invitations, registrations, "
    "waiting list, check-in and completion.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[organiser_router, member_router],
    wire=wire,
)
