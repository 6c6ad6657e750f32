"""The delivery worker: claims due deliveries in batches, sends them concurrently, records the outcomes.

Order of one e-mail or SMS delivery, and what a crash at each point does:

1. Claim (transaction 1, a batch of up to `delivery_batch_size`): lock due rows (`FOR UPDATE SKIP LOCKED`,
   pending-and-due first, then expired leases), render them, count the attempt (`attempts + 1`, status
   `sending`, a lease) and commit. A crash before this commit changes nothing. A delivery that cannot be read,
   resolved or rendered (a retired notice type, a date out of range, a template error) is set aside: `failed` with
   the reason and `set_aside_at`, counted, in the delivery log and the operations view; the rest of the batch goes.
2. Send: hand each message to its provider, outside any transaction, at most `delivery_concurrency` at a time
   (e-mails over a small pool of reused SMTP connections). E-mails carry a Message-ID made from the delivery
   id, so every attempt of one delivery is recognisably the same message. A claimed message whose lease is
   half gone before its turn comes is not sent but given back (never two holders of one live attempt).
3. Record (transaction 2, as results come in, several at once): `sent`, `pending` again with a backoff, or
   `failed` (+ fall-back, + event), each only if this worker still holds that attempt.

A crash (or restart) between 1 and 3 leaves the rows `sending`; when their lease expires another worker
claims them again as new attempts. Where the provider had not accepted a message, nothing was sent twice;
where it had, but we never recorded its acknowledgement, that one attempt is repeated - the only duplicate
possible, one per delivery at most, with the same Message-ID. In-app inbox deliveries are written with their
`sent` status in the transaction that locks them (set-based, one statement per batch, by a loop of their own so
they never wait for e-mails): never twice.

New deliveries wake the worker at once (LISTEN on `<schema>_deliveries`, fired by a trigger when deliveries
are planned or become due again, its payload saying whether for the inbox loop or a send loop); the poll every
`delivery_poll_seconds` is the fall-back. A woken send loop waits `delivery_gather_seconds` before it claims, so
e-mails planned close together share a claim. Several instances may run side by side: `SKIP LOCKED` and the
leases keep them apart.

Members' inbox items are mostly written when their notices are planned (`planning.plan_all` with a renderer); the
inbox loop writes the rest (reminders' and anything planned without one).
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from notify.adapters import deliveries as repo
from notify.adapters import read_models
from notify.adapters.deliveries import Delivery, Unreadable
from notify.adapters.email import Envelope, SmtpEmailSender, build_message
from notify.adapters.errors import DeliveryError
from notify.adapters.read_models import Contact
from notify.adapters.sms import SmsSender
from notify.adapters.templates import Rendered, Renderer
from notify.domain.channels import fallback_channel, hold_until
from notify.domain.preferences import Channel, Preferences, QuietHours, notice_language
from notify.domain.retry import RetryPolicy, Verdict
from notify.service_layer.outcomes import Outcome, record_outcome, record_outcomes, scrub_personal_data
from notify.settings import NotifySettings
from outreach_shared.bulkheads import count_set_aside, describe, is_permanent, is_transient
from outreach_shared.db import stateless_connection
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
        self._slots = asyncio.Semaphore(max(1, settings.delivery_concurrency))
        self._unrecorded: set[UUID] = set()
        """Deliveries this worker is sending or has sent whose outcome is not stored yet. Their lease can run out
        while the database is away; another loop of this worker must not claim them and send them again."""
        self._inbox_wake = asyncio.Event()
        self._send_wakes: list[asyncio.Event] = []
        self._idle_senders: list[asyncio.Event] = []
        """Send loops waiting for work, most recently idle last."""
        self._lease_check_seconds = min(settings.delivery_poll_seconds, settings.delivery_lease_seconds / 4)
        self._leases_checked: dict[bool, float] = {}
        """When each kind of delivery (inbox or not) last had its expired leases looked for (monotonic)."""

    def wake(self) -> None:
        """Look for due deliveries now rather than at the next poll (every loop)."""
        self._inbox_wake.set()
        for event in self._send_wakes:
            event.set()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        """Deliveries were planned or are due again: the payload says for which loop, `inbox` or `send` (anything
        else wakes both). One idle send loop looks for them (when none is idle, every send loop looks again once
        it is done): waking every loop made all but one claim nothing, at a transaction each."""
        if payload != "send":
            self._inbox_wake.set()
        if payload == "inbox":
            return
        if self._idle_senders:
            self._idle_senders[-1].set()
        else:
            for event in self._send_wakes:
                event.set()

    async def run(self) -> None:
        """Deliver until cancelled (several send loops and one inbox loop, woken by NOTIFY); errors are logged and
        the loops go on."""
        listener = asyncio.create_task(self._listen())
        try:
            senders = []
            for _ in range(max(1, self._s.delivery_loops)):
                event = asyncio.Event()
                self._send_wakes.append(event)
                senders.append(self._loop(self.send_once, event, self._idle_senders, self._s.delivery_gather_seconds))
            await asyncio.gather(*senders, self._loop(self.deliver_inbox_once, self._inbox_wake, []))
        finally:
            listener.cancel()
            with contextlib.suppress(BaseException):
                await listener

    async def _loop(
        self, step: Callable[[], Awaitable[bool]], event: asyncio.Event, idle: list[asyncio.Event], gather: float = 0.0
    ) -> None:
        """Run `step` until it finds nothing, then wait for a wake-up (or the poll); a woken loop first waits
        `gather` seconds more, still counted idle, so that deliveries planned just after the first are claimed
        with it: one claim and one record transaction for several e-mails instead of one each."""
        while True:
            event.clear()
            try:
                while await step():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery loop failed; retrying")
            idle.append(event)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), self._s.delivery_poll_seconds)
                if event.is_set() and gather > 0:
                    await asyncio.sleep(gather)
            finally:
                idle.remove(event)

    def _expired_leases_due(self, inbox: bool) -> bool:
        """Whether this claim also looks for deliveries whose lease ran out: at most every
        `_lease_check_seconds` per kind (leases last minutes; a query on every claim was wasted)."""
        now = time.monotonic()
        if now - self._leases_checked.get(inbox, -float("inf")) < self._lease_check_seconds:
            return False
        self._leases_checked[inbox] = now
        return True

    async def _listen(self) -> None:
        """Hold a LISTEN connection so planned deliveries wake the loops; re-listen after trouble."""
        while True:
            try:
                async with self._pool.acquire() as conn:
                    channel = f"{await conn.fetchval('SELECT current_schema()')}_deliveries"
                    await conn.add_listener(channel, self._on_notify)
                    try:
                        self.wake()  # whatever was planned before we listened
                        lost = asyncio.Event()
                        conn.add_termination_listener(lambda _c, done=lost: done.set())
                        await lost.wait()
                    finally:
                        with contextlib.suppress(Exception):
                            await conn.remove_listener(channel, self._on_notify)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("delivery listener failed; polling until it is back", exc_info=True)
            await asyncio.sleep(max(1.0, self._s.delivery_poll_seconds))

    async def run_once(self) -> bool:
        """Handle one batch of due inbox deliveries and one of the others; False when none was due."""
        written = await self.deliver_inbox_once()
        return await self.send_once() or written

    async def deliver_inbox_once(self) -> bool:
        """Write a batch of due inbox deliveries and mark them sent, in one transaction; False when none was due.

        Inbox items have a loop of their own: they no longer wait for the e-mails claimed with them to be sent.
        """
        async with stateless_connection(self._pool) as conn, conn.transaction():
            batch = await repo.lock_due_batch(
                conn, self._s.delivery_inbox_batch_size, inbox=True, expired_leases=self._expired_leases_due(True)
            )
            if not batch:
                return False
            prepared = await self._prepare_all(conn, batch, "inbox")
            await repo.deliver_to_inbox(
                conn,
                [
                    (d.id, d.notice_id, d.recipient.partition(":")[2], d.notice_type.value, r.subject, r.text)
                    for d, _, r in prepared
                ],
            )
        return True

    async def send_once(self) -> bool:
        """Claim a batch of due e-mail and SMS deliveries, send them and record the outcomes; False when none was
        due."""
        claimed_at = time.monotonic()
        claimed = await self.claim()
        if claimed is None:
            return False
        if claimed:
            await self._send_and_record(claimed, claimed_at + self._s.delivery_lease_seconds / 2)
        return True

    async def claim(self) -> list[Outgoing] | None:
        """Step 1: lock a batch of due e-mail and SMS deliveries and count their attempts (None: none due)."""
        async with stateless_connection(self._pool) as conn, conn.transaction():
            due = await repo.lock_due_batch(
                conn, self._s.delivery_batch_size, inbox=False, expired_leases=self._expired_leases_due(False)
            )
            batch = [d for d in due if d.id not in self._unrecorded]
            if not batch:
                return None
            outgoing = await self._prepare_all(conn, batch, "deliveries")
            if not outgoing:
                return []
            attempts = await repo.mark_attempts(conn, [d.id for d, _, _ in outgoing], self._s.delivery_lease_seconds)
        result = []
        for delivery, target, rendered in outgoing:
            assert target.address is not None
            result.append(Outgoing(delivery, attempts[delivery.id], target.address, target.name, rendered))
        return result

    async def _prepare_all(
        self, conn: asyncpg.Connection, locked: list[Delivery | Unreadable], loop: str
    ) -> list[tuple[Delivery, Resolved, Rendered]]:
        """Resolve and render a locked batch; deliveries cancelled, held or waiting for a contact are left out, and
        so is one that cannot be read, resolved or rendered (a retired notice type, a date out of range, a template
        error): it is set aside, and the rest of the batch goes on."""
        batch = [d for d in locked if isinstance(d, Delivery)]
        for unread in (d for d in locked if isinstance(d, Unreadable)):
            reason = scrub_personal_data(f"set aside: {describe(unread.error)}")[:500]
            await repo.set_aside_unread(conn, unread.id, reason)
            count_set_aside("notify", loop, reason, delivery_id=str(unread.id))
        state = await read_models.get_recipients_state(conn, {d.recipient for d in batch}, contacts=True)
        ready: list[tuple[Delivery, Resolved, Rendered]] = []
        rendered: dict[tuple[UUID, str, str | None], Rendered] = {}  # a notice's channels share one rendering
        for i, delivery in enumerate(batch):
            with bound(delivery_id=str(delivery.id), event_id=str(delivery.event_id), channel=delivery.channel):
                try:
                    target = self._resolve(
                        delivery, delivery.recipient in state.erased, state.contacts, state.preferences
                    )
                    prepared = await self._prepare(conn, delivery, target, rendered)
                except Exception as exc:
                    if is_transient(exc) or isinstance(exc, asyncpg.PostgresError):
                        raise  # a passing outage, or a statement that spoiled the transaction: the batch again
                    await self._set_aside(conn, delivery, loop, exc)
                    continue
            if prepared is not None:
                ready.append((delivery, target, prepared))
            if i % 25 == 24:
                await asyncio.sleep(0)  # rendering is CPU: let the HTTP API and consumers in
        return ready

    async def _set_aside(self, conn: asyncpg.Connection, delivery: Delivery, loop: str, exc: Exception) -> None:
        """Record the delivery `failed` for good with the reason (no fall-back: the notice is at fault, not the
        channel), visible in the delivery log and the operations view."""
        if not await read_models.try_lock_recipient(conn, delivery.recipient):
            return  # being erased: the erasure deletes it (waiting here for the erasure would deadlock with it)
        reason = scrub_personal_data(f"set aside: {describe(exc)}")[:500]
        attempt = await repo.mark_attempt(conn, delivery.id, self._s.delivery_lease_seconds)
        await record_outcome(conn, delivery, attempt, Verdict.FAILED, reason, None, fall_back=False)
        await repo.mark_set_aside(conn, delivery.id)
        count_set_aside("notify", loop, reason, delivery_id=str(delivery.id), channel=delivery.channel)

    async def _prepare(
        self,
        conn: asyncpg.Connection,
        delivery: Delivery,
        target: Resolved,
        rendered: dict[tuple[UUID, str, str | None], Rendered],
    ) -> Rendered | None:
        """Cancel, hold or wait as needed (None), or render the delivery to be sent."""
        now = self._now()
        if target.erased:
            await conn.execute("UPDATE deliveries SET status = 'cancelled' WHERE id = $1", delivery.id)
            return None
        if delivery.channel != Channel.INBOX and target.address is None:
            await self._wait_for_contact(conn, delivery, now)
            return None
        until = hold_until(now, Channel(delivery.channel), delivery.urgent, target.quiet)
        if until is not None:
            await repo.hold(conn, delivery.id, until, "quiet-hours")
            return None
        key = (delivery.notice_id, target.language, target.name)
        if key not in rendered:
            rendered[key] = self._renderer.render(delivery.notice_type, target.language, delivery.context, target.name)
        return rendered[key]

    async def _wait_for_contact(self, conn: asyncpg.Connection, delivery: Delivery, now: datetime) -> None:
        contact = await read_models.get_contact(conn, delivery.recipient)
        if contact is not None and delivery.channel == Channel.SMS:  # known, but no phone number at all
            attempt = await repo.mark_attempt(conn, delivery.id, self._s.delivery_lease_seconds)
            await record_outcome(conn, delivery, attempt, Verdict.FAILED, "no phone number", None)
            return
        await repo.hold(conn, delivery.id, now + timedelta(seconds=self._s.contact_wait_seconds), "contact")

    def _resolve(
        self, delivery: Delivery, erased: bool, contacts: dict[str, Contact], prefs: dict[str, Preferences]
    ) -> Resolved:
        kind, _, ref = delivery.recipient.partition(":")
        if kind == "organiser":
            return Resolved(ref if delivery.channel == Channel.EMAIL else None, None, self._s.organiser_language, None)
        if erased:
            return Resolved(None, None, "nb", None, erased=True)
        contact = contacts.get(delivery.recipient)
        pref = prefs.get(ref) if kind == "member" else None
        language = notice_language(pref, contact.language if contact else None)
        quiet = (
            pref.quiet_hours if pref else QuietHours(start=self._s.default_quiet_start, end=self._s.default_quiet_end)
        )
        if contact is None:
            return Resolved(None, None, language, quiet)
        address = contact.email if delivery.channel == Channel.EMAIL else contact.phone or None
        name = contact.first_name if kind == "member" else contact.name
        return Resolved(address, name, language, quiet)

    async def _send_and_record(self, batch: list[Outgoing], send_by: float) -> None:
        """Steps 2 and 3: send with bounded concurrency; record results in small batches as they come."""
        results: list[tuple[Outgoing, DeliveryError | None]] = []
        expired: list[Outgoing] = []
        arrived = asyncio.Event()

        self._unrecorded.update(out.delivery.id for out in batch)

        async def one(out: Outgoing) -> None:
            async with self._slots:
                if time.monotonic() >= send_by:  # the lease may run out mid-send: give it back unsent
                    expired.append(out)
                    arrived.set()
                    return
                with bound(delivery_id=str(out.delivery.id), channel=out.delivery.channel):
                    error = await self.send(out)
            results.append((out, error))
            arrived.set()

        sending = asyncio.gather(*(one(out) for out in batch))
        sending.add_done_callback(lambda _: arrived.set())
        try:
            while True:
                if sending.done():
                    sending.result()  # a crash (BaseException) goes up from here: nothing more is recorded
                if not results and not expired:
                    if sending.done():
                        return
                    await arrived.wait()
                    arrived.clear()
                    continue
                arrived.clear()
                chunk, results[:] = list(results), []
                gave_back, expired[:] = list(expired), []
                await self._record_many(chunk, gave_back)
        finally:
            if not sending.done():
                sending.cancel()
            self._unrecorded.difference_update(out.delivery.id for out in batch)

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
        except Exception as exc:  # a bug here must not leave the rest of the batch unrecorded
            log.exception("delivery attempt raised")
            if is_permanent(exc):  # the message cannot be built: every attempt would fail the same way
                reason = f"internal: {describe(exc)}"
                count_set_aside("notify", "deliveries", reason, delivery_id=str(out.delivery.id))
                return DeliveryError(reason, permanent=True)
            return DeliveryError(f"internal: {type(exc).__name__}: {exc}", permanent=False)
        return None

    def _outcome(self, out: Outgoing, error: DeliveryError | None) -> Outcome:
        verdict = self._policy.verdict(
            ok=error is None, permanent=bool(error and error.permanent), attempts=out.attempt
        )
        retry_at = self._now() + self._policy.backoff(out.attempt) if verdict is Verdict.RETRY else None
        return Outcome(out.delivery, out.attempt, verdict, error.reason if error else None, retry_at)

    async def _record_many(
        self, results: list[tuple[Outgoing, DeliveryError | None]], gave_back: list[Outgoing]
    ) -> None:
        outcomes = [self._outcome(out, error) for out, error in results]
        recorded = await self._record_until_stored(outcomes, gave_back)
        fall_back = False
        for outcome, done in zip(outcomes, recorded, strict=True):
            with bound(delivery_id=str(outcome.delivery.id), channel=outcome.delivery.channel):
                self._log(outcome, done)
            fall_back |= outcome.verdict is Verdict.FAILED and bool(
                fallback_channel(Channel(outcome.delivery.channel), outcome.delivery.urgent)
            )
        if gave_back:
            log.warning("claimed deliveries given back unsent: lease too short for the batch", count=len(gave_back))
        if fall_back or gave_back:
            self.wake()

    async def _record_until_stored(self, outcomes: list[Outcome], gave_back: list[Outgoing]) -> list[bool]:
        """Store outcomes, retrying while the database is away: a provider already accepted these messages, and
        forgetting that would send them again once their lease ran out (the lease keeps other workers off)."""
        delay = 0.2
        while True:
            try:
                async with stateless_connection(self._pool) as conn, conn.transaction():
                    recorded = await record_outcomes(conn, outcomes)
                    await repo.release(conn, [(o.delivery.id, o.attempt) for o in gave_back])
                return recorded
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("recording delivery outcomes failed; retrying", error=type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    @staticmethod
    def _log(outcome: Outcome, recorded: bool) -> None:
        if not recorded:
            log.warning("attempt outcome not recorded: another worker took the delivery over")
        elif outcome.verdict is not Verdict.SENT:
            log.info("delivery attempt failed", verdict=outcome.verdict.value, attempt=outcome.attempt)

    async def record(self, out: Outgoing, error: DeliveryError | None) -> None:
        """Step 3 for a single attempt: sent, retry later, or failed for good (with the fall-back when urgent)."""
        await self._record_many([(out, error)], [])
