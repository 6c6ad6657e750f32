"""The notify service's settings (env prefix NOTIFY_)."""

from datetime import time, timedelta
from functools import cache
from typing import Literal

from pydantic import SecretStr, ValidationInfo, field_validator

from notify.domain.preferences import QuietHours
from notify.domain.retry import RetryPolicy
from notify.service_layer.preparing import Preparation
from notify.service_layer.unit_of_work import Config
from notify.service_layer.worker import WorkerConfig
from outreach_shared.contracts.common import Language
from outreach_shared.settings import ServiceSettings, service_config


class NotifySettings(ServiceSettings):
    """Channels, retry policy, reminder offsets and the organisers' digest."""

    model_config = service_config("NOTIFY_")

    http_port: int = 8004
    db_pool_max: int = 20  # consumers, relay, timers, HTTP, plus the delivery loops and their listener
    app_base_url: str = "http://localhost:8000"
    """The web app every mail links to (NOTIFY_APP_BASE_URL); the local default is where the portal listens."""
    feed_base_url: str = ""
    """Where calendar apps reach this API (NOTIFY_FEED_BASE_URL, e.g. https://api.example.no): the base of feed
    addresses. Empty: the address the request came to."""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_start_tls: bool = False
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "Jobbvinner <varsel@jobbvinner.no>"
    message_id_domain: str = "notify.jobbvinner.no"
    sms_provider: Literal["file", "http"] = "file"
    sms_file: str = "var/notify-sms.jsonl"
    sms_url: str = ""
    sms_token: SecretStr = SecretStr("")
    sms_sender: str = "Jobbvinner"
    organiser_emails: str = ""
    organiser_language: Language = "nb"
    default_quiet_start: time = time(21, 0)
    default_quiet_end: time = time(8, 0)
    delivery_worker_enabled: bool = True
    delivery_poll_seconds: float = 1.0  # fall-back only: planned deliveries wake the worker by NOTIFY
    delivery_gather_seconds: float = 0.05  # a woken send loop waits this long: e-mails planned together, one claim
    delivery_batch_size: int = 100  # e-mail and SMS deliveries claimed per transaction
    delivery_inbox_batch_size: int = 500  # inbox deliveries written per transaction (by a loop of their own)
    delivery_concurrency: int = 16  # e-mails and SMS in flight at once (per instance)
    delivery_loops: int = 2  # claim loops per instance: one claims while another sends
    smtp_pool_size: int = 8  # reused SMTP connections
    delivery_lease_seconds: float = 120.0  # keep above 2x smtp_timeout_seconds: nothing starts after half of it
    delivery_reclaim_grace_seconds: float = 5.0  # expired leases are taken over only this long after a DB failure
    delivery_max_attempts: int = 6
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    contact_wait_seconds: float = 300.0
    member_visit_reminders: list[timedelta] = [timedelta(days=7), timedelta(days=1)]
    school_visit_reminders: list[timedelta] = [timedelta(days=2)]
    gathering_reminders: list[timedelta] = [timedelta(days=7), timedelta(days=1)]
    thank_you_after: timedelta = timedelta(hours=2)
    digest_at: time = time(7, 0)

    @field_validator("app_base_url", "feed_base_url")
    @classmethod
    def _absolute_url(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip().rstrip("/")
        if info.field_name == "feed_base_url" and not value:
            return value
        if not value.startswith(("http://", "https://")) or any(c.isspace() for c in value):
            raise ValueError("must be an absolute http(s) URL, e.g. https://app.example.org")
        return value

    @property
    def organisers(self) -> list[str]:
        """The organisers' e-mail addresses."""
        return [a.strip() for a in self.organiser_emails.split(",") if a.strip()]

    def config(self) -> Config:
        """Organisers, reminder offsets and the digest's time, as the handlers read them."""
        return Config(organisers=self.organisers, member_visit_reminders=self.member_visit_reminders,
                      school_visit_reminders=self.school_visit_reminders,
                      gathering_reminders=self.gathering_reminders, thank_you_after=self.thank_you_after,
                      digest_at=self.digest_at)  # fmt: skip

    def worker_config(self) -> WorkerConfig:
        """How the delivery worker claims, sends and retries."""
        preparation = Preparation(
            organiser_language=self.organiser_language,
            default_quiet=QuietHours(start=self.default_quiet_start, end=self.default_quiet_end),
            contact_wait=timedelta(seconds=self.contact_wait_seconds),
            lease_seconds=self.delivery_lease_seconds,
        )
        return WorkerConfig(
            poll_seconds=self.delivery_poll_seconds, gather_seconds=self.delivery_gather_seconds,
            batch_size=self.delivery_batch_size, inbox_batch_size=self.delivery_inbox_batch_size,
            concurrency=self.delivery_concurrency, loops=self.delivery_loops,
            lease_seconds=self.delivery_lease_seconds, reclaim_grace_seconds=self.delivery_reclaim_grace_seconds,
            retry=RetryPolicy(self.delivery_max_attempts, self.retry_base_seconds, self.retry_max_seconds),
            message_id_domain=self.message_id_domain, preparation=preparation,
        )  # fmt: skip


@cache
def get_settings() -> NotifySettings:
    """The settings, read once from the environment."""
    return NotifySettings()
