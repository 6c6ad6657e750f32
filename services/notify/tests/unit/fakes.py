"""Notify's repositories and ports in memory, for service-layer tests without infrastructure."""

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from notify.domain.calendars import Holding
from notify.domain.deliveries import Delivery, InboxWrite, PlannedNotice, Unreadable
from notify.domain.drafts import VisitInfo
from notify.domain.feeds import FeedEntry, FeedInfo, FeedOwner
from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from notify.domain.preferences import Preferences
from notify.domain.recipients import Contact, RecipientsState
from notify.domain.rendered import Email, Rendered
from notify.service_layer.ports import DeliveryError, Units
from notify.service_layer.unit_of_work import Config, NotifyUnit
from outreach_dev.testing.fakes import MovableClock, in_memory


@dataclass
class Row:
    """A delivery as the fake stores it: the delivery and its mutable state."""

    delivery: Delivery
    status: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    waiting_for: str | None = None
    set_aside: bool = False


class FakeDeliveries:
    """The deliveries repository in memory (due means pending; leases are not modelled)."""

    def __init__(self) -> None:
        self.rows: dict[UUID, Row] = {}
        self.unreadable: list[Unreadable] = []
        self.planned: list[PlannedNotice] = []
        self.inbox: list[InboxWrite] = []

    def add(self, delivery: Delivery) -> Delivery:
        self.rows[delivery.id] = Row(delivery)
        return delivery

    async def create_notices(self, planned: Sequence[PlannedNotice]) -> int:
        self.planned.extend(planned)
        return sum(len(p.channels) for p in planned)

    async def lock_due_batch(self, limit: int, *, inbox: bool, expired_leases: bool = True) -> list[Any]:
        due = [r.delivery for r in self.rows.values()
               if r.status == "pending" and (r.delivery.channel == "inbox") == inbox]  # fmt: skip
        unread, self.unreadable = self.unreadable, []
        return [*unread, *due][:limit]

    async def mark_attempts(self, delivery_ids: list[UUID], lease_seconds: float) -> dict[UUID, int]:
        for i in delivery_ids:
            self.rows[i].status, self.rows[i].attempts = "sending", self.rows[i].attempts + 1
        return {i: self.rows[i].attempts for i in delivery_ids}

    async def mark_attempt(self, delivery_id: UUID, lease_seconds: float) -> int:
        return (await self.mark_attempts([delivery_id], lease_seconds))[delivery_id]

    async def clear_contexts(self, notice_ids: Sequence[UUID]) -> None:
        self.cleared = [*getattr(self, "cleared", []), *notice_ids]

    async def finish_sent(self, attempts: list[tuple[UUID, int]]) -> set[UUID]:
        return {i for i, a in attempts if await self.finish(i, a, status="sent")}

    async def finish(self, delivery_id: UUID, attempt: int, *, status: str, error: str | None = None,
                     retry_at: datetime | None = None) -> bool:  # fmt: skip
        row = self.rows[delivery_id]
        if row.attempts != attempt or row.status != "sending":
            return False
        row.status, row.last_error = status, error
        return True

    async def release(self, attempts: list[tuple[UUID, int]]) -> None:
        for i, _ in attempts:
            self.rows[i].status, self.rows[i].attempts = "pending", self.rows[i].attempts - 1

    async def hold(self, delivery_id: UUID, until: datetime, reason: str) -> None:
        self.rows[delivery_id].status, self.rows[delivery_id].waiting_for = "held", reason

    async def cancel(self, delivery_id: UUID) -> None:
        self.rows[delivery_id].status = "cancelled"

    async def mark_set_aside(self, delivery_id: UUID) -> None:
        self.rows[delivery_id].set_aside = True

    async def set_aside_unread(self, delivery_id: UUID, reason: str) -> None:
        self.rows[delivery_id] = Row(self.rows[delivery_id].delivery, "failed", 1, reason, set_aside=True)

    async def create_fallback(self, delivery: Delivery, channel: str) -> UUID | None:
        fallback = replace(delivery, id=uuid4(), channel=channel, fallback_of=delivery.id)
        return self.add(fallback).id

    async def deliver_to_inbox(self, items: Sequence[InboxWrite]) -> None:
        for item in items:
            self.inbox.append(item)
            self.rows[item.delivery_id].status = "sent"

    async def cancel_reminders(self, subject: str, notice_types: list[str]) -> int:
        return 0

    async def wake_waiting(self, recipient: Recipient) -> None:
        pass


class FakeReadModels:
    """Contacts, preferences, visits and gatherings in memory."""

    def __init__(self, *contacts: Contact) -> None:
        self.contacts = {c.recipient: c for c in contacts}
        self.preferences: dict[str, Preferences] = {}
        self.erased: set[Recipient] = set()
        self.visits: dict[str, VisitInfo] = {}
        self.gatherings: dict[str, str] = {}

    async def lock_recipients(self, recipients: Iterable[Recipient], *, exclusive: bool = False) -> None:
        pass

    async def try_lock_recipient(self, recipient: Recipient) -> bool:
        return True

    async def get_recipients_state(self, recipients: Iterable[Recipient], *, contacts: bool = False) -> RecipientsState:
        wanted = set(recipients)
        return RecipientsState(
            erased=frozenset(wanted & self.erased),
            preferences={r.ref: self.preferences[r.ref] for r in wanted if r.ref in self.preferences},
            contacts={r: self.contacts[r] for r in wanted if contacts and r in self.contacts},
        )

    async def get_contact(self, recipient: Recipient) -> Contact | None:
        return self.contacts.get(recipient)

    async def first_names(self, recipients: list[Recipient]) -> dict[Recipient, str]:
        return {r: c.first_name for r in recipients if (c := self.contacts.get(r)) is not None and c.first_name}

    async def upsert_contact(self, contact: Contact) -> None:
        self.contacts[contact.recipient] = contact

    async def upsert_visit(self, visit: VisitInfo) -> None:
        self.visits[visit.visit_id] = visit

    async def get_visit(self, visit_id: str) -> VisitInfo | None:
        return self.visits.get(visit_id)

    async def upsert_gathering(self, gathering_id: str, title: str) -> None:
        self.gatherings[gathering_id] = title

    async def gathering_title(self, gathering_id: str) -> str | None:
        return self.gatherings.get(gathering_id)


class FakeHoldings:
    """Calendar holdings in memory."""

    def __init__(self) -> None:
        self.held: dict[tuple[str, Recipient], Holding] = {}

    async def get(self, uid: str, recipient: Recipient) -> Holding | None:
        return self.held.get((uid, recipient))

    async def get_many(self, uid: str, recipients: Iterable[Recipient]) -> dict[Recipient, Holding]:
        return {r: self.held[(uid, r)] for r in recipients if (uid, r) in self.held}

    async def record(self, drafts: Iterable[NoticeDraft], *, at: object = None) -> None:
        for d in drafts:
            if d.calendar is not None:
                self.held[(d.calendar.uid, d.recipient)] = Holding(d.recipient, d.calendar)


class FakeTimers:
    """Timers in memory: (kind, key) -> (due_at, payload)."""

    def __init__(self) -> None:
        self.pending: dict[tuple[str, str], tuple[datetime, dict[str, Any] | None]] = {}

    async def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None) -> None:
        self.pending[(kind, key)] = (due_at, payload)

    async def cancel_matching(self, prefix: str) -> int:
        gone = [k for k in self.pending if k[1].startswith(prefix)]
        for k in gone:
            del self.pending[k]
        return len(gone)


class RecordingEmail:
    """An e-mail provider that accepts everything, except the addresses told to refuse (permanently)."""

    def __init__(self, *refused: str) -> None:
        self.sent: list[Email] = []
        self.refused = set(refused)

    async def send(self, email: Email) -> None:
        if email.to in self.refused:
            raise DeliveryError("SMTP 550 5.1.1 No such user", permanent=True)
        self.sent.append(email)


class RecordingSms:
    """An SMS provider that accepts everything."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, *, to: str, text: str, reference: str) -> None:
        self.sent.append((to, text))


class FakeRenderer:
    """Renders a notice as its type and context; a context with `broken` cannot be rendered (as a date out of range)."""

    def render(self, notice_type: NoticeType, lang: str, context: dict[str, Any],
               recipient_name: str | None = None) -> Rendered:  # fmt: skip
        if context.get("broken"):
            raise OverflowError("date value out of range")
        subject = f"{notice_type.value} ({lang}) to {recipient_name}"
        return Rendered(subject=subject, text="text", html="<p>html</p>", sms="sms")


@dataclass
class Store:
    """What a worker's units of work share in memory: the repositories, the clock, and every event emitted."""

    deliveries: FakeDeliveries = field(default_factory=FakeDeliveries)
    read_models: FakeReadModels = field(default_factory=FakeReadModels)
    clock: MovableClock = field(default_factory=MovableClock)
    emitted: list[Any] = field(default_factory=list)

    def units(self) -> Units:
        """Opens units of work over the fakes (their events collected in `emitted` as each one ends)."""

        @asynccontextmanager
        async def open_unit() -> AsyncIterator[NotifyUnit]:
            uow = in_memory(NotifyUnit, now=self.clock.now(), deliveries=self.deliveries,
                            read_models=self.read_models)  # fmt: skip
            yield uow
            self.emitted.extend(uow.scope.emitted)

        return open_unit


def delivery(recipient: Recipient, channel: str = "email", *, urgent: bool = False, **context: Any) -> Delivery:
    """A pending delivery of a visit offer to `recipient`."""
    return Delivery(id=uuid4(), notice_id=uuid4(), event_id=uuid4(), recipient=recipient, channel=channel,
                    status="pending", attempts=0, fallback_of=None, notice_type=NoticeType.VISIT_OFFERED,
                    urgent=urgent, context=dict(context), calendar=None, correlation_id="c-1")  # fmt: skip


def unit(**repositories: Any) -> NotifyUnit:
    """A notify unit of work in memory handling one event, with the given fake repositories."""
    uow = in_memory(NotifyUnit, **({"feeds": FakeFeeds()} | repositories))
    uow.scope.causation_id = str(uuid4())
    uow.config = Config(organisers=["koordinator@ks.example.org"])
    return uow


class FakeFeeds:
    """Calendar feeds in memory: by owner, with what each scope holds given by the test."""

    def __init__(self) -> None:
        self.feeds: dict[str, tuple[bytes, FeedOwner, datetime]] = {}
        self.held: dict[str, list[FeedEntry]] = {}
        self.places: dict[str, tuple[str, str]] = {}

    async def rotate(self, owner: FeedOwner, secret_hash: bytes, *, at: datetime) -> FeedInfo:
        self.feeds[owner.key] = (secret_hash, owner, at)
        return FeedInfo(owner.key, at)

    async def get(self, owner: FeedOwner) -> FeedInfo | None:
        found = self.feeds.get(owner.key)
        return FeedInfo(owner.key, found[2]) if found else None

    async def delete(self, owner_key: str) -> bool:
        return self.feeds.pop(owner_key, None) is not None

    async def entries(self, secret_hash: bytes, *, since: datetime) -> tuple[datetime, list[FeedEntry]] | None:
        for stored, owner, at in self.feeds.values():
            if stored == secret_hash:
                held = self.held.get(owner.scope.ref, [])
                return at, [e for e in held if not e.event.cancelled or e.changed_at > since]
        return None

    async def place_visit(self, *, visit_id: str, uid: str, school: str, orgnr: str, kommune: str) -> None:
        self.places[visit_id] = (orgnr, kommune)
