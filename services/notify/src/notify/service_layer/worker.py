"""The delivery worker: claims due deliveries, sends them, records the outcome.

Order of one e-mail or SMS delivery, and what a crash at each point does:

1. Claim (transaction 1): lock the due row (`FOR UPDATE SKIP LOCKED`), render it, count the attempt
   (`attempts + 1`, status `sending`, a lease) and commit. A crash before this commit changes nothing.
2. Send: hand the message to the provider, outside any transaction. E-mails carry a Message-ID made from
   the delivery id, so every attempt of one delivery is recognisably the same message.
3. Record (transaction 2): `sent`, `pending` again with a backoff, or `failed` (+ fall-back, + event),
   only if this worker still holds that attempt.

A crash (or restart) between 1 and 3 leaves the row `sending`; when its lease expires another worker
claims it again as a new attempt. If the provider had not accepted the message, nothing was sent twice;
if it had, but we never recorded its acknowledgement, that one attempt is repeated - the only duplicate
possible, with the same Message-ID. In-app inbox deliveries are written in a single transaction: never twice.
"""

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from notify.adapters import deliveries as repo
from notify.adapters import read_models
from notify.adapters.deliveries import Delivery
from notify.adapters.email import Envelope, SmtpEmailSender, build_message
from notify.adapters.errors import DeliveryError
from notify.adapters.sms import SmsSender
from notify.adapters.templates import Rendered, Renderer
from notify.domain.channels import fallback_channel, hold_until
from notify.domain.preferences import Channel, QuietHours
from notify.domain.retry import RetryPolicy, Verdict
from notify.service_layer.outcomes import record_outcome
from notify.settings import NotifySettings
from outreach_shared.logging import bound, get_logger

log = get_logger(__name__)
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery ready to send: address, rendered content and the attempt number."""

    delivery: Delivery
    attempt: int
    address: str
    name: str | None
    rendered: Rendered


@dataclass(frozen=True)
class Resolved:
    """Where and how a delivery goes, or why it cannot go yet."""

    address: str | None
    name: str | None
    language: str
    quiet: QuietHours | None
    erased: bool = False


class DeliveryWorker:
    """Claims, sends and records deliveries until cancelled."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: NotifySettings,
        renderer: Renderer,
        email: SmtpEmailSender,
        sms: SmsSender,
        clock: Clock,
    ) -> None:
        self._pool = pool
        self._s = settings
        self._renderer = renderer
        self._email = email
        self._sms = sms
        self._now = clock
        self._policy = RetryPolicy(
            settings.delivery_max_attempts, settings.retry_base_seconds, settings.retry_max_seconds
        )
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due deliveries now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled; errors are logged and the loop goes on."""
        while True:
            try:
                while await self.run_once():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery loop failed; retrying")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._s.delivery_poll_seconds)

    async def run_once(self) -> bool:
        """Handle one due delivery (claim, send, record); False when none was due."""
        claimed = await self.claim()
        if claimed is None:
            return False
        if isinstance(claimed, Outgoing):
            await self.record(claimed, await self.send(claimed))
        return True

    async def claim(self) -> Outgoing | bool | None:
        """Step 1: lock a due delivery and count the attempt (True: handled without sending; None: none due)."""
        async with self._pool.acquire() as conn, conn.transaction():
            delivery = await repo.lock_due(conn)
            if delivery is None:
                return None
            with bound(delivery_id=str(delivery.id), event_id=str(delivery.event_id), channel=delivery.channel):
                return await self._prepare(conn, delivery)

    async def _prepare(self, conn: asyncpg.Connection, delivery: Delivery) -> Outgoing | bool:
        target = await self._resolve(conn, delivery)
        now = self._now()
        if target.erased:
            await conn.execute("UPDATE deliveries SET status = 'cancelled' WHERE id = $1", delivery.id)
            return True
        if delivery.channel != Channel.INBOX and target.address is None:
            return await self._wait_for_contact(conn, delivery, now)
        until = hold_until(now, Channel(delivery.channel), delivery.urgent, target.quiet)
        if until is not None:
            await repo.hold(conn, delivery.id, until, "quiet-hours")
            return True
        rendered = self._renderer.render(delivery.notice_type, target.language, delivery.context, target.name)
        attempt = await repo.mark_attempt(conn, delivery.id, self._s.delivery_lease_seconds)
        if delivery.channel == Channel.INBOX:
            await self._write_inbox(conn, delivery, rendered)
            await repo.finish(conn, delivery.id, attempt, status="sent")
            return True
        assert target.address is not None
        return Outgoing(delivery, attempt, target.address, target.name, rendered)

    async def _wait_for_contact(self, conn: asyncpg.Connection, delivery: Delivery, now: datetime) -> bool:
        contact = await read_models.get_contact(conn, delivery.recipient)
        if contact is not None and delivery.channel == Channel.SMS:  # known, but no phone number at all
            attempt = await repo.mark_attempt(conn, delivery.id, self._s.delivery_lease_seconds)
            await record_outcome(conn, delivery, attempt, Verdict.FAILED, "no phone number", None)
            return True
        await repo.hold(conn, delivery.id, now + timedelta(seconds=self._s.contact_wait_seconds), "contact")
        return True

    async def _resolve(self, conn: asyncpg.Connection, delivery: Delivery) -> Resolved:
        kind, _, ref = delivery.recipient.partition(":")
        if kind == "organiser":
            return Resolved(ref if delivery.channel == Channel.EMAIL else None, None, self._s.organiser_language, None)
        if await read_models.is_erased(conn, delivery.recipient):
            return Resolved(None, None, "nb", None, erased=True)
        contact = await read_models.get_contact(conn, delivery.recipient)
        prefs = await read_models.get_preferences(conn, ref) if kind == "member" else None
        language = (prefs.language if prefs else None) or (contact.language if contact else None) or "nb"
        quiet = (
            prefs.quiet_hours if prefs else QuietHours(start=self._s.default_quiet_start, end=self._s.default_quiet_end)
        )
        if contact is None:
            return Resolved(None, None, language, quiet)
        address = contact.email if delivery.channel == Channel.EMAIL else contact.phone or None
        name = contact.first_name if kind == "member" else contact.name
        return Resolved(address, name, language, quiet)

    async def _write_inbox(self, conn: asyncpg.Connection, delivery: Delivery, rendered: Rendered) -> None:
        await conn.execute(
            """INSERT INTO inbox_items (id, notice_id, member_id, notice_type, title, body)
               VALUES (gen_random_uuid(), $1, $2, $3, $4, $5) ON CONFLICT (notice_id) DO NOTHING""",
            delivery.notice_id,
            delivery.recipient.partition(":")[2],
            delivery.notice_type.value,
            rendered.subject,
            rendered.text,
        )

    async def send(self, out: Outgoing) -> DeliveryError | None:
        """Step 2: hand the message to its provider; the error, or None once it was accepted."""
        try:
            if out.delivery.channel == Channel.EMAIL:
                envelope = Envelope(out.address, out.name, f"<{out.delivery.id}@{self._s.message_id_domain}>")
                message = build_message(self._s.mail_from, envelope, out.rendered, out.delivery.calendar)
                await self._email.send(message)
            else:
                await self._sms.send(to=out.address, text=out.rendered.sms, reference=str(out.delivery.id))
        except DeliveryError as exc:
            return exc
        return None

    async def record(self, out: Outgoing, error: DeliveryError | None) -> None:
        """Step 3: sent, retry later, or failed for good (with the fall-back channel when urgent)."""
        verdict = self._policy.verdict(
            ok=error is None, permanent=bool(error and error.permanent), attempts=out.attempt
        )
        retry_at = self._now() + self._policy.backoff(out.attempt) if verdict is Verdict.RETRY else None
        async with self._pool.acquire() as conn, conn.transaction():
            recorded = await record_outcome(
                conn, out.delivery, out.attempt, verdict, error.reason if error else None, retry_at
            )
        if not recorded:
            log.warning("attempt outcome not recorded: another worker took the delivery over")
        elif verdict is not Verdict.SENT:
            log.info("delivery attempt failed", verdict=verdict.value, attempt=out.attempt)
        if verdict is Verdict.FAILED and fallback_channel(Channel(out.delivery.channel), out.delivery.urgent):
            self.wake()
