"""SQL for notices and deliveries: create once, claim due ones, record outcomes, erase, list."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from notify.domain.deliveries import (
    Delivery,
    DeliveryRecord,
    InboxWrite,
    PlannedNotice,
    SetAsideDelivery,
    Unreadable,
)
from notify.domain.notices import NoticeType, Recipient
from outreach_shared.db import named

DELIVERY_COLUMNS = """d.id, d.notice_id, d.event_id, d.recipient, d.channel, d.status, d.attempts,
    d.fallback_of, n.notice_type, n.urgent, n.context, n.calendar, n.correlation_id"""

CREATE_NOTICES = """
WITH planned AS (
    SELECT * FROM unnest(:ids::uuid[], :event_ids::uuid[], :correlation_ids::text[], :notice_types::text[],
                         :recipients::text[], :member_ids::text[], :subjects::text[], :urgent::bool[],
                         :contexts::text[], :calendars::text[])
        AS t(id, event_id, correlation_id, notice_type, recipient, member_id, subject, urgent, context, calendar)),
made_notices AS (
    INSERT INTO notices (id, event_id, correlation_id, notice_type, recipient, subject, urgent, context, calendar)
    SELECT id, event_id, correlation_id, notice_type, recipient, subject, urgent, context::jsonb, calendar
    FROM planned
    ON CONFLICT DO NOTHING RETURNING id, event_id, recipient),
items AS (
    SELECT * FROM unnest(:item_notices::uuid[], :item_titles::text[], :item_bodies::text[])
        AS i(notice_id, title, body)),
made_deliveries AS (
    INSERT INTO deliveries (id, notice_id, event_id, recipient, channel, status, attempts, sent_at)
    SELECT gen_random_uuid(), n.id, n.event_id, n.recipient, c.channel,
           CASE WHEN i.notice_id IS NULL THEN 'pending' ELSE 'sent' END,
           CASE WHEN i.notice_id IS NULL THEN 0 ELSE 1 END,
           CASE WHEN i.notice_id IS NULL THEN NULL ELSE now() END
    FROM made_notices n JOIN unnest(:channel_notices::uuid[], :channels::text[]) AS c(notice_id, channel)
        ON c.notice_id = n.id
    LEFT JOIN items i ON c.channel = 'inbox' AND i.notice_id = n.id
    ON CONFLICT (event_id, recipient, channel) DO NOTHING RETURNING notice_id, channel, status),
written AS (
    INSERT INTO inbox_items (id, notice_id, member_id, notice_type, title, body)
    SELECT gen_random_uuid(), i.notice_id, p.member_id, p.notice_type, i.title, i.body
    FROM items i JOIN made_deliveries m ON m.notice_id = i.notice_id AND m.channel = 'inbox' AND m.status = 'sent'
    JOIN planned p ON p.id = i.notice_id
    ON CONFLICT (notice_id) DO NOTHING)
SELECT count(*) FROM made_deliveries"""

DUE = f"""SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN notices n ON n.id = d.notice_id
WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.channel = 'inbox') = :inbox
ORDER BY d.next_attempt_at LIMIT :limit FOR UPDATE OF d SKIP LOCKED"""
LEASE_EXPIRED = f"""SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN notices n ON n.id = d.notice_id
WHERE d.status = 'sending' AND d.lease_until <= now() AND (d.channel = 'inbox') = :inbox
ORDER BY d.lease_until LIMIT :limit FOR UPDATE OF d SKIP LOCKED"""

DELIVER_TO_INBOX = """
WITH items AS (
    SELECT * FROM unnest(:delivery_ids::uuid[], :notice_ids::uuid[], :member_ids::text[], :notice_types::text[],
                         :titles::text[], :bodies::text[])
        AS t(delivery_id, notice_id, member_id, notice_type, title, body)),
written AS (
    INSERT INTO inbox_items (id, notice_id, member_id, notice_type, title, body)
    SELECT gen_random_uuid(), notice_id, member_id, notice_type, title, body FROM items
    ON CONFLICT (notice_id) DO NOTHING)
UPDATE deliveries SET status = 'sent', attempts = attempts + 1, waiting_for = NULL, last_error = NULL,
    lease_until = NULL, sent_at = now(), updated_at = now()
WHERE id IN (SELECT delivery_id FROM items)"""


def _delivery(row: asyncpg.Record) -> Delivery:
    values = dict(row.items())
    values["notice_type"] = NoticeType(values["notice_type"])
    values["recipient"] = Recipient.parse(values["recipient"])
    return Delivery(**values)


def _read(row: asyncpg.Record) -> Delivery | Unreadable:
    try:
        return _delivery(row)
    except ValueError as exc:  # one row that no longer reads must not fail the batch it was locked with
        return Unreadable(row["id"], exc)


class DeliveryRepository:
    """Notices and their deliveries, over one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def create_notices(self, planned: Sequence[PlannedNotice]) -> int:
        """Insert notices and their deliveries in one statement; those their events already made are skipped.

        A notice that already exists for (event, recipient, type) gets no deliveries; a delivery that already
        exists for (event, recipient, channel) is not made again. A notice planned with its inbox item has that
        item written here too, and its inbox delivery stored as sent (one attempt), as the delivery worker would
        have. Returns the number of deliveries made.
        """
        if not planned:
            return 0
        channels = [(p.id, channel) for p in planned for channel in p.channels]
        items = [(p.id, *p.inbox) for p in planned if p.inbox is not None and "inbox" in p.channels]
        recipients = [p.draft.recipient for p in planned]
        return int(await self.conn.fetchval(*named(
            CREATE_NOTICES,
            ids=[p.id for p in planned],
            event_ids=[p.event_id for p in planned],
            correlation_ids=[p.correlation_id for p in planned],
            notice_types=[p.draft.notice_type.value for p in planned],
            recipients=[r.key for r in recipients],
            member_ids=[r.ref if r.kind == "member" else None for r in recipients],
            subjects=[p.draft.subject for p in planned],
            urgent=[p.draft.urgent for p in planned],
            contexts=[json.dumps(p.draft.context) for p in planned],
            calendars=[p.calendar for p in planned],
            channel_notices=[notice_id for notice_id, _ in channels],
            channels=[channel for _, channel in channels],
            item_notices=[notice_id for notice_id, _, _ in items],
            item_titles=[title for _, title, _ in items],
            item_bodies=[body for _, _, body in items],
        )))  # fmt: skip

    async def create_fallback(self, delivery: Delivery, channel: str) -> UUID | None:
        """A delivery of the same notice on another channel, unless (event, recipient, channel) has one already."""
        return await self.conn.fetchval(*named(
            """INSERT INTO deliveries (id, notice_id, event_id, recipient, channel, fallback_of)
               VALUES (:id, :notice_id, :event_id, :recipient, :channel, :fallback_of)
               ON CONFLICT (event_id, recipient, channel) DO NOTHING RETURNING id""",
            id=uuid4(), notice_id=delivery.notice_id, event_id=delivery.event_id, recipient=delivery.recipient.key,
            channel=channel, fallback_of=delivery.id,
        ))  # fmt: skip

    async def lock_due_batch(
        self, limit: int, *, inbox: bool, expired_leases: bool = True
    ) -> list[Delivery | Unreadable]:
        """Lock up to `limit` due inbox deliveries (or due e-mail and SMS ones), skipping locked ones: pending and
        due first, then (with `expired_leases`) those whose lease ran out.

        Two queries, each walking its own partial index in order (`deliveries_due`, `deliveries_sending`).
        """
        rows = list(await self.conn.fetch(*named(DUE, limit=limit, inbox=inbox)))
        if expired_leases and len(rows) < limit:
            rows += await self.conn.fetch(*named(LEASE_EXPIRED, limit=limit - len(rows), inbox=inbox))
        return [_read(row) for row in rows]

    async def mark_attempts(self, delivery_ids: list[UUID], lease_seconds: float) -> dict[UUID, int]:
        """Count an attempt of each delivery and lease them to this worker; their attempt numbers."""
        rows = await self.conn.fetch(*named(
            """UPDATE deliveries SET status = 'sending', attempts = attempts + 1, waiting_for = NULL,
                   lease_until = now() + make_interval(secs => :lease), updated_at = now()
               WHERE id = ANY(:ids::uuid[]) RETURNING id, attempts""",
            ids=delivery_ids, lease=lease_seconds,
        ))  # fmt: skip
        return {row["id"]: row["attempts"] for row in rows}

    async def mark_attempt(self, delivery_id: UUID, lease_seconds: float) -> int:
        """Count an attempt and lease the delivery to this worker; returns the attempt number."""
        return (await self.mark_attempts([delivery_id], lease_seconds))[delivery_id]

    async def deliver_to_inbox(self, items: Sequence[InboxWrite]) -> None:
        """Write inbox items and mark their deliveries sent, at once."""
        if not items:
            return
        await self.conn.execute(*named(
            DELIVER_TO_INBOX,
            delivery_ids=[i.delivery_id for i in items], notice_ids=[i.notice_id for i in items],
            member_ids=[i.member_id for i in items], notice_types=[i.notice_type for i in items],
            titles=[i.title for i in items], bodies=[i.body for i in items],
        ))  # fmt: skip

    async def clear_contexts(self, notice_ids: Sequence[UUID]) -> None:
        """Empty the contexts of these notices (they held a secret that has done its work)."""
        if notice_ids:
            await self.conn.execute("UPDATE notices SET context = '{}'::jsonb WHERE id = ANY($1::uuid[])",
                                    list(notice_ids))  # fmt: skip

    async def finish_sent(self, attempts: list[tuple[UUID, int]]) -> set[UUID]:
        """Record `sent` for each (delivery, attempt) this worker still holds; the ids recorded."""
        if not attempts:
            return set()
        rows = await self.conn.fetch(*named(
            """UPDATE deliveries d SET status = 'sent', last_error = NULL, lease_until = NULL, updated_at = now(),
                   sent_at = now()
               FROM unnest(:ids::uuid[], :attempts::int[]) AS t(id, attempt)
               WHERE d.id = t.id AND d.attempts = t.attempt AND d.status = 'sending' RETURNING d.id""",
            ids=[i for i, _ in attempts], attempts=[a for _, a in attempts],
        ))  # fmt: skip
        return {row["id"] for row in rows}

    async def release(self, attempts: list[tuple[UUID, int]]) -> None:
        """Give back claimed attempts that were never handed to a provider (not counted, due again now)."""
        if not attempts:
            return
        await self.conn.execute(*named(
            """UPDATE deliveries d SET status = 'pending', attempts = d.attempts - 1, lease_until = NULL,
                   updated_at = now()
               FROM unnest(:ids::uuid[], :attempts::int[]) AS t(id, attempt)
               WHERE d.id = t.id AND d.attempts = t.attempt AND d.status = 'sending'""",
            ids=[i for i, _ in attempts], attempts=[a for _, a in attempts],
        ))  # fmt: skip

    async def hold(self, delivery_id: UUID, until: datetime, reason: str) -> None:
        """Put a delivery back to wait (no attempt counted): for a contact, or for quiet hours to end."""
        await self.conn.execute(*named(
            """UPDATE deliveries SET status = 'pending', next_attempt_at = :until, waiting_for = :reason,
                   lease_until = NULL, updated_at = now() WHERE id = :id""",
            id=delivery_id, until=until, reason=reason,
        ))  # fmt: skip

    async def cancel(self, delivery_id: UUID) -> None:
        """Cancel a delivery (its recipient was erased)."""
        await self.conn.execute(*named("UPDATE deliveries SET status = 'cancelled' WHERE id = :id", id=delivery_id))

    async def finish(
        self, delivery_id: UUID, attempt: int, *, status: str, error: str | None = None,
        retry_at: datetime | None = None,
    ) -> bool:  # fmt: skip
        """Record an attempt's outcome, only if this worker still holds that attempt; True if recorded."""
        result = await self.conn.execute(*named(
            """UPDATE deliveries SET status = :status, last_error = :error, lease_until = NULL, updated_at = now(),
                   next_attempt_at = coalesce(:retry_at, next_attempt_at),
                   sent_at = CASE WHEN :status = 'sent' THEN now() ELSE sent_at END
               WHERE id = :id AND attempts = :attempt AND status = 'sending'""",
            id=delivery_id, attempt=attempt, status=status, error=error, retry_at=retry_at,
        ))  # fmt: skip
        return str(result).endswith(" 1")

    async def cancel_reminders(self, subject: str, notice_types: list[str]) -> int:
        """Withdraw pending deliveries of reminder notices about a visit or gathering."""
        result = await self.conn.execute(*named(
            """UPDATE deliveries SET status = 'cancelled', updated_at = now()
               WHERE status = 'pending' AND notice_id IN
                   (SELECT id FROM notices WHERE subject = :subject AND notice_type = ANY(:types::text[]))""",
            subject=subject, types=notice_types,
        ))  # fmt: skip
        return int(str(result).split()[-1])

    async def wake_waiting(self, recipient: Recipient) -> None:
        """A contact arrived: deliveries waiting for it are due now.

        Also pending ones not (yet) waiting: a worker may hold one locked in its claim, about to find no contact
        (it cannot see this one before it commits) and to set it waiting. Matching those rows makes this update
        wait for that claim's lock and then look at the row again as committed, so the wait it just set is woken
        instead of lasting the whole contact wait. Rows not waiting for a contact are left as they were."""
        await self.conn.execute(*named(
            """UPDATE deliveries
               SET next_attempt_at = CASE WHEN waiting_for = 'contact' THEN now() ELSE next_attempt_at END,
                   updated_at = CASE WHEN waiting_for = 'contact' THEN now() ELSE updated_at END
               WHERE recipient = :recipient AND status = 'pending'
                 AND (waiting_for = 'contact' OR waiting_for IS NULL)""",
            recipient=recipient.key,
        ))  # fmt: skip

    async def list_for(self, recipient: Recipient, limit: int = 200, offset: int = 0) -> list[DeliveryRecord]:
        """A page of a recipient's deliveries, newest first (for organisers)."""
        rows = await self.conn.fetch(*named(
            """SELECT d.id, d.event_id, n.notice_type, d.recipient, d.channel, d.status, d.attempts, d.last_error,
                      d.waiting_for, d.next_attempt_at, d.sent_at, d.created_at, d.updated_at, d.fallback_of,
                      d.set_aside_at
               FROM deliveries d JOIN notices n ON n.id = d.notice_id
               WHERE d.recipient = :recipient ORDER BY d.created_at DESC, d.channel, d.id
               LIMIT :limit OFFSET :offset""",
            recipient=recipient.key, limit=limit, offset=offset,
        ))  # fmt: skip
        return [DeliveryRecord(**{**dict(row.items()), "recipient": recipient}) for row in rows]

    async def mark_set_aside(self, delivery_id: UUID) -> None:
        """Note when the delivery was set aside (it was recorded `failed` with the reason)."""
        await self.conn.execute(*named("UPDATE deliveries SET set_aside_at = now() WHERE id = :id", id=delivery_id))

    async def set_aside_unread(self, delivery_id: UUID, reason: str) -> None:
        """Record a delivery that cannot even be read as `failed`, with the reason, set aside (one attempt)."""
        await self.conn.execute(*named(
            """UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = :reason,
                   lease_until = NULL, set_aside_at = now(), updated_at = now() WHERE id = :id""",
            id=delivery_id, reason=reason,
        ))  # fmt: skip

    async def list_set_aside(self, limit: int) -> list[SetAsideDelivery]:
        """Deliveries set aside, newest first (for the operations view)."""
        rows = await self.conn.fetch(*named(
            """SELECT id, channel, recipient, coalesce(last_error, '') AS reason, set_aside_at FROM deliveries
               WHERE set_aside_at IS NOT NULL ORDER BY set_aside_at DESC LIMIT :limit""",
            limit=limit,
        ))  # fmt: skip
        return [SetAsideDelivery(**{**dict(row.items()), "recipient": Recipient.parse(row["recipient"])})
                for row in rows]

    async def take_failed_for_digest(self) -> list[dict[str, Any]]:
        """Failed deliveries not yet in a digest, marked as digested now."""
        rows = await self.conn.fetch(
            """UPDATE deliveries d SET digested_at = now() FROM notices n
               WHERE n.id = d.notice_id AND d.status = 'failed' AND d.digested_at IS NULL
               RETURNING n.notice_type, d.recipient, d.channel, d.attempts, coalesce(d.last_error, '') AS last_error"""
        )
        return [dict(r.items()) for r in rows]

    async def erase(self, recipient: Recipient) -> None:
        """Fold the recipient's deliveries into anonymous counts, then delete their notices (deliveries and inbox
        items go with them)."""
        await self.conn.execute(*named(
            """INSERT INTO delivery_counts (notice_type, channel, status, count)
               SELECT n.notice_type, d.channel, d.status, count(*)
               FROM deliveries d JOIN notices n ON n.id = d.notice_id
               WHERE d.recipient = :recipient GROUP BY 1, 2, 3
               ON CONFLICT (notice_type, channel, status) DO UPDATE
                   SET count = delivery_counts.count + EXCLUDED.count""",
            recipient=recipient.key,
        ))  # fmt: skip
        await self.conn.execute(*named("DELETE FROM notices WHERE recipient = :recipient", recipient=recipient.key))
