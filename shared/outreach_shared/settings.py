"""Settings: one pydantic-settings class per service, each with its own env prefix."""

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from outreach_shared.contracts.topics import ALL_TOPICS

DEV_JWT_SECRET = "dev-only-secret-change-me-outside-development"
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "development", DEV_JWT_SECRET})
BROKER_RETENTION_DAYS = 7
"""How long a topic without a retention of its own keeps records (Kafka's default, which the stack keeps)."""
INBOX_MIN_KEEP_HOURS = 24 * (max([BROKER_RETENTION_DAYS, *(t.retention_days or 0 for t in ALL_TOPICS)]) + 1)
"""The inbox outlives every record that can come again: a topic's, and a dead letter's, which a replay republishes."""


class ServiceSettings(BaseSettings):
    """What every service needs. Subclass it with `model_config = service_config("BOOKING_")`."""

    model_config = SettingsConfigDict(extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: SecretStr = SecretStr("postgresql://postgres@127.0.0.1:5432/postgres")
    database_schema: str = ""
    db_pool_min: int = 2
    db_pool_max: int = 10
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    consumer_group: str = ""
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    token_ttl_minutes: int = 60 * 24 * 30
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    max_request_bytes: int = Field(default=1024 * 1024, gt=0, description="Larger request bodies get 413.")
    log_level: str = "INFO"
    log_json: bool | None = Field(default=None, description="JSON logs; default: when not on a terminal.")
    handler_max_attempts: int = 5
    handler_backoff_seconds: float = 0.2
    outbox_poll_seconds: float = 1.0
    outbox_linger_seconds: float = Field(
        default=0.003, ge=0, description="How long the relay lets commits gather before fetching a batch."
    )
    timer_poll_seconds: float = 1.0
    housekeeping_every_seconds: float = Field(default=3600, gt=0, description="How often kept-for-a-while rows go.")
    outbox_keep_hours: int = Field(default=24 * 7, ge=1, description="How long relayed outbox rows are kept.")
    inbox_keep_hours: int = Field(
        default=24 * 30,
        ge=INBOX_MIN_KEEP_HOURS,
        description="How long the inbox remembers a handled event: longer than any record can come again.",
    )
    timers_keep_hours: int = Field(
        default=24 * 90, ge=1, description="How long a fired or cancelled timer is kept after it was due."
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> "ServiceSettings":
        if self.environment != "production":
            return self
        if self.jwt_secret.get_secret_value().lower() in PLACEHOLDER_SECRETS:
            raise ValueError("jwt_secret is a placeholder: set a real secret outside development")
        if len(self.jwt_secret.get_secret_value()) < 32:
            raise ValueError("jwt_secret must be at least 32 characters in production")
        return self


def service_config(prefix: str) -> SettingsConfigDict:
    """The model_config of a service's settings class: env vars start with `prefix`."""
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", env_file=None)
