"""Response models of notify's HTTP API, each made from its domain value (`XOut.of(value)`)."""

from dataclasses import asdict
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from notify.domain.deliveries import DeliveryRecord, InboxItem, InboxPage, ScheduledReminder
from notify.domain.feeds import FeedInfo


class InboxItemOut(BaseModel):
    """One notice in the member's inbox."""

    id: UUID
    notice_type: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, item: InboxItem) -> "InboxItemOut":
        """The item as the API shows it."""
        return cls(**asdict(item))


class InboxPageOut(BaseModel):
    """The member's notices, newest first."""

    items: list[InboxItemOut]
    unread: int

    @classmethod
    def of(cls, page: InboxPage) -> "InboxPageOut":
        """The page as the API shows it."""
        return cls(items=[InboxItemOut.of(i) for i in page.items], unread=page.unread)


class DeliveryOut(BaseModel):
    """One delivery of a notice on one channel."""

    id: UUID
    event_id: UUID
    notice_type: str
    recipient: str
    channel: str
    status: str
    attempts: int
    last_error: str | None
    waiting_for: str | None
    next_attempt_at: datetime
    sent_at: datetime | None
    created_at: datetime
    fallback_of: UUID | None
    set_aside_at: datetime | None = None
    """When the worker gave up on it for a reason retrying cannot mend (the reason is in `last_error`)."""

    @classmethod
    def of(cls, record: DeliveryRecord) -> "DeliveryOut":
        """The delivery as the organisers' log shows it."""
        values = asdict(record)
        values.pop("updated_at")
        return cls(**values | {"recipient": record.recipient.key})


class ReminderOut(BaseModel):
    """A scheduled reminder: who is reminded of what, when, and whether it is still pending."""

    key: str
    kind: str
    notice_type: str | None
    recipient: str | None
    due_at: datetime
    status: str
    fired_at: datetime | None

    @classmethod
    def of(cls, reminder: ScheduledReminder) -> "ReminderOut":
        """The reminder as the organisers see it."""
        recipient = reminder.recipient.key if reminder.recipient else None
        return cls(**asdict(reminder) | {"recipient": recipient})


class CalendarFeedLinkOut(BaseModel):
    """A new calendar feed address: shown once (only its hash is kept), so keep it; rotate again to replace it."""

    feed_url: str
    """`https://.../v1/calendar/<secret>.ics`"""
    webcal_url: str
    """The same address as `webcal://...`, which calendar apps open as a subscription."""
    created_at: datetime

    @classmethod
    def of(cls, info: FeedInfo, *, base_url: str, secret: str) -> "CalendarFeedLinkOut":
        """The feed's addresses under `base_url` (where this API is reached)."""
        url = f"{base_url.rstrip('/')}/v1/calendar/{secret}.ics"
        return cls(feed_url=url, webcal_url="webcal://" + url.split("://", 1)[1], created_at=info.created_at)


class CalendarFeedOut(BaseModel):
    """Whether the caller has a calendar feed, and since when its current secret works (never the secret)."""

    exists: bool
    created_at: datetime | None = None

    @classmethod
    def of(cls, info: FeedInfo | None) -> "CalendarFeedOut":
        """The feed as its owner sees it again."""
        return cls(exists=info is not None, created_at=info.created_at if info else None)
