"""Step 1 of a delivery, in its claim transaction: where it goes, whether it waits, and its rendering.

What is decided here is pure (no I/O): whatever it raises is the delivery's own fault (a retired notice type, a date
out of range, a template error), and the delivery is set aside with the reason while the rest of its batch goes on.
"""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from uuid import UUID

from notify.domain.channels import hold_until
from notify.domain.deliveries import Delivery, Unreadable
from notify.domain.preferences import Channel, QuietHours, notice_language
from notify.domain.recipients import RecipientsState
from notify.domain.rendered import Rendered
from notify.domain.retry import Verdict
from notify.service_layer.outcomes import Outcome, record_outcome, scrub_personal_data
from notify.service_layer.ports import Renderer
from notify.service_layer.unit_of_work import NotifyUnit
from outreach_shared.bulkheads import count_set_aside, describe, is_transient
from outreach_shared.logging import bound


@dataclass(frozen=True)
class Preparation:
    """How deliveries are resolved and held: the organisers' language, default quiet hours, the wait for a
    contact and the lease of an attempt."""

    organiser_language: str = "nb"
    default_quiet: QuietHours = field(default_factory=lambda: QuietHours(start=time(21, 0), end=time(8, 0)))
    contact_wait: timedelta = timedelta(minutes=5)
    lease_seconds: float = 120.0


@dataclass(frozen=True)
class Resolved:
    """Where and how a delivery goes, or why it cannot go yet."""

    address: str | None
    name: str | None
    language: str
    quiet: QuietHours | None
    erased: bool = False


@dataclass(frozen=True)
class Ready:
    """A delivery resolved and rendered, to be sent (or written to the inbox)."""

    delivery: Delivery
    target: Resolved
    rendered: Rendered


Renderings = dict[tuple[UUID, str, str | None], Rendered]
"""A notice's channels share one rendering (by notice, language and name)."""


def resolve(delivery: Delivery, state: RecipientsState, rules: Preparation) -> Resolved:
    """The address, name, language and quiet hours of the delivery's recipient."""
    recipient = delivery.recipient
    if recipient.kind == "organiser":
        return Resolved(recipient.ref if delivery.channel == Channel.EMAIL else None, None, rules.organiser_language,
                        None)  # fmt: skip
    if recipient.kind == "address":  # in the language the notice was asked for in
        return Resolved(recipient.ref if delivery.channel == Channel.EMAIL else None, None,
                        str(delivery.context.get("language") or "nb"), None)  # fmt: skip
    if recipient in state.erased:
        return Resolved(None, None, "nb", None, erased=True)
    contact = state.contacts.get(recipient)
    pref = state.preferences.get(recipient.ref) if recipient.kind == "member" else None
    language = notice_language(pref, contact.language if contact else None)
    quiet = pref.quiet_hours if pref else rules.default_quiet
    if contact is None:
        return Resolved(None, None, language, quiet)
    address = contact.email if delivery.channel == Channel.EMAIL else contact.phone or None
    name = contact.first_name if recipient.kind == "member" else contact.name
    return Resolved(address, name, language, quiet)


class Preparer:
    """Resolves, holds and renders a locked batch of deliveries in its claim transaction."""

    def __init__(self, renderer: Renderer, rules: Preparation) -> None:
        self._renderer = renderer
        self._rules = rules

    async def prepare_all(self, uow: NotifyUnit, locked: list[Delivery | Unreadable], loop: str) -> list[Ready]:
        """The deliveries of a locked batch ready to go; those cancelled, held or waiting for a contact are left
        out, and so is one that cannot be read, resolved or rendered: it is set aside, and the rest go on."""
        batch = [d for d in locked if isinstance(d, Delivery)]
        for unread in (d for d in locked if isinstance(d, Unreadable)):
            reason = scrub_personal_data(f"set aside: {describe(unread.error)}")[:500]
            await uow.deliveries.set_aside_unread(unread.id, reason)
            count_set_aside("notify", loop, reason, delivery_id=str(unread.id))
        state = await uow.read_models.get_recipients_state({d.recipient for d in batch}, contacts=True)
        ready: list[Ready] = []
        rendered: Renderings = {}
        for i, delivery in enumerate(batch):
            with bound(delivery_id=str(delivery.id), event_id=str(delivery.event_id), channel=delivery.channel):
                try:
                    target = resolve(delivery, state, self._rules)
                    step = self._decide(delivery, target, uow.now, rendered)
                except Exception as exc:
                    if is_transient(exc):
                        raise  # a passing outage: the batch again
                    await self._set_aside(uow, delivery, loop, exc)
                    continue
                if isinstance(step, Rendered):
                    ready.append(Ready(delivery, target, step))
                else:
                    await self._hold_back(uow, delivery, target, step)
            if i % 25 == 24:
                await asyncio.sleep(0)  # rendering is CPU: let the HTTP API and consumers in
        return ready

    def _decide(
        self, delivery: Delivery, target: Resolved, now: datetime, rendered: Renderings
    ) -> Rendered | datetime | None:
        """The rendering to send; or when to try again (quiet hours); or None (erased, or no address yet)."""
        if target.erased or (delivery.channel != Channel.INBOX and target.address is None):
            return None
        until = hold_until(now, Channel(delivery.channel), delivery.urgent, target.quiet)
        if until is not None:
            return until
        key = (delivery.notice_id, target.language, target.name)
        if key not in rendered:
            rendered[key] = self._renderer.render(delivery.notice_type, target.language, delivery.context, target.name)
        return rendered[key]

    async def _hold_back(self, uow: NotifyUnit, delivery: Delivery, target: Resolved, until: datetime | None) -> None:
        """Cancel a delivery to someone erased, hold one in quiet hours, or wait for the recipient's contact."""
        if target.erased:
            await uow.deliveries.cancel(delivery.id)
        elif until is not None:
            await uow.deliveries.hold(delivery.id, until, "quiet-hours")
        else:
            await self._wait_for_contact(uow, delivery)

    async def _wait_for_contact(self, uow: NotifyUnit, delivery: Delivery) -> None:
        contact = await uow.read_models.get_contact(delivery.recipient)
        if contact is not None and delivery.channel == Channel.SMS:  # known, but no phone number at all
            attempt = await uow.deliveries.mark_attempt(delivery.id, self._rules.lease_seconds)
            await record_outcome(uow, Outcome(delivery, attempt, Verdict.FAILED, "no phone number"))
            return
        await uow.deliveries.hold(delivery.id, uow.now + self._rules.contact_wait, "contact")

    async def _set_aside(self, uow: NotifyUnit, delivery: Delivery, loop: str, exc: Exception) -> None:
        """Record the delivery `failed` for good with the reason (no fall-back: the notice is at fault, not the
        channel), visible in the delivery log and the operations view."""
        if not await uow.read_models.try_lock_recipient(delivery.recipient):
            return  # being erased: the erasure deletes it (waiting here for the erasure would deadlock with it)
        reason = scrub_personal_data(f"set aside: {describe(exc)}")[:500]
        attempt = await uow.deliveries.mark_attempt(delivery.id, self._rules.lease_seconds)
        await record_outcome(uow, Outcome(delivery, attempt, Verdict.FAILED, reason), fall_back=False)
        await uow.deliveries.mark_set_aside(delivery.id)
        count_set_aside("notify", loop, reason, delivery_id=str(delivery.id), channel=delivery.channel)
