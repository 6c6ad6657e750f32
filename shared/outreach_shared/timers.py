"""Durable timers: a table of due jobs, polled with FOR UPDATE SKIP LOCKED, each run once with its effects."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from outreach_shared.bulkheads import count_set_aside, describe, is_permanent, is_transient
from outreach_shared.db import stateless_connection
from outreach_shared.logging import bound, get_logger
from outreach_shared.metrics import TIMERS_FIRED

log = get_logger(__name__)


@dataclass(frozen=True)
class Timer:
    """A job due at a time."""

    id: int
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]


TimerHandler = Callable[[asyncpg.Connection, Timer], Awaitable[None]]


async def schedule(
    conn: asyncpg.Connection, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None
) -> None:
    """Set (or move) the timer (kind, key) inside the caller's transaction."""
    await schedule_many(conn, kind, [(key, due_at, payload)])


async def schedule_many(
    conn: asyncpg.Connection, kind: str, timers: Sequence[tuple[str, datetime, dict[str, Any] | None]]
) -> None:
    """Set (or move) timers of one kind, given as (key, due_at, payload), in one statement of the caller's
    transaction. A key given twice keeps its last."""
    last = {key: (due_at, payload or {}) for key, due_at, payload in timers}
    if not last:
        return
    await conn.execute(
        """
        INSERT INTO timers (kind, key, due_at, payload)
        SELECT $1, t.key, t.due_at, t.payload
        FROM unnest($2::text[], $3::timestamptz[], $4::jsonb[]) AS t(key, due_at, payload)
        ON CONFLICT (kind, key) DO UPDATE
            SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, status = 'pending', attempts = 0,
                set_aside_at = NULL
        """,
        kind,
        list(last),
        [due for due, _ in last.values()],
        [payload for _, payload in last.values()],
    )


async def cancel(conn: asyncpg.Connection, kind: str, key: str) -> bool:
    """Cancel a pending timer; True if there was one."""
    result = await conn.execute(
        "UPDATE timers SET status = 'cancelled' WHERE kind = $1 AND key = $2 AND status = 'pending'",
        kind,
        key,
    )
    return result.endswith(" 1")


async def cancel_matching(conn: asyncpg.Connection, key_prefix: str) -> int:
    """Cancel every pending timer whose key starts with `key_prefix`; returns how many."""
    result = await conn.execute(
        "UPDATE timers SET status = 'cancelled' WHERE status = 'pending' AND starts_with(key, $1)", key_prefix
    )
    return int(result.split()[-1])


class TimerRepository:
    """A unit of work's durable timers: set, moved and cancelled in its transaction, with the state they belong to."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None) -> None:
        """Set (or move) the timer (kind, key)."""
        await schedule(self.conn, kind, key, due_at, payload)

    async def schedule_many(self, kind: str, due: Sequence[tuple[str, datetime, dict[str, Any] | None]]) -> None:
        """Set (or move) timers of one kind, given as (key, due_at, payload), in one statement."""
        await schedule_many(self.conn, kind, due)

    async def cancel(self, kind: str, key: str) -> None:
        """Cancel the pending timer (kind, key), if any."""
        await cancel(self.conn, kind, key)

    async def cancel_matching(self, key_prefix: str) -> None:
        """Cancel every pending timer whose key starts with `key_prefix`."""
        await cancel_matching(self.conn, key_prefix)


class TimerRunner:
    """Fires due timers: each in its own transaction with its handler's effects, so it runs once."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        handlers: Mapping[str, TimerHandler],
        *,
        poll_seconds: float = 1.0,
        batch_size: int = 100,
        max_attempts: int = 5,
        service: str = "",
    ) -> None:
        self._pool = pool
        self._service = service
        self._handlers = dict(handlers)
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._max_attempts = max_attempts

    async def run(self) -> None:
        """Fire due timers until cancelled."""
        while True:
            try:
                fired = await self.fire_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("timer poll failed", error=type(exc).__name__)
                fired = 0
            if fired < self._batch_size:
                await asyncio.sleep(self._poll_seconds)

    async def fire_due(self) -> int:
        """Fire every timer due now (up to a batch); returns how many were fired."""
        fired = 0
        for _ in range(self._batch_size):
            if not await self._fire_one():
                break
            fired += 1
        return fired

    async def _fire_one(self) -> bool:
        async with stateless_connection(self._pool) as conn, conn.transaction():  # transactional only
            row = await conn.fetchrow(
                """
                SELECT id, kind, key, due_at, payload FROM timers
                WHERE status = 'pending' AND due_at <= now() AND kind = ANY($1::text[])
                ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED
                """,
                list(self._handlers),
            )
            if row is None:
                return False
            timer = Timer(**dict(row.items()))
            with bound(timer_kind=timer.kind, timer_key=timer.key):
                return await self._run_handler(conn, timer)

    async def _run_handler(self, conn: asyncpg.Connection, timer: Timer) -> bool:
        """The timer is marked done first, then its handler runs, both in one savepoint: a handler that sets its
        own kind and key again (a search that goes on, a digest that sets the next) keeps that new schedule (marked
        done after the handler, the row it had just set pending again was closed, and the next search never ran)."""
        try:
            async with conn.transaction():  # a savepoint: a failing handler leaves no half effect
                await conn.execute("UPDATE timers SET status = 'done', fired_at = now() WHERE id = $1", timer.id)
                await self._handlers[timer.kind](conn, timer)
        except Exception as exc:
            if is_transient(exc):
                raise
            await self._failed(conn, timer, exc)
            return True
        TIMERS_FIRED.labels(timer.kind).inc()
        log.info("timer fired")
        return True

    async def _failed(self, conn: asyncpg.Connection, timer: Timer, exc: Exception) -> None:
        """Try the timer again later with backoff, or set it aside (status `failed`, with the reason) when retrying
        cannot mend it or it has had its attempts: the timers due after it fire all the same."""
        reason = describe(exc)
        log.warning("timer handler failed", error=type(exc).__name__, exc_info=True)
        status = await conn.fetchval(
            """UPDATE timers SET attempts = attempts + 1, last_error = $2,
               status = CASE WHEN $4 OR attempts + 1 >= $3 THEN 'failed' ELSE status END,
               set_aside_at = CASE WHEN $4 OR attempts + 1 >= $3 THEN now() END,
               due_at = now() + make_interval(secs => 2 ^ attempts) WHERE id = $1 RETURNING status""",
            timer.id,
            reason,
            self._max_attempts,
            is_permanent(exc),
        )
        if status == "failed":
            count_set_aside(self._service, "timers", reason, timer_kind=timer.kind, timer_key=timer.key)
