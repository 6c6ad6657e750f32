"""Team events that no longer applied to their visit, kept with the reason (no personal data)."""

from uuid import UUID

import asyncpg


class IgnoredEventRepository:
    """Records ignored events."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, *, event_id: UUID, event_type: str, visit_id: str, reason: str, member_ids: list[str]) -> bool:
        """Record one ignored event; False when it was already recorded (a redelivery)."""
        return bool(await self._conn.fetchval(
            "INSERT INTO ignored_events (event_id, event_type, visit_id, reason, member_ids) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING RETURNING true",
            event_id,
            event_type,
            visit_id,
            reason,
            member_ids,
        ))
