"""The booking service's settings (env prefix BOOKING_)."""

import hmac
from datetime import timedelta
from functools import cache

from pydantic import Field, SecretStr, field_validator, model_validator

from booking.domain import feedback
from booking.domain.times import WindowPolicy
from outreach_shared.settings import ServiceSettings, TimeBoundsSettings, service_config


class BookingSettings(TimeBoundsSettings, ServiceSettings):
    """Settings of the booking service (the bounds of visit windows: `TimeBoundsSettings`)."""

    model_config = service_config("BOOKING_")

    http_port: int = 8001
    min_notice_days: int = 7
    rate_limit_per_minute: int = 120
    """Requests per minute per school token; 0 turns the limit off."""
    max_open_requests_per_school: int = 20
    """Open (requested or offered) visit requests one school may have; 0 turns the limit off."""
    idempotency_keep_hours: int = 24 * 7
    """How long an Idempotency-Key is remembered: a retry within it gets the first response; later, the key is new."""
    contact_keep_days: int = Field(default=365, ge=1)
    """How long a school contact is kept once the visit has ended: counted from both the visit's date and its last
    change. Then it is erased here and in notify, as an organiser's erasure would."""
    new_visit_writes: int = 2
    """New-visit statements running at once; visits arriving meanwhile wait and go together in the next one."""
    new_visit_batch: int = 32
    """The most new visits one statement writes."""
    app_base_url: str = "http://localhost:8000"
    """The web app pupils' survey links point to (BOOKING_APP_BASE_URL): {app_base_url}/s/{code}."""
    survey_rate_limit_per_minute: int = Field(default=300, ge=0)
    """Pupils' survey requests per minute from one address (a class shares one); 0 turns the limit off."""

    @field_validator("app_base_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
            raise ValueError("must be an absolute http(s) URL, e.g. https://app.example.org")
        return value

    feedback_secret: SecretStr | None = None
    """The key feedback links are signed with (BOOKING_FEEDBACK_SECRET, at least 32 characters; required in
    production, a fixed development key otherwise). Changing it voids every link already mailed."""
    feedback_valid_for: timedelta = Field(default=feedback.VALID_FOR, gt=timedelta(0))
    """How long a feedback link works, from the visit's completion (30 days)."""
    feedback_reminder_after: timedelta = Field(default=feedback.REMIND_AFTER, gt=timedelta(0))
    """When a school that has not answered is reminded, from the visit's completion (7 days)."""

    @model_validator(mode="after")
    def _feedback_secret_in_production(self) -> "BookingSettings":
        secret = self.feedback_secret.get_secret_value() if self.feedback_secret is not None else ""
        if self.environment == "production" and len(secret) < 32:
            raise ValueError("feedback_secret (BOOKING_FEEDBACK_SECRET) needs 32 characters or more in production")
        return self

    def feedback_key(self) -> bytes:
        """The HMAC key of feedback links."""
        if self.feedback_secret is not None and self.feedback_secret.get_secret_value():
            return self.feedback_secret.get_secret_value().encode()
        return hmac.new(b"development only", b"booking feedback links", "sha256").digest()

    def window_policy(self) -> WindowPolicy:
        """How soon a window may start and the bounds it keeps."""
        return WindowPolicy(min_notice=timedelta(days=self.min_notice_days), rules=self.time_rules())


@cache
def get_settings() -> BookingSettings:
    """The settings, read once from the environment."""
    return BookingSettings()
