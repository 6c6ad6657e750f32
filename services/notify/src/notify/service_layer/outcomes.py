"""Recording an attempt's outcome: status, the delivery event, and the fall-back for urgent notices."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from notify.adapters import deliveries as repo
from notify.adapters import read_models
from notify.adapters.deliveries import Delivery
from notify.domain.channels import fallback_channel
from notify.domain.preferences import Channel
from notify.domain.retry import Verdict
from outreach_shared.contracts import new_envelope
from outreach_shared.contracts.notify import NotificationDelivered, NotificationFailed
from outreach_shared.outbox import enqueue

_STATUS = {Verdict.SENT: "sent", Verdict.RETRY: "pending", Verdict.FAILED: "failed"}


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d \-]{6,}\d")


def scrub_personal_data(text: str) -> str:
    """A provider's error text without e-mail addresses or phone numbers (it travels on a non-compacted topic)."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[e-mail]", text))


async def record_outcome(
    conn: asyncpg.Connection,
    delivery: Delivery,
    attempt: int,
    verdict: Verdict,
    error: str | None,
    retry_at: datetime | None,
    *,
    fall_back: bool = True,
) -> bool:
    """Write the outcome if this attempt is still the current one; publish it; create the fall-back (unless the
    notice itself is at fault: another channel would fail on it too)."""
    if not await repo.finish(conn, delivery.id, attempt, status=_STATUS[verdict], error=error, retry_at=retry_at):
        return False
    if verdict is Verdict.SENT:
        event: NotificationDelivered | NotificationFailed = NotificationDelivered(
            notification_id=str(delivery.id),
            notice_type=delivery.notice_type.value,
            channel=delivery.channel,
            attempts=attempt,
        )
    elif verdict is Verdict.FAILED:
        event = NotificationFailed(
            notification_id=str(delivery.id),
            notice_type=delivery.notice_type.value,
            channel=delivery.channel,
            attempts=attempt,
            reason=scrub_personal_data(error or "failed")[:500],
        )
        if fall_back:
            await _fall_back(conn, delivery)
    else:
        return True
    await enqueue(
        conn,
        new_envelope(
            event,
            key=str(delivery.id),
            producer="notify",
            correlation_id=delivery.correlation_id,
            causation_id=str(delivery.event_id),
        ),
    )
    return True


@dataclass(frozen=True)
class Outcome:
    """One attempt's result, to record."""

    delivery: Delivery
    attempt: int
    verdict: Verdict
    error: str | None = None
    retry_at: datetime | None = None


async def record_outcomes(conn: asyncpg.Connection, outcomes: Sequence[Outcome]) -> list[bool]:
    """Record many outcomes in one transaction: `sent` ones set-based, the rest one by one; which were recorded."""
    sent = [o for o in outcomes if o.verdict is Verdict.SENT]
    recorded = await repo.finish_sent(conn, [(o.delivery.id, o.attempt) for o in sent])
    envelopes = [
        new_envelope(
            NotificationDelivered(
                notification_id=str(o.delivery.id),
                notice_type=o.delivery.notice_type.value,
                channel=o.delivery.channel,
                attempts=o.attempt,
            ),
            key=str(o.delivery.id),
            producer="notify",
            correlation_id=o.delivery.correlation_id,
            causation_id=str(o.delivery.event_id),
        )
        for o in sent
        if o.delivery.id in recorded
    ]
    if envelopes:
        await enqueue(conn, *envelopes)
    done: list[bool] = []
    for o in outcomes:
        if o.verdict is Verdict.SENT:
            done.append(o.delivery.id in recorded)
        else:
            done.append(await record_outcome(conn, o.delivery, o.attempt, o.verdict, o.error, o.retry_at))
    return done


async def _fall_back(conn: asyncpg.Connection, delivery: Delivery) -> None:
    channel = fallback_channel(Channel(delivery.channel), delivery.urgent)
    if channel is None:
        return
    contact = await read_models.get_contact(conn, delivery.recipient)
    if contact is None or not contact.phone:
        return
    await repo.create_delivery(
        conn,
        notice_id=delivery.notice_id,
        event_id=delivery.event_id,
        recipient=delivery.recipient,
        channel=channel.value,
        fallback_of=delivery.id,
    )
