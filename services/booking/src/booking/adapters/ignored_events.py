"""Team events that no longer applied to their visit, kept with the reason (no personal data)."""

from uuid import UUID

import asyncpg

from outreach_shared.db import named


class IgnoredEventRepository:
    """Records ignored events."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, *, event_id: UUID, event_type: str, visit_id: str, reason: str, member_ids: list[str]) -> bool:
        """Record one ignored event; False when it was already recorded (a redelivery)."""
        return bool(await self._conn.fetchval(*named(
            "INSERT INTO ignored_events (event_id, event_type, visit_id, reason, member_ids) "
            "VALUES (:event_id, :event_type, :visit_id, :reason, :member_ids) "
            "ON CONFLICT (event_id) DO NOTHING RETURNING true",
            event_id=event_id, event_type=event_type, visit_id=visit_id, reason=reason, member_ids=member_ids,
        )))  # fmt: skip
