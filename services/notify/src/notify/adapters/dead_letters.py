"""SQL for dead letters seen on the dead-letter topic: stored once per (partition, offset), reason but no payload;
listed newest first a page at a time, and marked when replayed."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from outreach_shared.db import named


@dataclass(frozen=True)
class StoredDeadLetter:
    """A dead letter as notify stored it: where it is on the dead-letter topic, where it came from, why, and its
    replays."""

    partition: int
    offset: int
    topic: str
    consumer: str
    event_id: str | None
    event_type: str | None
    reason: str
    dead_lettered_at: datetime | None
    received_at: datetime
    replayed_at: datetime | None
    replays: int


COLUMNS = """partition, "offset", topic, consumer, event_id, event_type, reason, dead_lettered_at, received_at,
             replayed_at, replays"""


def page_query(*, before: tuple[int, int] | None, limit: int) -> tuple[Any, ...]:
    """The SQL (and its arguments) of a page of dead letters, newest first, backwards through the primary key."""
    if before is None:
        return f"""SELECT {COLUMNS} FROM dead_letters ORDER BY partition DESC, "offset" DESC LIMIT $1""", limit
    return (f"""SELECT {COLUMNS} FROM dead_letters WHERE (partition, "offset") < ($1, $2)
                ORDER BY partition DESC, "offset" DESC LIMIT $3""", *before, limit)


class DeadLetterRepository:
    """Dead letters, over one connection (or the pool)."""

    def __init__(self, conn: asyncpg.Connection | asyncpg.Pool) -> None:
        self.conn = conn

    async def store(self, *, partition: int, offset: int, topic: str, consumer: str, reason: str,
                    dead_lettered_at: datetime | None, event_id: str | None,
                    event_type: str | None) -> bool:  # fmt: skip
        """Record one dead letter; False when it was already recorded (a redelivery)."""
        result = await self.conn.execute(*named(
            """INSERT INTO dead_letters (partition, "offset", topic, consumer, reason, dead_lettered_at, event_id,
                                         event_type)
               VALUES (:partition, :offset, :topic, :consumer, :reason, :at, :event_id, :event_type)
               ON CONFLICT DO NOTHING""",
            partition=partition, offset=offset, topic=topic, consumer=consumer, reason=reason, at=dead_lettered_at,
            event_id=event_id, event_type=event_type,
        ))  # fmt: skip
        return str(result).endswith(" 1")

    async def take_for_digest(self) -> list[dict[str, Any]]:
        """Dead letters not yet in a digest, marked as digested now."""
        rows = await self.conn.fetch(
            """UPDATE dead_letters SET digested_at = now() WHERE digested_at IS NULL
               RETURNING topic, consumer, reason, "offset" """
        )
        return [dict(r.items()) for r in rows]

    async def page(self, *, before: tuple[int, int] | None, limit: int) -> list[StoredDeadLetter]:
        """Up to `limit` dead letters, newest first (by partition and offset, through the key), before the cursor."""
        rows = await self.conn.fetch(*page_query(before=before, limit=limit))
        return [StoredDeadLetter(**dict(r.items())) for r in rows]

    async def lock(self, partition: int, offset: int) -> StoredDeadLetter | None:
        """The dead letter, locked until the transaction ends (two replays at once take turns)."""
        row = await self.conn.fetchrow(f"""SELECT {COLUMNS} FROM dead_letters WHERE partition = $1 AND "offset" = $2
                                           FOR UPDATE""", partition, offset)  # fmt: skip
        return StoredDeadLetter(**dict(row.items())) if row else None

    async def mark_replayed(self, partition: int, offset: int, *, by: str, at: datetime) -> StoredDeadLetter:
        """Note a replay: when, by whom, one more."""
        row = await self.conn.fetchrow(f"""UPDATE dead_letters SET replayed_at = $3, replayed_by = $4,
                                               replays = replays + 1
                                           WHERE partition = $1 AND "offset" = $2 RETURNING {COLUMNS}""",
                                       partition, offset, at, by)  # fmt: skip
        return StoredDeadLetter(**dict(row.items()))
