"""The ambassadors service as the platform runs it: settings, migrations, routes, its unit of work and handlers."""

from functools import partial
from pathlib import Path
from typing import cast

from ambassadors.entrypoints.exports import router as exports_router
from ambassadors.entrypoints.http import me_router, offers_router, roster_router
from ambassadors.entrypoints.staffing_http import visits_router
from ambassadors.service_layer.handlers import REGISTRY
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from ambassadors.settings import AmbassadorsSettings, get_settings
from outreach_shared.runtime import Consumer, Runtime, ServiceDefinition, Wiring


def bootstrap(runtime: Runtime) -> Wiring:
    """Consume visits and gatherings; fire offer-expiry and team-search timers; match with the settings' rules."""
    settings = cast(AmbassadorsSettings, runtime.settings)
    return Wiring(
        unit=partial(AmbassadorsUnit, config=settings.matching_config()),
        registry=REGISTRY,
        # Staffing visits locks the members offered: visits staffed side by side in several transactions
        # would wait on each other's members and deadlock (a second each), so one transaction per batch.
        consumers=[Consumer("ambassadors", parallel=1)],
    )


SERVICE = ServiceDefinition(
    name="ambassadors",
    title="Outreach ambassadors",
    description="Rosters of ambassadors and patrol members, team matching for school visits, offers and answers.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[roster_router, offers_router, me_router, visits_router, exports_router],
    bootstrap=bootstrap,
)
