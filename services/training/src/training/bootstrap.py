"""The training service: its definition, and its wiring from the settings."""

from functools import partial
from pathlib import Path

from outreach_shared.runtime import Runtime, ServiceDefinition, Wiring
from training.entrypoints.deps import offer_ttl_of
from training.entrypoints.http import member_router, organiser_router
from training.service_layer.handlers import REGISTRY
from training.service_layer.unit_of_work import TrainingUnit
from training.settings import get_settings


def bootstrap(runtime: Runtime) -> Wiring:
    """The unit of work with the place-offer deadline from the settings, and the registry of handlers."""
    return Wiring(unit=partial(TrainingUnit, offer_ttl=offer_ttl_of(runtime)), registry=REGISTRY)


SERVICE = ServiceDefinition(
    name="training",
    title="Outreach training",
    description="Annual gatherings for patrols and ambassadors: scheduling, invitations, registrations, "
    "waiting list, check-in and completion.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[organiser_router, member_router],
    bootstrap=bootstrap,
)
