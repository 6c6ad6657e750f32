"""The training service: its definition, and its wiring from the settings."""

from functools import partial
from pathlib import Path
from typing import cast

from outreach_shared.runtime import Runtime, ServiceDefinition, Wiring
from training.entrypoints.attention_http import attention_router
from training.entrypoints.http import member_router, organiser_router
from training.entrypoints.my_http import certificates_router, members_router, my_router
from training.service_layer.handlers import REGISTRY
from training.service_layer.unit_of_work import TrainingUnit
from training.settings import TrainingSettings, get_settings


def bootstrap(runtime: Runtime) -> Wiring:
    """The unit of work with the place-offer deadline and the date rules from the settings, and the registry."""
    settings = cast(TrainingSettings, runtime.settings)
    return Wiring(unit=partial(TrainingUnit, offer_ttl=settings.offer_ttl(), time_rules=settings.time_rules()),
                  registry=REGISTRY)  # fmt: skip


SERVICE = ServiceDefinition(
    name="training",
    title="Outreach training",
    description="Annual gatherings for patrols and ambassadors: scheduling, invitations, registrations, "
    "waiting list, check-in (by member id or check-in code), completion and proof of training.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[attention_router, organiser_router, member_router, my_router, members_router, certificates_router],
    bootstrap=bootstrap,
)
