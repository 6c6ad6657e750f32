"""The portal service: its definition, and its wiring from the settings."""

from dataclasses import dataclass
from pathlib import Path

from outreach_shared.runtime import Runtime, ServiceDefinition, Wiring
from portal.adapters import booking_surveys
from portal.entrypoints.http import router
from portal.entrypoints.jwks_http import router as jwks_router
from portal.entrypoints.public_pages import router as public_pages_router
from portal.entrypoints.static_assets import router as static_router
from portal.entrypoints.survey_pages import router as survey_pages_router
from portal.service_layer.handlers import REGISTRY
from portal.service_layer.unit_of_work import PortalUnit
from portal.settings import PortalSettings, get_settings


@dataclass(frozen=True)
class PortalPorts:
    """The portal's clients of the other services' public APIs."""

    surveys: booking_surveys.SurveyDesk
    """Booking's pupils' survey (PORTAL_BOOKING_URL)."""


def bootstrap(runtime: Runtime) -> Wiring:
    """The unit of work, the registry, and an HTTP client for booking (closed when the service stops)."""
    settings = runtime.settings
    assert isinstance(settings, PortalSettings)
    booking = booking_surveys.client(settings.booking_url)
    ports = PortalPorts(surveys=booking_surveys.SurveyDesk(booking))
    return Wiring(unit=PortalUnit, registry=REGISTRY, ports=ports, on_stop=[booking.aclose])


SERVICE = ServiceDefinition(
    name="portal",
    title="Outreach portal",
    description="Sign-in for members, school contacts and organisers; sessions; the tokens the other services "
    "verify (JWKS); school systems' API clients; the audit log.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).parent / "migrations",
    routers=[jwks_router, router, static_router, public_pages_router, survey_pages_router],
    bootstrap=bootstrap,
)
