"""The notify service: definition and wiring of the real adapters."""

from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from notify.adapters.email import SmtpEmailSender
from notify.adapters.sms import FileSmsSender, HttpSmsSender, SmsSender
from notify.adapters.templates import Renderer
from notify.domain.reminders import DIGEST
from notify.entrypoints.dead_letters import subscribe_dead_letters
from notify.entrypoints.events import subscriptions
from notify.entrypoints.http import router
from notify.service_layer import digest, inbox, reminders
from notify.service_layer.events import Clock, EventHandlers
from notify.service_layer.worker import DeliveryWorker
from notify.settings import NotifySettings, get_settings
from outreach_shared.runtime import Runtime, ServiceDefinition, Wiring
from outreach_shared.timers import Timer


def _utcnow() -> datetime:
    return datetime.now(UTC)


def sms_sender(s: NotifySettings) -> SmsSender:
    """The configured SMS provider: the HTTP adapter, or the file sink of the local stack."""
    if s.sms_provider == "http":
        return HttpSmsSender(url=s.sms_url, token=s.sms_token.get_secret_value(), sender=s.sms_sender)
    return FileSmsSender(s.sms_file)


def wire(runtime: Runtime) -> Wiring:
    """Subscriptions, reminder and digest timers, the delivery worker and the dead-letter subscriber."""
    s = runtime.settings
    assert isinstance(s, NotifySettings)
    clock: Clock = runtime.extras.get("clock", _utcnow)
    renderer = Renderer(app_url=s.app_base_url)
    renderer.validate()  # a missing template stops the service here, not at the first notice
    email = SmtpEmailSender(
        host=s.smtp_host,
        port=s.smtp_port,
        username=s.smtp_username,
        password=s.smtp_password.get_secret_value(),
        start_tls=s.smtp_start_tls,
        timeout=s.smtp_timeout_seconds,
        pool_size=s.smtp_pool_size,
    )
    sms = sms_sender(s)
    worker = DeliveryWorker(runtime.pool, s, renderer, email, sms, clock)
    runtime.extras["worker"] = worker
    group = s.consumer_group or "outreach-notify"
    subscribe_dead_letters(runtime.broker, runtime.pool, group_id=f"{group}-dead-letters")

    async def fire_digest(conn: asyncpg.Connection, timer: Timer) -> None:
        await digest.send_digest(conn, timer, s.organisers, s.digest_at)

    async def keep_digest_scheduled() -> None:
        await digest.ensure_scheduled(runtime.pool, clock(), s.digest_at)

    timer_handlers = dict.fromkeys(reminders.TIMER_KINDS, reminders.fire) | {DIGEST: fire_digest}
    on_stop = [email.close] + ([sms.close] if isinstance(sms, HttpSmsSender) else [])
    background = [keep_digest_scheduled] + ([worker.run] if s.delivery_worker_enabled else [])
    return Wiring(
        subscriptions=subscriptions(EventHandlers(s, clock, renderer)),
        timers=timer_handlers,
        background=background,
        on_stop=on_stop,
        set_aside=[inbox.set_aside_deliveries],
    )


SERVICE = ServiceDefinition(
    name="notify",
    title="Outreach notify",
    description="Notices to members, school contacts and organisers: e-mail, SMS and the in-app inbox.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    routers=[router],
    wire=wire,
)
