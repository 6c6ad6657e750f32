"""The member's inbox, their preferences, and the organisers' view of deliveries."""

from typing import Any
from uuid import UUID

import asyncpg

from notify.adapters import deliveries, read_models
from notify.domain.notices import Recipient
from notify.domain.preferences import Preferences
from outreach_shared.errors import Invalid, NotFound
from outreach_shared.operations import SetAsideItem


async def list_inbox(conn: asyncpg.Connection, member_id: str, limit: int = 100) -> dict[str, Any]:
    """The member's notices, newest first, and how many are unread."""
    rows = await conn.fetch(
        """SELECT id, notice_type, title, body, created_at, read_at FROM inbox_items
           WHERE member_id = $1 ORDER BY created_at DESC, id LIMIT $2""",
        member_id,
        limit,
    )
    unread = await conn.fetchval("SELECT count(*) FROM inbox_items WHERE member_id = $1 AND read_at IS NULL", member_id)
    return {"items": [dict(r.items()) for r in rows], "unread": unread}


async def mark_read(conn: asyncpg.Connection, member_id: str, item_id: UUID) -> dict[str, Any]:
    """Mark one of the member's notices read; someone else's (or none) is NotFound."""
    row = await conn.fetchrow(
        """UPDATE inbox_items SET read_at = coalesce(read_at, now()) WHERE id = $1 AND member_id = $2
           RETURNING id, notice_type, title, body, created_at, read_at""",
        item_id,
        member_id,
    )
    if row is None:
        raise NotFound(f"no notification {item_id}")
    return dict(row.items())


async def deliveries_for(conn: asyncpg.Connection, recipient: str) -> list[dict[str, Any]]:
    """Every delivery to a recipient with its channel, status and attempts (a bare member id means that member)."""
    try:
        key = Recipient.of_query(recipient).key
    except ValueError:
        raise Invalid(
            "recipient must be member:ID (or the member's bare id), school:VISIT_ID or organiser:EMAIL",
            field="recipient",
        ) from None
    return [dict(r.items()) for r in await deliveries.list_for_recipient(conn, key)]


async def get_preferences(conn: asyncpg.Connection, member_id: str) -> Preferences:
    """The member's preferences (the defaults when none were set)."""
    return await read_models.get_preferences(conn, member_id) or Preferences()


async def set_preferences(conn: asyncpg.Connection, member_id: str, preferences: Preferences) -> Preferences:
    """Replace the member's preferences."""
    await read_models.save_preferences(conn, member_id, preferences)
    return preferences


async def set_aside_deliveries(conn: asyncpg.Connection, limit: int) -> list[SetAsideItem]:
    """Deliveries the worker set aside, for the operations view (the recipient says whose delivery log to read)."""
    return [
        SetAsideItem(loop="deliveries", kind=r["channel"], key=str(r["id"]), reason=r["reason"],
                     set_aside_at=r["set_aside_at"], subject=r["recipient"])
        for r in await deliveries.list_set_aside(conn, limit)
    ]  # fmt: skip
