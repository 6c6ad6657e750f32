"""The CLI's settings (env prefix OUTREACH_)."""

from functools import cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from outreach_shared.settings import DEV_JWT_SECRET


class CliSettings(BaseSettings):
    """Where the services are and the key that signs tokens."""

    model_config = SettingsConfigDict(env_prefix="OUTREACH_", extra="ignore")

    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    booking_url: str = "http://127.0.0.1:8001"
    ambassadors_url: str = "http://127.0.0.1:8002"
    training_url: str = "http://127.0.0.1:8003"
    notify_url: str = "http://127.0.0.1:8004"
    portal_url: str = "http://127.0.0.1:8000"
    token: SecretStr | None = None


@cache
def get_settings() -> CliSettings:
    """Settings from the environment, read once."""
    return CliSettings()
