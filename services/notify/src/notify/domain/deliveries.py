"""Deliveries as the worker and the delivery log see them, and notices ready to be stored."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from notify.domain.notices import NoticeDraft, NoticeType, Recipient


@dataclass(frozen=True)
class Delivery:
    """A delivery joined with its notice, as the worker needs it."""

    id: UUID
    notice_id: UUID
    event_id: UUID
    recipient: Recipient
    channel: str
    status: str
    attempts: int
    fallback_of: UUID | None
    notice_type: NoticeType
    urgent: bool
    context: dict[str, Any]
    calendar: str | None
    correlation_id: str


@dataclass(frozen=True)
class Unreadable:
    """A locked delivery whose stored notice no longer reads as one (a notice type since retired, say)."""

    id: UUID
    error: Exception


@dataclass(frozen=True)
class PlannedNotice:
    """A draft ready to store: its new id, the event that caused it, its calendar text and the channels to deliver
    it on."""

    id: UUID
    event_id: UUID
    correlation_id: str
    draft: NoticeDraft
    calendar: str | None
    channels: list[str]
    inbox: tuple[str, str] | None = None
    """The in-app inbox item's title and body, when it is written with the notice (its delivery then `sent`)."""


@dataclass(frozen=True)
class InboxWrite:
    """An inbox item to write for a due inbox delivery (which is then sent)."""

    delivery_id: UUID
    notice_id: UUID
    member_id: str
    notice_type: str
    title: str
    body: str


@dataclass(frozen=True)
class DeliveryRecord:
    """One delivery of a notice on one channel, as the organisers' delivery log shows it."""

    id: UUID
    event_id: UUID
    notice_type: str
    recipient: Recipient
    channel: str
    status: str
    attempts: int
    last_error: str | None
    waiting_for: str | None
    next_attempt_at: datetime
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime
    fallback_of: UUID | None
    set_aside_at: datetime | None


@dataclass(frozen=True)
class SetAsideDelivery:
    """A delivery the worker gave up on for a reason retrying cannot mend."""

    id: UUID
    channel: str
    recipient: Recipient
    reason: str
    set_aside_at: datetime


@dataclass(frozen=True)
class InboxItem:
    """One notice in a member's in-app inbox."""

    id: UUID
    notice_type: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class InboxPage:
    """A member's notices, newest first, and how many are unread."""

    items: list[InboxItem]
    unread: int


@dataclass(frozen=True)
class ScheduledReminder:
    """A reminder timer: who is reminded of what, when, and whether it is still pending."""

    key: str
    kind: str
    notice_type: str | None
    recipient: Recipient | None
    due_at: datetime
    status: str
    fired_at: datetime | None
