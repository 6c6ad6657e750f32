"""The operations view: what a service's loops set aside, for organisers (`GET /v1/operations/set-aside`).

The kit lists its own tables' set-aside rows (timers, outbox) and the `set_aside` table, where a loop with no row of
its own to mark (a housekeeping chore) records what it set aside; a service adds its own sources in its wiring
(notify: the deliveries it could not render). Dead letters are listed by notify's digest and `outreach dead-letters`.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime

import asyncpg
from pydantic import BaseModel

from outreach_shared.bulkheads import count_set_aside, describe


class SetAsideItem(BaseModel):
    """One item a loop set aside: which loop, what it is, why, and when."""

    loop: str
    """`timers`, `outbox`, or a service's own loop (`deliveries`)."""
    kind: str
    """The timer's kind, the outbox row's topic, the delivery's channel."""
    key: str
    """The item's own id: the timer's key, the event id, the delivery id."""
    reason: str
    set_aside_at: datetime
    subject: str | None = None
    """What it concerns, where known: the aggregate id of an event, the recipient of a delivery."""


SetAsideSource = Callable[[asyncpg.Connection, int], Awaitable[list[SetAsideItem]]]
"""Lists at most `limit` of one loop's set-aside items, newest first."""


async def set_aside_timers(conn: asyncpg.Connection, limit: int) -> list[SetAsideItem]:
    """Timers whose handler failed for good."""
    rows = await conn.fetch(
        """SELECT 'timers' AS loop, kind, key, coalesce(last_error, '') AS reason, set_aside_at FROM timers
           WHERE set_aside_at IS NOT NULL ORDER BY set_aside_at DESC LIMIT $1""",
        limit,
    )
    return [SetAsideItem.model_validate(dict(r.items())) for r in rows]


async def set_aside_events(conn: asyncpg.Connection, limit: int) -> list[SetAsideItem]:
    """Outbox rows the relay could not publish."""
    rows = await conn.fetch(
        """SELECT 'outbox' AS loop, topic AS kind, event_id::text AS key, coalesce(last_error, '') AS reason,
                  set_aside_at, key AS subject FROM outbox
           WHERE set_aside_at IS NOT NULL ORDER BY set_aside_at DESC LIMIT $1""",
        limit,
    )
    return [SetAsideItem.model_validate(dict(r.items())) for r in rows]


async def set_aside_others(conn: asyncpg.Connection, limit: int) -> list[SetAsideItem]:
    """What loops recorded in the `set_aside` table."""
    rows = await conn.fetch(
        """SELECT loop, split_part(loop, ':', 2) AS kind, key, reason, set_aside_at FROM set_aside
           ORDER BY set_aside_at DESC LIMIT $1""",
        limit,
    )
    return [SetAsideItem.model_validate(dict(r.items())) for r in rows]


async def set_aside(conn: asyncpg.Connection, *, service: str, loop: str, key: str, exc: BaseException) -> None:
    """Record (in the caller's transaction) and count an item the loop gives up on: it skips the key from then on
    (`NOT EXISTS (SELECT 1 FROM set_aside WHERE loop = ... AND key = ...)`)."""
    reason = describe(exc)
    await conn.execute(
        """INSERT INTO set_aside (loop, key, reason) VALUES ($1, $2, $3)
           ON CONFLICT (loop, key) DO UPDATE SET reason = EXCLUDED.reason, set_aside_at = now()""",
        loop,
        key,
        reason,
    )
    count_set_aside(service, loop, reason, key=key)


KIT_SOURCES: list[SetAsideSource] = [set_aside_timers, set_aside_events, set_aside_others]


async def list_set_aside(conn: asyncpg.Connection, sources: list[SetAsideSource], limit: int) -> list[SetAsideItem]:
    """Every loop's set-aside items, newest first, at most `limit`."""
    items = [item for source in sources for item in await source(conn, limit)]
    return sorted(items, key=lambda i: i.set_aside_at, reverse=True)[:limit]
