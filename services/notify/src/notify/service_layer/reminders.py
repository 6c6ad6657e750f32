"""Set reminder timers, fire them as notices, and withdraw them when a visit or gathering is called off."""

from collections.abc import Sequence
from uuid import NAMESPACE_URL, uuid5

from notify.domain import reminders as r
from notify.domain.deliveries import ScheduledReminder
from notify.domain.notices import REMINDERS, Recipient
from notify.domain.scheduling import Scheduled, from_payload, to_payload
from notify.service_layer.planning import plan
from notify.service_layer.unit_of_work import NotifyUnit
from outreach_shared.timers import Timer

TIMER_KINDS = (r.VISIT_REMINDER, r.GATHERING_REMINDER)


async def schedule_all(uow: NotifyUnit, kind: str, scheduled: Sequence[Scheduled]) -> None:
    """Set (or move) one durable timer per reminder."""
    for reminder, draft in scheduled:
        await uow.timers.schedule(kind, reminder.key, reminder.due_at, to_payload(draft))


async def withdraw_all(uow: NotifyUnit, subject: str) -> int:
    """Cancel every pending reminder timer of a visit or gathering (`visit:ID`) and its unsent reminders."""
    cancelled = await uow.timers.cancel_matching(f"{subject}:")
    await uow.deliveries.cancel_reminders(subject, [t.value for t in REMINDERS])
    return cancelled


async def withdraw_member(uow: NotifyUnit, subject: str, member: Recipient) -> int:
    """Cancel one member's pending reminder timers of a visit or gathering."""
    return await uow.timers.cancel_matching(f"{subject}:{member.key}:")


async def fire(uow: NotifyUnit, timer: Timer) -> None:
    """A reminder timer fired: its notice is planned once (the event id derives from the timer)."""
    event_id = uuid5(NAMESPACE_URL, f"notify:{timer.kind}:{timer.key}:{timer.due_at.isoformat()}")
    await plan(uow, [from_payload(timer.payload)], event_id=event_id, correlation_id=f"timer:{timer.key}")


async def list_for(uow: NotifyUnit, subject: str) -> list[ScheduledReminder]:
    """Every reminder timer of a visit or gathering (`visit:ID`), pending or not, soonest first."""
    return await uow.timers.list_matching(TIMER_KINDS, f"{subject}:")
