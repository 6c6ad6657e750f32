"""The portal's settings (env prefix PORTAL_)."""

from functools import cache

from outreach_shared.settings import ServiceSettings, service_config


class PortalSettings(ServiceSettings):
    """Settings of the portal."""

    model_config = service_config("PORTAL_")

    http_port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    """Where people reach the portal: the base of every link it sends."""


@cache
def get_settings() -> PortalSettings:
    """The settings, read once from the environment."""
    return PortalSettings()
