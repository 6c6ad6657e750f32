"""SQL for dead letters seen on the dead-letter topic: stored once per (partition, offset), reason but no payload."""

from datetime import datetime
from typing import Any

import asyncpg

from outreach_shared.db import named


class DeadLetterRepository:
    """Dead letters, over one connection (or the pool)."""

    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool) -> None:
        self.conn = conn

    async def store(self, *, partition: int, offset: int, topic: str, consumer: str, reason: str,
                    dead_lettered_at: datetime | None) -> bool:  # fmt: skip
        """Record one dead letter; False when it was already recorded (a redelivery)."""
        result = await self.conn.execute(*named(
            """INSERT INTO dead_letters (partition, "offset", topic, consumer, reason, dead_lettered_at)
               VALUES (:partition, :offset, :topic, :consumer, :reason, :at) ON CONFLICT DO NOTHING""",
            partition=partition, offset=offset, topic=topic, consumer=consumer, reason=reason, at=dead_lettered_at,
        ))  # fmt: skip
        return str(result).endswith(" 1")

    async def take_for_digest(self) -> list[dict[str, Any]]:
        """Dead letters not yet in a digest, marked as digested now."""
        rows = await self.conn.fetch(
            """UPDATE dead_letters SET digested_at = now() WHERE digested_at IS NULL
               RETURNING topic, consumer, reason, "offset" """
        )
        return [dict(r.items()) for r in rows]
