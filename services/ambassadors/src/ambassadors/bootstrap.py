"""The ambassadors service as the platform runs it: settings, migrations, routes, consumers and timers."""

from pathlib import Path

from ambassadors.entrypoints.events import event_handlers, timer_handlers
from ambassadors.entrypoints.http import offers_router, roster_router
from ambassadors.settings import AmbassadorsSettings, get_settings
from outreach_shared.contracts import Topics
from outreach_shared.runtime import Runtime, ServiceDefinition, Subscription, Wiring


def wire(runtime: Runtime) -> Wiring:
    """Consume visits and gatherings; fire offer-expiry and team-search timers."""
    settings = runtime.settings
    assert isinstance(settings, AmbassadorsSettings)
    config = settings.matching_config()
    return Wiring(
        subscriptions=[
            Subscription(
                name="ambassadors",
                topics=[Topics.VISITS, Topics.GATHERINGS],
                handlers=event_handlers(config),
                # Staffing visits locks the members offered: visits staffed side by side in several transactions
                # would wait on each other's members and deadlock (a second each), so one transaction per batch.
                parallel=1,
            )
        ],
        timers=timer_handlers(runtime, config),
    )


SERVICE = ServiceDefinition(
    name="ambassadors",
    title="Outreach ambassadors",
    description="Rosters of ambassadors and patrol members, team matching for school visits, offers and answers.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[roster_router, offers_router],
    wire=wire,
)
