"""SQL for members' in-app inbox items."""

from uuid import UUID

import asyncpg

from notify.domain.deliveries import InboxItem, InboxPage
from outreach_shared.db import named

ITEM_COLUMNS = "id, notice_type, title, body, created_at, read_at"


class InboxRepository:
    """Members' inbox items, over one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def page(self, member_id: str, limit: int = 100) -> InboxPage:
        """The member's notices, newest first, and how many are unread."""
        rows = await self.conn.fetch(*named(
            f"""SELECT {ITEM_COLUMNS} FROM inbox_items WHERE member_id = :member_id
                ORDER BY created_at DESC, id LIMIT :limit""",
            member_id=member_id, limit=limit,
        ))  # fmt: skip
        unread = await self.conn.fetchval(*named(
            "SELECT count(*) FROM inbox_items WHERE member_id = :member_id AND read_at IS NULL", member_id=member_id
        ))  # fmt: skip
        return InboxPage([InboxItem(**dict(r.items())) for r in rows], int(unread))

    async def mark_read(self, member_id: str, item_id: UUID) -> InboxItem | None:
        """Mark one of the member's items read; None when they have no such item."""
        row = await self.conn.fetchrow(*named(
            f"""UPDATE inbox_items SET read_at = coalesce(read_at, now()) WHERE id = :id AND member_id = :member_id
                RETURNING {ITEM_COLUMNS}""",
            id=item_id, member_id=member_id,
        ))  # fmt: skip
        return InboxItem(**dict(row.items())) if row else None
