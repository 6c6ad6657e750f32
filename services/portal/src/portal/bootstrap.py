"""The portal service: its definition, and its wiring from the settings."""

from pathlib import Path

from outreach_shared.runtime import Runtime, ServiceDefinition, Wiring
from portal.entrypoints.http import router
from portal.entrypoints.jwks_http import router as jwks_router
from portal.service_layer.handlers import REGISTRY
from portal.service_layer.unit_of_work import PortalUnit
from portal.settings import get_settings


def bootstrap(runtime: Runtime) -> Wiring:
    """The unit of work and the registry."""
    return Wiring(unit=PortalUnit, registry=REGISTRY)


SERVICE = ServiceDefinition(
    name="portal",
    title="Outreach portal",
    description="Sign-in for members, school contacts and organisers; sessions; the tokens the other services "
    "verify (JWKS); school systems' API clients; the audit log.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[jwks_router, router],
    bootstrap=bootstrap,
)
