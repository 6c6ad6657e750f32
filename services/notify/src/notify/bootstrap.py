"""The notify service: definition, and its ports wired to adapters."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import cast

import asyncpg

from notify.adapters.email import SmtpEmailSender
from notify.adapters.sms import FileSmsSender, HttpSmsSender
from notify.adapters.templates import Renderer as TemplateRenderer
from notify.adapters.wakeups import PostgresWakeups
from notify.entrypoints.dead_letters import subscribe_dead_letters
from notify.entrypoints.feeds import router as feeds_router
from notify.entrypoints.http import router
from notify.entrypoints.operations_http import router as operations_router
from notify.service_layer import digest, inbox
from notify.service_layer.handlers import CONTACT_EVENTS, REGISTRY, SIGN_IN_EVENTS
from notify.service_layer.ports import EmailSender, Renderer, SmsSender, Units
from notify.service_layer.unit_of_work import NotifyUnit
from notify.service_layer.worker import DeliveryWorker
from notify.settings import NotifySettings, get_settings
from outreach_shared.db import stateless_connection
from outreach_shared.operations import SetAsideItem
from outreach_shared.runtime import Consumer, Runtime, ServiceDefinition, Wiring
from outreach_shared.skeleton import Clock, Scope


@dataclass(frozen=True)
class NotifyPorts:
    """What leaves the process, wired to its adapters (`runtime.ports`)."""

    renderer: Renderer
    email: EmailSender
    sms: SmsSender
    worker: DeliveryWorker


def sms_sender(s: NotifySettings, clock: Clock) -> FileSmsSender | HttpSmsSender:
    """The configured SMS provider: the HTTP adapter, or the file sink of the local stack."""
    if s.sms_provider == "http":
        return HttpSmsSender(url=s.sms_url, token=s.sms_token.get_secret_value(), sender=s.sms_sender)
    return FileSmsSender(s.sms_file, clock)


def email_sender(s: NotifySettings, clock: Clock) -> SmtpEmailSender:
    """The SMTP server of the settings, over a small pool of reused connections (mails dated by `clock`)."""
    return SmtpEmailSender(host=s.smtp_host, port=s.smtp_port, mail_from=s.mail_from, username=s.smtp_username,
                           password=s.smtp_password.get_secret_value(), start_tls=s.smtp_start_tls,
                           timeout=s.smtp_timeout_seconds, pool_size=s.smtp_pool_size, clock=clock)  # fmt: skip


def worker_units(runtime: Runtime, unit: partial[NotifyUnit]) -> Units:
    """The delivery worker's transactions: a pooled connection that leaves no session state behind (one round trip
    less per claim and record than the pool's reset), with the unit's events written before it commits."""

    @asynccontextmanager
    async def open_unit() -> AsyncIterator[NotifyUnit]:
        async with stateless_connection(runtime.pool) as conn, conn.transaction():
            scope = Scope(now=runtime.clock.now(), producer=runtime.name, correlation_id="notify:deliveries")
            yield unit(conn, scope)
            await scope.finish(conn)

    return open_unit


def delivery_worker(
    runtime: Runtime, settings: NotifySettings, renderer: Renderer, email: EmailSender, sms: SmsSender
) -> DeliveryWorker:
    """The delivery worker on the runtime's pool and clock, woken by the database's NOTIFY."""
    unit = partial(NotifyUnit, config=settings.config(), renderer=renderer)
    wakeups = PostgresWakeups(runtime.pool, retry_seconds=settings.delivery_poll_seconds)
    return DeliveryWorker(worker_units(runtime, unit), settings.worker_config(), renderer, email, sms, runtime.clock,
                          wakeups)  # fmt: skip


def bootstrap(runtime: Runtime) -> Wiring:
    """Two consumers (contacts first-class), reminder and digest timers, the delivery worker and the dead letters."""
    settings = cast(NotifySettings, runtime.settings)
    renderer = TemplateRenderer(app_url=settings.app_base_url)
    renderer.validate()  # a missing template stops the service here, not at the first notice
    email, sms = email_sender(settings, runtime.clock), sms_sender(settings, runtime.clock)
    worker = delivery_worker(runtime, settings, renderer, email, sms)
    unit = partial(NotifyUnit, config=settings.config(), renderer=renderer)
    group = settings.consumer_group or "outreach-notify"
    subscribe_dead_letters(runtime.broker, runtime.pool, group_id=f"{group}-dead-letters")

    async def keep_digest_scheduled() -> None:
        async with runtime.unit_of_work("notify:digest") as uow:
            await digest.ensure_scheduled(cast(NotifyUnit, uow))

    async def set_aside_deliveries(conn: asyncpg.Connection, limit: int) -> list[SetAsideItem]:
        scope = Scope(now=runtime.clock.now(), producer=runtime.name, correlation_id="operations")
        return await inbox.set_aside_deliveries(unit(conn, scope), limit)

    return Wiring(
        unit=unit,
        registry=REGISTRY,
        consumers=[Consumer("notify-contacts", takes=CONTACT_EVENTS), Consumer("notify-sign-in", takes=SIGN_IN_EVENTS),
                   Consumer("notify")],  # fmt: skip
        ports=NotifyPorts(renderer=renderer, email=email, sms=sms, worker=worker),
        background=[keep_digest_scheduled] + ([worker.run] if settings.delivery_worker_enabled else []),
        on_stop=[email.close, *([sms.close] if isinstance(sms, HttpSmsSender) else [])],
        set_aside=[set_aside_deliveries],
    )


SERVICE = ServiceDefinition(
    name="notify",
    title="Outreach notify",
    description="Notices to members, school contacts and organisers: e-mail, SMS and the in-app inbox.",
    settings_factory=get_settings,
    migrations_dir=Path(__file__).resolve().parent / "migrations",
    routers=[router, feeds_router, operations_router],
    bootstrap=bootstrap,
)
