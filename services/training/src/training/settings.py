"""The training service's settings (env prefix TRAINING_)."""

from datetime import timedelta
from functools import cache

from outreach_shared.settings import ServiceSettings, TimeBoundsSettings, service_config


class TrainingSettings(TimeBoundsSettings, ServiceSettings):
    """Settings of the training service (the bounds of gathering dates: `TimeBoundsSettings`)."""

    model_config = service_config("TRAINING_")

    http_port: int = 8003
    place_offer_ttl_hours: float = 48.0

    def offer_ttl(self) -> timedelta:
        """How long a freed place stays offered to the next on the waiting list."""
        return timedelta(hours=self.place_offer_ttl_hours)


@cache
def get_settings() -> TrainingSettings:
    """The settings, read once from the environment."""
    return TrainingSettings()
