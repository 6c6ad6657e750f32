"""Settings: one pydantic-settings class per service, each with its own env prefix."""

from datetime import time, timedelta
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from outreach_shared.bounds.times import Hours, TimeRules
from outreach_shared.contracts.topics import ALL_TOPICS
from outreach_shared.signing import Jwk, KeySet, parse_jwks

PORTAL_JWKS_URL = "http://127.0.0.1:8000/.well-known/jwks.json"
"""Where the portal publishes the public keys its tokens are signed with (its development address)."""
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "development"})
"""Values a secret setting must not have outside development."""
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
    jwt_public_keys: str = Field(
        default="",
        description="A JWKS (JSON) of PUBLIC keys trusted to sign tokens, besides those at jwt_jwks_url; a key with "
        "its private part is refused.",
    )
    jwt_jwks_url: str = Field(
        default=PORTAL_JWKS_URL, description="Where the portal publishes its signing keys (JWKS); empty: nowhere."
    )
    jwt_audience: str = Field(default="", description="The audience tokens must name; empty: the service's name.")
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
    startup_wait_seconds: float = Field(
        default=120, ge=0, description="How long a starting service waits for PostgreSQL and Kafka to answer."
    )
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

    @field_validator("jwt_public_keys")
    @classmethod
    def _public_keys_only(cls, value: str) -> str:
        if value.strip():
            KeySet(parse_jwks(value))  # ValueError (naming the field) for a bad document, key or a private part
        return value

    @field_validator("jwt_jwks_url")
    @classmethod
    def _jwks_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL (the portal's /.well-known/jwks.json) or empty")
        return value

    @model_validator(mode="after")
    def _trust_some_key(self) -> "ServiceSettings":
        if self.environment == "production" and not self.jwt_public_keys.strip() and not self.jwt_jwks_url:
            raise ValueError("set jwt_jwks_url or jwt_public_keys: without them no token can be verified")
        return self

    def trusted_keys(self) -> list[Jwk]:
        """The fixed public keys of `jwt_public_keys`."""
        return parse_jwks(self.jwt_public_keys) if self.jwt_public_keys.strip() else []


def service_config(prefix: str) -> SettingsConfigDict:
    """The model_config of a service's settings class: env vars start with `prefix`."""
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", env_file=None)


IsoWeekday = Literal[1, 2, 3, 4, 5, 6, 7]


class TimeBoundsSettings(BaseSettings):
    """The bounds of the times a service is given (`outreach_shared.bounds.times`): mix it into a service's settings
    class before ServiceSettings, e.g. `class BookingSettings(TimeBoundsSettings, ServiceSettings)`; the env vars
    carry the service's prefix (BOOKING_WINDOW_HORIZON_DAYS, BOOKING_SCHOOL_HOURS_START=08:00, ...)."""

    window_horizon_days: int = Field(default=548, ge=1, le=3650, description="How far ahead times may be (18 months).")
    window_min_minutes: int = Field(default=30, ge=1, description="The shortest visit window.")
    window_max_hours: float = Field(default=12, gt=0, le=24, description="The longest visit window.")
    school_days: list[IsoWeekday] = Field(default=[1, 2, 3, 4, 5], min_length=1, description="ISO weekdays.")
    school_hours_start: time = Field(default=time(8), description="School visits, career days, digital visits.")
    school_hours_end: time = time(16)
    open_hours_start: time = Field(default=time(8), description="Education fairs (any day) and gatherings.")
    open_hours_end: time = time(22)
    gathering_max_days: int = Field(default=7, ge=1, le=60, description="The longest gathering.")

    @model_validator(mode="after")
    def _hours_in_order(self) -> "TimeBoundsSettings":
        if self.school_hours_start >= self.school_hours_end or self.open_hours_start >= self.open_hours_end:
            raise ValueError("hours must end after they start (school_hours_*, open_hours_*)")
        return self

    def time_rules(self) -> TimeRules:
        """The rules these settings give."""
        shortest, longest = timedelta(minutes=self.window_min_minutes), timedelta(hours=self.window_max_hours)
        every_day = frozenset(range(1, 8))
        school = Hours(frozenset(self.school_days), self.school_hours_start, self.school_hours_end, shortest, longest)
        fairs = Hours(every_day, self.open_hours_start, self.open_hours_end, shortest, longest)
        gatherings = Hours(every_day, self.open_hours_start, self.open_hours_end, timedelta(hours=1),
                           timedelta(days=self.gathering_max_days), one_day=False)
        return TimeRules(timedelta(days=self.window_horizon_days), school, fairs, gatherings)
