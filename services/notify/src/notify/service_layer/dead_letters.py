"""Dead letters seen on the dead-letter topic: stored once per (partition, offset), reason but no payload."""

from datetime import datetime

import asyncpg


async def store(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    partition: int,
    offset: int,
    headers: dict[str, str],
) -> bool:
    """Record one dead letter; False when it was already recorded (a redelivery)."""
    at = headers.get("x-dead-lettered-at")
    result = await conn.execute(
        """INSERT INTO dead_letters (partition, "offset", topic, consumer, reason, dead_lettered_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
        partition,
        offset,
        headers.get("x-original-topic", "?"),
        headers.get("x-dead-letter-consumer", "?"),
        headers.get("x-dead-letter-reason", "")[:500],
        datetime.fromisoformat(at) if at else None,
    )
    return bool(result.endswith(" 1"))
