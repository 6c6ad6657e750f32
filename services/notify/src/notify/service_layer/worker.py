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
possible, one per delivery at most, with the same Message-ID (a holder frozen past its lease is the same case).

A lease also runs out while its holder is alive and only waits for the database to come back to record what it
sent (the soak once saw 18 mails sent twice after a database restart longer than the lease). So a worker takes
over expired leases only after reaching the database without a failure for `reclaim_grace_seconds` (since it
started, and since the database last failed it), while a holder retries its record at least every
`record_retry_max_seconds`: once the database is back, the holder records first.

In-app inbox deliveries are written with their `sent` status in the transaction that locks them (set-based, one
statement per batch, by a loop of their own so they never wait for e-mails): never twice.

New deliveries wake the worker at once (the `Wakeups` port: LISTEN on `<schema>_deliveries`, fired by a trigger
when deliveries are planned or become due again, its payload saying whether for the inbox loop or a send loop);
the poll every `delivery_poll_seconds` is the fall-back. A woken send loop waits `delivery_gather_seconds` before
it claims, so e-mails planned close together share a claim. Several instances may run side by side: `SKIP LOCKED`
and the leases keep them apart.

The worker reaches the database only through units of work (`Units`), and the providers through the
`EmailSender` and `SmsSender` ports: tests run it on fakes in memory.

Members' inbox items are mostly written when their notices are planned (`planning.plan_all` with a renderer); the
inbox loop writes the rest (reminders' and anything planned without one).
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from notify.domain.channels import fallback_channel
from notify.domain.deliveries import Delivery, InboxWrite
from notify.domain.preferences import Channel
from notify.domain.rendered import Email, Rendered
from notify.domain.retry import RetryPolicy, Verdict
from notify.service_layer.outcomes import Outcome, record_outcomes
from notify.service_layer.ports import DeliveryError, EmailSender, Renderer, SmsSender, Units, Wakeups
from notify.service_layer.preparing import Preparation, Preparer
from outreach_shared.bulkheads import count_set_aside, describe, is_permanent, is_transient
from outreach_shared.logging import bound, get_logger
from outreach_shared.skeleton import Clock

if TYPE_CHECKING:
    from notify.service_layer.unit_of_work import NotifyUnit

log = get_logger(__name__)


@dataclass(frozen=True)
class WorkerConfig:
    """How the worker claims, sends and retries (from settings)."""

    poll_seconds: float = 1.0
    gather_seconds: float = 0.05
    batch_size: int = 100
    inbox_batch_size: int = 500
    concurrency: int = 16
    loops: int = 2
    lease_seconds: float = 120.0
    reclaim_grace_seconds: float = 5.0
    record_retry_max_seconds: float = 1.0
    retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(6, 30.0, 3600.0))
    message_id_domain: str = "notify.jobbvinner.no"
    preparation: Preparation = field(default_factory=Preparation)


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery ready to send: address, rendered content and the attempt number."""

    delivery: Delivery
    attempt: int
    address: str
    name: str | None
    rendered: Rendered


class DeliveryWorker:
    """Claims, sends and records deliveries until cancelled."""

    def __init__(
        self,
        units: Units,
        config: WorkerConfig,
        renderer: Renderer,
        email: EmailSender,
        sms: SmsSender,
        clock: Clock,
        wakeups: Wakeups | None = None,
    ) -> None:
        self._units = units
        self._c = config
        self._preparer = Preparer(renderer, config.preparation)
        self._email = email
        self._sms = sms
        self._clock = clock
        self._wakeups = wakeups
        self._slots = asyncio.Semaphore(max(1, config.concurrency))
        self._unrecorded: set[UUID] = set()
        """Deliveries this worker is sending or has sent whose outcome is not stored yet. Their lease can run out
        while the database is away; another loop of this worker must not claim them and send them again."""
        self._inbox_wake = asyncio.Event()
        self._send_wakes: list[asyncio.Event] = []
        self._idle_senders: list[asyncio.Event] = []
        """Send loops waiting for work, most recently idle last."""
        self._lease_check_seconds = min(config.poll_seconds, config.lease_seconds / 4)
        self._leases_checked: dict[bool, float] = {}
        """When each kind of delivery (inbox or not) last had its expired leases looked for (monotonic)."""
        self._database_failed_at = time.monotonic()
        """When the database last failed this worker (monotonic), or the worker started: expired leases wait for
        `reclaim_grace_seconds` after it, so a live holder records what it sent before anyone sends it again."""

    def wake(self) -> None:
        """Look for due deliveries now rather than at the next poll (every loop)."""
        self._inbox_wake.set()
        for event in self._send_wakes:
            event.set()

    def on_wake(self, payload: str) -> None:
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
        """Deliver until cancelled (several send loops and one inbox loop, woken by the wake-ups); errors are logged
        and the loops go on."""
        listener = asyncio.create_task(self._wakeups.listen(self.on_wake)) if self._wakeups else None
        try:
            senders = []
            for _ in range(max(1, self._c.loops)):
                event = asyncio.Event()
                self._send_wakes.append(event)
                senders.append(self._loop(self.send_once, event, self._idle_senders, self._c.gather_seconds))
            await asyncio.gather(*senders, self._loop(self.deliver_inbox_once, self._inbox_wake, []))
        finally:
            if listener is not None:
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
                    await asyncio.wait_for(event.wait(), self._c.poll_seconds)
                if event.is_set() and gather > 0:
                    await asyncio.sleep(gather)
            finally:
                idle.remove(event)

    @contextlib.asynccontextmanager
    async def _unit(self) -> AsyncIterator["NotifyUnit"]:
        """A unit of work; a failure that means "the database is away" is noted (see `_expired_leases_due`)."""
        try:
            async with self._units() as uow:
                yield uow
        except Exception as exc:
            if is_transient(exc):
                self._database_failed_at = time.monotonic()
            raise

    def _expired_leases_due(self, inbox: bool) -> bool:
        """Whether this claim also looks for deliveries whose lease ran out: at most every
        `_lease_check_seconds` per kind (leases last minutes; a query on every claim was wasted), and never within
        `reclaim_grace_seconds` of a database failure or of the worker's start."""
        now = time.monotonic()
        if now - self._database_failed_at < self._c.reclaim_grace_seconds:
            return False
        if now - self._leases_checked.get(inbox, -float("inf")) < self._lease_check_seconds:
            return False
        self._leases_checked[inbox] = now
        return True

    async def run_once(self) -> bool:
        """Handle one batch of due inbox deliveries and one of the others; False when none was due."""
        written = await self.deliver_inbox_once()
        return await self.send_once() or written

    async def deliver_inbox_once(self) -> bool:
        """Write a batch of due inbox deliveries and mark them sent, in one transaction; False when none was due.

        Inbox items have a loop of their own: they no longer wait for the e-mails claimed with them to be sent.
        """
        async with self._unit() as uow:
            batch = await uow.deliveries.lock_due_batch(
                self._c.inbox_batch_size, inbox=True, expired_leases=self._expired_leases_due(True)
            )
            if not batch:
                return False
            ready = await self._preparer.prepare_all(uow, batch, "inbox")
            await uow.deliveries.deliver_to_inbox([
                InboxWrite(r.delivery.id, r.delivery.notice_id, r.delivery.recipient.ref,
                           r.delivery.notice_type.value, r.rendered.subject, r.rendered.text)
                for r in ready
            ])  # fmt: skip
        return True

    async def send_once(self) -> bool:
        """Claim a batch of due e-mail and SMS deliveries, send them and record the outcomes; False when none was
        due."""
        claimed_at = time.monotonic()
        claimed = await self.claim()
        if claimed is None:
            return False
        if claimed:
            await self._send_and_record(claimed, claimed_at + self._c.lease_seconds / 2)
        return True

    async def claim(self) -> list[Outgoing] | None:
        """Step 1: lock a batch of due e-mail and SMS deliveries and count their attempts (None: none due)."""
        async with self._unit() as uow:
            due = await uow.deliveries.lock_due_batch(
                self._c.batch_size, inbox=False, expired_leases=self._expired_leases_due(False)
            )
            batch = [d for d in due if d.id not in self._unrecorded]
            if not batch:
                return None
            ready = await self._preparer.prepare_all(uow, batch, "deliveries")
            if not ready:
                return []
            attempts = await uow.deliveries.mark_attempts([r.delivery.id for r in ready], self._c.lease_seconds)
        result = []
        for r in ready:
            assert r.target.address is not None  # prepare_all holds back a delivery with no address
            result.append(Outgoing(r.delivery, attempts[r.delivery.id], r.target.address, r.target.name, r.rendered))
        return result

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
                message_id = f"<{out.delivery.id}@{self._c.message_id_domain}>"
                await self._email.send(Email(out.address, out.name, message_id, out.rendered, out.delivery.calendar))
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
        policy = self._c.retry
        verdict = policy.verdict(ok=error is None, permanent=bool(error and error.permanent), attempts=out.attempt)
        retry_at = self._clock.now() + policy.backoff(out.attempt) if verdict is Verdict.RETRY else None
        return Outcome(out.delivery, out.attempt, verdict, error.reason if error else None, retry_at)

    async def _record_many(
        self, results: list[tuple[Outgoing, DeliveryError | None]], gave_back: list[Outgoing]
    ) -> None:
        outcomes = [self._outcome(out, error) for out, error in results]
        recorded = await self._record_until_stored(outcomes, gave_back)
        fall_back = False
        for outcome, done in zip(outcomes, recorded, strict=True):
            with bound(delivery_id=str(outcome.delivery.id), channel=outcome.delivery.channel):
                _log(outcome, done)
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
        delay = min(0.2, self._c.record_retry_max_seconds)
        while True:
            try:
                async with self._unit() as uow:
                    recorded = await record_outcomes(uow, outcomes)
                    await uow.deliveries.release([(o.delivery.id, o.attempt) for o in gave_back])
                return recorded
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("recording delivery outcomes failed; retrying", error=type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._c.record_retry_max_seconds)

    async def record(self, out: Outgoing, error: DeliveryError | None) -> None:
        """Step 3 for a single attempt: sent, retry later, or failed for good (with the fall-back when urgent)."""
        await self._record_many([(out, error)], [])


def _log(outcome: Outcome, recorded: bool) -> None:
    if not recorded:
        log.warning("attempt outcome not recorded: another worker took the delivery over")
    elif outcome.verdict is not Verdict.SENT:
        log.info("delivery attempt failed", verdict=outcome.verdict.value, attempt=outcome.attempt)
