"""The ambassadors service's settings (env prefix AMBASSADORS_)."""

from datetime import timedelta
from functools import cache

from pydantic import Field

from ambassadors.domain.availability import Policy
from ambassadors.service_layer.unit_of_work import Config
from outreach_shared.settings import ServiceSettings, TimeBoundsSettings, service_config


class AmbassadorsSettings(TimeBoundsSettings, ServiceSettings):
    """Settings of the ambassadors service (the bounds of members' days off: `TimeBoundsSettings`)."""

    model_config = service_config("AMBASSADORS_")

    http_port: int = 8002
    offer_ttl_hours: float = Field(default=48, gt=0, description="Time to answer an offer (capped at the visit)")
    travel_buffer_minutes: int = Field(default=60, ge=0, description="Minimum gap between a member's visits")
    search_retry_hours: float = Field(default=24, gt=0, description="When to search again for unfilled seats")
    distance_band_km: float = Field(default=10, ge=0, description="Distances this close rank as equally near")

    def matching_config(self) -> Config:
        """Offer deadlines and matching rules for the service layer."""
        return Config(
            offer_ttl=timedelta(hours=self.offer_ttl_hours),
            search_retry=timedelta(hours=self.search_retry_hours),
            policy=Policy(
                travel_buffer=timedelta(minutes=self.travel_buffer_minutes), distance_band_km=self.distance_band_km
            ),
            time_rules=self.time_rules(),
        )


@cache
def get_settings() -> AmbassadorsSettings:
    """The settings, read once from the environment."""
    return AmbassadorsSettings()
