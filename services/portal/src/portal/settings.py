"""The portal's settings (env prefix PORTAL_)."""

from functools import cache

from outreach_shared.settings import ServiceSettings, service_config


class PortalSettings(ServiceSettings):
    """Settings of the portal."""

    model_config = service_config("PORTAL_")

    http_port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    """Where people reach the portal: the base of every link it sends."""
    booking_url: str = "http://127.0.0.1:8001"
    """Booking's public HTTP API, which the pupils' survey pages call (PORTAL_BOOKING_URL)."""
    contact_email: str = "post@jobbvinner.no"
    """Where people write about accessibility and privacy (shown on those pages)."""


@cache
def get_settings() -> PortalSettings:
    """The settings, read once from the environment."""
    return PortalSettings()
