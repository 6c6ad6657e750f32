"""Recording an attempt's outcome: status, the delivery event, and the fall-back for urgent notices."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from notify.domain.channels import fallback_channel
from notify.domain.deliveries import Delivery
from notify.domain.notices import SECRET_NOTICES
from notify.domain.preferences import Channel
from notify.domain.retry import Verdict
from notify.service_layer.unit_of_work import NotifyUnit
from outreach_shared.contracts.notify import NotificationDelivered, NotificationFailed

_STATUS = {Verdict.SENT: "sent", Verdict.RETRY: "pending", Verdict.FAILED: "failed"}
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d \-]{6,}\d")


def scrub_personal_data(text: str) -> str:
    """A provider's error text without e-mail addresses or phone numbers (it travels on a non-compacted topic)."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[e-mail]", text))


@dataclass(frozen=True)
class Outcome:
    """One attempt's result, to record."""

    delivery: Delivery
    attempt: int
    verdict: Verdict
    error: str | None = None
    retry_at: datetime | None = None


def _emit(uow: NotifyUnit, delivery: Delivery, event: NotificationDelivered | NotificationFailed) -> None:
    """The outcome's event, caused by the notice's event and carrying its correlation id."""
    uow.emit_for(event, key=str(delivery.id), correlation_id=delivery.correlation_id,
                 causation_id=str(delivery.event_id))  # fmt: skip


def _delivered(o: Outcome) -> NotificationDelivered:
    return NotificationDelivered(notification_id=str(o.delivery.id), notice_type=o.delivery.notice_type.value,
                                 channel=o.delivery.channel, attempts=o.attempt)  # fmt: skip


async def record_outcome(uow: NotifyUnit, outcome: Outcome, *, fall_back: bool = True) -> bool:
    """Write the outcome if this attempt is still the current one; publish it; create the fall-back (unless the
    notice itself is at fault: another channel would fail on it too)."""
    delivery, attempt = outcome.delivery, outcome.attempt
    status = _STATUS[outcome.verdict]
    if not await uow.deliveries.finish(delivery.id, attempt, status=status, error=outcome.error,
                                       retry_at=outcome.retry_at):  # fmt: skip
        return False
    await _forget_secrets(uow, [outcome])
    if outcome.verdict is Verdict.SENT:
        _emit(uow, delivery, _delivered(outcome))
    elif outcome.verdict is Verdict.FAILED:
        reason = scrub_personal_data(outcome.error or "failed")[:500]
        _emit(uow, delivery, NotificationFailed(notification_id=str(delivery.id),
                                                notice_type=delivery.notice_type.value, channel=delivery.channel,
                                                attempts=attempt, reason=reason))  # fmt: skip
        if fall_back:
            await _fall_back(uow, delivery)
    return True


async def record_outcomes(uow: NotifyUnit, outcomes: Sequence[Outcome]) -> list[bool]:
    """Record many outcomes in one transaction: `sent` ones set-based, the rest one by one; which were recorded."""
    sent = [o for o in outcomes if o.verdict is Verdict.SENT]
    recorded = await uow.deliveries.finish_sent([(o.delivery.id, o.attempt) for o in sent])
    for o in sent:
        if o.delivery.id in recorded:
            _emit(uow, o.delivery, _delivered(o))
    done: list[bool] = []
    for o in outcomes:
        if o.verdict is Verdict.SENT:
            done.append(o.delivery.id in recorded)
        else:
            done.append(await record_outcome(uow, o))
    await _forget_secrets(uow, [o for o in sent if o.delivery.id in recorded])
    return done


async def _forget_secrets(uow: NotifyUnit, recorded: Sequence[Outcome]) -> None:
    """A sign-in link is kept only until its mail went or failed for good: then its notice's context is emptied."""
    finished = [o.delivery.notice_id for o in recorded
                if o.verdict is not Verdict.RETRY and o.delivery.notice_type in SECRET_NOTICES]  # fmt: skip
    await uow.deliveries.clear_contexts(finished)


async def _fall_back(uow: NotifyUnit, delivery: Delivery) -> None:
    channel = fallback_channel(Channel(delivery.channel), delivery.urgent)
    if channel is None:
        return
    contact = await uow.read_models.get_contact(delivery.recipient)
    if contact is None or not contact.phone:
        return
    await uow.deliveries.create_fallback(delivery, channel.value)
