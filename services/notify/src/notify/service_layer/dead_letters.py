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
    """Record one dead letter; False when it was already recorded (a redelivery). Headers are whatever the record
    carries: a NUL (Postgres text holds none) is dropped, a time that is not one is left out."""
    result = await conn.execute(
        """INSERT INTO dead_letters (partition, "offset", topic, consumer, reason, dead_lettered_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
        partition,
        offset,
        _text(headers.get("x-original-topic", "?")),
        _text(headers.get("x-dead-letter-consumer", "?")),
        _text(headers.get("x-dead-letter-reason", ""))[:500],
        _time(headers.get("x-dead-lettered-at")),
    )
    return bool(result.endswith(" 1"))


def _text(value: str) -> str:
    return value.replace("\x00", "")


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
