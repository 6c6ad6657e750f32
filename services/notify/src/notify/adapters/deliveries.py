"""SQL for notices and deliveries: create once, claim due ones, record outcomes."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from notify.domain.notices import NoticeDraft, NoticeType

DELIVERY_COLUMNS = """d.id, d.notice_id, d.event_id, d.recipient, d.channel, d.status, d.attempts,
    d.fallback_of, n.notice_type, n.urgent, n.context, n.calendar, n.correlation_id"""


@dataclass(frozen=True)
class Delivery:
    """A delivery joined with its notice, as the worker needs it."""

    id: UUID
    notice_id: UUID
    event_id: UUID
    recipient: str
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


def _delivery(row: asyncpg.Record) -> Delivery:
    values = dict(row.items())
    values["notice_type"] = NoticeType(values["notice_type"])
    return Delivery(**values)


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


async def create_notices(conn: asyncpg.Connection, planned: list[PlannedNotice]) -> int:
    """Insert notices and their deliveries in one statement; those their events already made are skipped.

    A notice that already exists for (event, recipient, type) gets no deliveries; a delivery that already exists
    for (event, recipient, channel) is not made again. A notice planned with its inbox item has that item written
    here too, and its inbox delivery stored as sent (one attempt), as the delivery worker would have. Returns the
    number of deliveries made.
    """
    if not planned:
        return 0
    channels = [(p.id, channel) for p in planned for channel in p.channels]
    items = [(p.id, *p.inbox) for p in planned if p.inbox is not None and "inbox" in p.channels]
    return await conn.fetchval(
        """WITH planned AS (
               SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                                    $7::bool[], $8::text[], $9::text[])
                   AS t(id, event_id, correlation_id, notice_type, recipient, subject, urgent, context, calendar)),
           made_notices AS (
               INSERT INTO notices (id, event_id, correlation_id, notice_type, recipient, subject, urgent, context,
                                    calendar)
               SELECT id, event_id, correlation_id, notice_type, recipient, subject, urgent, context::jsonb, calendar
               FROM planned
               ON CONFLICT DO NOTHING RETURNING id, event_id, recipient),
           items AS (
               SELECT * FROM unnest($12::uuid[], $13::text[], $14::text[]) AS i(notice_id, title, body)),
           made_deliveries AS (
               INSERT INTO deliveries (id, notice_id, event_id, recipient, channel, status, attempts, sent_at)
               SELECT gen_random_uuid(), n.id, n.event_id, n.recipient, c.channel,
                      CASE WHEN i.notice_id IS NULL THEN 'pending' ELSE 'sent' END,
                      CASE WHEN i.notice_id IS NULL THEN 0 ELSE 1 END,
                      CASE WHEN i.notice_id IS NULL THEN NULL ELSE now() END
               FROM made_notices n JOIN unnest($10::uuid[], $11::text[]) AS c(notice_id, channel)
                   ON c.notice_id = n.id
               LEFT JOIN items i ON c.channel = 'inbox' AND i.notice_id = n.id
               ON CONFLICT (event_id, recipient, channel) DO NOTHING RETURNING notice_id, channel, status),
           written AS (
               INSERT INTO inbox_items (id, notice_id, member_id, notice_type, title, body)
               SELECT gen_random_uuid(), i.notice_id, substr(n.recipient, 8), p.notice_type, i.title, i.body
               FROM items i JOIN made_deliveries m ON m.notice_id = i.notice_id AND m.channel = 'inbox'
                   AND m.status = 'sent'
               JOIN made_notices n ON n.id = i.notice_id JOIN planned p ON p.id = i.notice_id
               ON CONFLICT (notice_id) DO NOTHING)
           SELECT count(*) FROM made_deliveries""",
        [p.id for p in planned],
        [p.event_id for p in planned],
        [p.correlation_id for p in planned],
        [p.draft.notice_type.value for p in planned],
        [p.draft.recipient.key for p in planned],
        [p.draft.subject for p in planned],
        [p.draft.urgent for p in planned],
        [json.dumps(p.draft.context) for p in planned],
        [p.calendar for p in planned],
        [notice_id for notice_id, _ in channels],
        [channel for _, channel in channels],
        [notice_id for notice_id, _, _ in items],
        [title for _, title, _ in items],
        [body for _, _, body in items],
    )


async def create_delivery(
    conn: asyncpg.Connection,
    *,
    notice_id: UUID,
    event_id: UUID,
    recipient: str,
    channel: str,
    fallback_of: UUID | None = None,
) -> UUID | None:
    """Insert a delivery unless (event, recipient, channel) already has one; returns its id if new."""
    return await conn.fetchval(
        """INSERT INTO deliveries (id, notice_id, event_id, recipient, channel, fallback_of)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id, recipient, channel) DO NOTHING RETURNING id""",
        uuid4(),
        notice_id,
        event_id,
        recipient,
        channel,
        fallback_of,
    )


async def lock_due(conn: asyncpg.Connection) -> Delivery | None:
    """Lock the next due delivery (pending and due, or sending with an expired lease), skipping locked ones."""
    row = await conn.fetchrow(
        f"""SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN notices n ON n.id = d.notice_id
            WHERE (d.status = 'pending' AND d.next_attempt_at <= now())
               OR (d.status = 'sending' AND d.lease_until <= now())
            ORDER BY d.next_attempt_at LIMIT 1 FOR UPDATE OF d SKIP LOCKED"""
    )
    return _delivery(row) if row else None


async def lock_due_batch(
    conn: asyncpg.Connection, limit: int, *, inbox: bool, expired_leases: bool = True
) -> list[Delivery | Unreadable]:
    """Lock up to `limit` due inbox deliveries (or due e-mail and SMS ones), skipping locked ones: pending and due
    first, then (with `expired_leases`) those whose lease ran out.

    Two queries, each walking its own partial index in order (`deliveries_due`, `deliveries_sending`).
    """
    rows = list(
        await conn.fetch(
            f"""SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN notices n ON n.id = d.notice_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.channel = 'inbox') = $2
                ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED""",
            limit,
            inbox,
        )
    )
    if expired_leases and len(rows) < limit:
        rows += await conn.fetch(
            f"""SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN notices n ON n.id = d.notice_id
                WHERE d.status = 'sending' AND d.lease_until <= now() AND (d.channel = 'inbox') = $2
                ORDER BY d.lease_until LIMIT $1 FOR UPDATE OF d SKIP LOCKED""",
            limit - len(rows),
            inbox,
        )
    return [_read(row) for row in rows]


def _read(row: asyncpg.Record) -> Delivery | Unreadable:
    try:
        return _delivery(row)
    except ValueError as exc:  # one row that no longer reads must not fail the batch it was locked with
        return Unreadable(row["id"], exc)


async def mark_attempts(conn: asyncpg.Connection, delivery_ids: list[UUID], lease_seconds: float) -> dict[UUID, int]:
    """Count an attempt of each delivery and lease them to this worker; their attempt numbers."""
    rows = await conn.fetch(
        """UPDATE deliveries SET status = 'sending', attempts = attempts + 1, waiting_for = NULL,
               lease_until = now() + make_interval(secs => $2), updated_at = now()
           WHERE id = ANY($1::uuid[]) RETURNING id, attempts""",
        delivery_ids,
        lease_seconds,
    )
    return {row["id"]: row["attempts"] for row in rows}


async def deliver_to_inbox(conn: asyncpg.Connection, items: list[tuple[UUID, UUID, str, str, str, str]]) -> None:
    """Write inbox items (delivery, notice, member, type, title, body) and mark their deliveries sent, at once."""
    if not items:
        return
    columns = list(zip(*items, strict=True))
    await conn.execute(
        """WITH items AS (
               SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])
                   AS t(delivery_id, notice_id, member_id, notice_type, title, body)),
           written AS (
               INSERT INTO inbox_items (id, notice_id, member_id, notice_type, title, body)
               SELECT gen_random_uuid(), notice_id, member_id, notice_type, title, body FROM items
               ON CONFLICT (notice_id) DO NOTHING)
           UPDATE deliveries SET status = 'sent', attempts = attempts + 1, waiting_for = NULL, last_error = NULL,
               lease_until = NULL, sent_at = now(), updated_at = now()
           WHERE id IN (SELECT delivery_id FROM items)""",
        *[list(c) for c in columns],
    )


async def finish_sent(conn: asyncpg.Connection, attempts: list[tuple[UUID, int]]) -> set[UUID]:
    """Record `sent` for each (delivery, attempt) this worker still holds; the ids recorded."""
    if not attempts:
        return set()
    ids, numbers = zip(*attempts, strict=True)
    rows = await conn.fetch(
        """UPDATE deliveries d SET status = 'sent', last_error = NULL, lease_until = NULL, updated_at = now(),
               sent_at = now()
           FROM unnest($1::uuid[], $2::int[]) AS t(id, attempt)
           WHERE d.id = t.id AND d.attempts = t.attempt AND d.status = 'sending' RETURNING d.id""",
        list(ids),
        list(numbers),
    )
    return {row["id"] for row in rows}


async def release(conn: asyncpg.Connection, attempts: list[tuple[UUID, int]]) -> None:
    """Give back claimed attempts that were never handed to a provider (not counted, due again now)."""
    if not attempts:
        return
    ids, numbers = zip(*attempts, strict=True)
    await conn.execute(
        """UPDATE deliveries d SET status = 'pending', attempts = d.attempts - 1, lease_until = NULL,
               updated_at = now()
           FROM unnest($1::uuid[], $2::int[]) AS t(id, attempt)
           WHERE d.id = t.id AND d.attempts = t.attempt AND d.status = 'sending'""",
        list(ids),
        list(numbers),
    )


async def hold(conn: asyncpg.Connection, delivery_id: UUID, until: datetime, reason: str) -> None:
    """Put a delivery back to wait (no attempt counted): for a contact, or for quiet hours to end."""
    await conn.execute(
        """UPDATE deliveries SET status = 'pending', next_attempt_at = $2, waiting_for = $3, lease_until = NULL,
           updated_at = now() WHERE id = $1""",
        delivery_id,
        until,
        reason,
    )


async def mark_attempt(conn: asyncpg.Connection, delivery_id: UUID, lease_seconds: float) -> int:
    """Count an attempt and lease the delivery to this worker; returns the attempt number."""
    return await conn.fetchval(
        """UPDATE deliveries SET status = 'sending', attempts = attempts + 1, waiting_for = NULL,
               lease_until = now() + make_interval(secs => $2), updated_at = now()
           WHERE id = $1 RETURNING attempts""",
        delivery_id,
        lease_seconds,
    )


async def finish(
    conn: asyncpg.Connection,
    delivery_id: UUID,
    attempt: int,
    *,
    status: str,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> bool:
    """Record an attempt's outcome, only if this worker still holds that attempt; True if recorded."""
    result = await conn.execute(
        """UPDATE deliveries SET status = $3, last_error = $4, lease_until = NULL, updated_at = now(),
               next_attempt_at = coalesce($5, next_attempt_at),
               sent_at = CASE WHEN $3 = 'sent' THEN now() ELSE sent_at END
           WHERE id = $1 AND attempts = $2 AND status = 'sending'""",
        delivery_id,
        attempt,
        status,
        error,
        retry_at,
    )
    return result.endswith(" 1")


async def cancel_reminders(conn: asyncpg.Connection, subject: str, notice_types: list[str]) -> int:
    """Withdraw pending deliveries of reminder notices about a visit or gathering."""
    result = await conn.execute(
        """UPDATE deliveries SET status = 'cancelled', updated_at = now()
           WHERE status = 'pending' AND notice_id IN
               (SELECT id FROM notices WHERE subject = $1 AND notice_type = ANY($2::text[]))""",
        subject,
        notice_types,
    )
    return int(result.split()[-1])


async def wake_waiting(conn: asyncpg.Connection, recipient: str) -> None:
    """A contact arrived: deliveries waiting for it are due now."""
    await conn.execute(
        """UPDATE deliveries SET next_attempt_at = now(), updated_at = now()
           WHERE recipient = $1 AND status = 'pending' AND waiting_for = 'contact'""",
        recipient,
    )


async def list_for_recipient(conn: asyncpg.Connection, recipient: str, limit: int = 200) -> list[asyncpg.Record]:
    """A recipient's deliveries, newest first (for organisers)."""
    return await conn.fetch(
        """SELECT d.id, d.event_id, n.notice_type, d.recipient, d.channel, d.status, d.attempts, d.last_error,
                  d.waiting_for, d.next_attempt_at, d.sent_at, d.created_at, d.updated_at, d.fallback_of,
                  d.set_aside_at
           FROM deliveries d JOIN notices n ON n.id = d.notice_id
           WHERE d.recipient = $1 ORDER BY d.created_at DESC, d.channel LIMIT $2""",
        recipient,
        limit,
    )


async def mark_set_aside(conn: asyncpg.Connection, delivery_id: UUID) -> None:
    """Note when the delivery was set aside (it was recorded `failed` with the reason)."""
    await conn.execute("UPDATE deliveries SET set_aside_at = now() WHERE id = $1", delivery_id)


async def set_aside_unread(conn: asyncpg.Connection, delivery_id: UUID, reason: str) -> None:
    """Record a delivery that cannot even be read as `failed`, with the reason, set aside (one attempt)."""
    await conn.execute(
        """UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = $2, lease_until = NULL,
               set_aside_at = now(), updated_at = now() WHERE id = $1""",
        delivery_id,
        reason,
    )


async def list_set_aside(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Deliveries set aside, newest first (for the operations view)."""
    return await conn.fetch(
        """SELECT id, channel, recipient, coalesce(last_error, '') AS reason, set_aside_at FROM deliveries
           WHERE set_aside_at IS NOT NULL ORDER BY set_aside_at DESC LIMIT $1""",
        limit,
    )
