"""The member's inbox, their preferences, and the organisers' view of deliveries and reminders."""

from uuid import UUID

from notify.domain.deliveries import DeliveryRecord, InboxItem, InboxPage
from notify.domain.notices import Recipient
from notify.domain.preferences import Preferences
from notify.service_layer.unit_of_work import NotifyUnit
from outreach_shared.errors import Invalid, NotFound
from outreach_shared.operations import SetAsideItem


async def list_inbox(uow: NotifyUnit, member_id: str) -> InboxPage:
    """The member's notices, newest first, and how many are unread."""
    return await uow.inbox.page(member_id)


async def mark_read(uow: NotifyUnit, member_id: str, item_id: UUID) -> InboxItem:
    """Mark one of the member's notices read; someone else's (or none) is NotFound."""
    item = await uow.inbox.mark_read(member_id, item_id)
    if item is None:
        raise NotFound(f"no notification {item_id}")
    return item


async def deliveries_for(uow: NotifyUnit, recipient: str, *, limit: int = 200, offset: int = 0) -> list[DeliveryRecord]:
    """A page of a recipient's deliveries, newest first, with channel, status and attempts (a bare member id means
    that member)."""
    try:
        who = Recipient.of_query(recipient)
    except ValueError:
        raise Invalid(
            "recipient must be member:ID (or the member's bare id), school:VISIT_ID or organiser:EMAIL",
            field="recipient",
        ) from None
    return await uow.deliveries.list_for(who, limit=limit, offset=offset)


async def get_preferences(uow: NotifyUnit, member_id: str) -> Preferences:
    """The member's preferences (the defaults when none were set)."""
    return await uow.read_models.get_preferences(member_id) or Preferences()


async def set_preferences(uow: NotifyUnit, member_id: str, preferences: Preferences) -> Preferences:
    """Replace the member's preferences."""
    await uow.read_models.save_preferences(member_id, preferences)
    return preferences


async def set_aside_deliveries(uow: NotifyUnit, limit: int) -> list[SetAsideItem]:
    """Deliveries the worker set aside, for the operations view (the recipient says whose delivery log to read)."""
    return [
        SetAsideItem(loop="deliveries", kind=d.channel, key=str(d.id), reason=d.reason, set_aside_at=d.set_aside_at,
                     subject=d.recipient.key)
        for d in await uow.deliveries.list_set_aside(limit)
    ]  # fmt: skip
