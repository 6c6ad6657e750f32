"""Housekeeping: rows that are only kept for a while are deleted once their time is up, in small batches.

Relayed outbox rows are kept a week (to look into what a service published, and for the end-to-end benchmark's
hop times), then deleted: left alone, the table grew by every event ever published and kept copies of personal data
the erasure had no reason to look for. The inbox's handled event ids go after a month, finished timers (whose
payloads may name a recipient) after three. A service adds its own purges (booking: idempotency keys) and chores, work
beyond one DELETE (booking: erasing school contacts whose visits ended a year ago). Deleting is idempotent, so every
instance may run it; each batch is a short statement or transaction of its own, never a long lock.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import asyncpg
from prometheus_client import Counter

from outreach_shared.logging import get_logger
from outreach_shared.metrics import REGISTRY
from outreach_shared.settings import ServiceSettings

log = get_logger(__name__)
PURGED = Counter(
    "outreach_housekeeping_deleted_total", "Rows housekeeping deleted, by table.", ["table"], registry=REGISTRY
)


@dataclass(frozen=True)
class Purge:
    """Rows of `table` matching `older_than`, a condition on `$1`, their retention in hours (e.g. "published_at <
    now() - make_interval(hours => $1)"), are deleted once `keep_hours` have passed."""

    table: str
    older_than: str
    keep_hours: int

    def due_rows(self) -> str:
        """The rows of one batch, at most $2 of them."""
        return f"SELECT ctid FROM {self.table} WHERE {self.older_than} LIMIT $2"  # code's own text, never input

    def statement(self) -> str:
        """One batch: at most $2 rows."""
        return f"DELETE FROM {self.table} WHERE ctid = ANY(ARRAY({self.due_rows()}))"

    @property
    def name(self) -> str:
        """The table, for logs and metrics."""
        return self.table

    async def __call__(self, pool: asyncpg.Pool) -> int:
        """Delete what is due (a chore like any other)."""
        return await purge(pool, self)


class Chore(Protocol):
    """Something the housekeeper runs: removes what is due and says how many rows. A purge is one DELETE; a chore
    may do more (booking erases expired contacts and tells notify)."""

    @property
    def name(self) -> str:
        """What it removes, for logs and metrics (a purge's table)."""
        ...

    async def __call__(self, pool: asyncpg.Pool) -> int: ...


def relayed_outbox(keep_hours: int) -> Purge:
    """Outbox rows the relay published more than `keep_hours` ago."""
    return Purge("outbox", "published_at < now() - make_interval(hours => $1)", keep_hours)


def handled_inbox(keep_hours: int) -> Purge:
    """Inbox rows (the events a consumer has handled) older than `keep_hours`. A row only guards against a
    redelivery, and Kafka redelivers no record older than its topic's retention (the broker's default: 7 days).
    Compacted topics keep each key's last record for ever, but those are snapshots whose handlers upsert: handling
    one again changes nothing."""
    return Purge("inbox", "handled_at < now() - make_interval(hours => $1)", keep_hours)


def finished_timers(keep_hours: int) -> Purge:
    """Timers that fired or were cancelled and were due more than `keep_hours` ago. Scheduling a key again arms it
    whether or not its old row is still there, so deleting one changes what fires in no way; until then a finished
    timer stays to be looked at (notify lists a visit's reminders, sent or not)."""
    return Purge("timers", "status <> 'pending' AND due_at < now() - make_interval(hours => $1)", keep_hours)


def kit_purges(settings: ServiceSettings) -> list[Purge]:
    """What every service purges from the kit's own tables."""
    return [
        relayed_outbox(settings.outbox_keep_hours),
        handled_inbox(settings.inbox_keep_hours),
        finished_timers(settings.timers_keep_hours),
    ]


async def purge(pool: asyncpg.Pool, what: Purge, *, batch: int = 5000) -> int:
    """Delete what is due, batch by batch; how many rows."""
    deleted = 0
    statement = what.statement()
    while True:
        result = await pool.execute(statement, what.keep_hours, batch)
        count = int(result.split()[-1])
        deleted += count
        if count < batch:
            return deleted


class Housekeeper:
    """Runs every purge and chore once a while (the first a minute after start-up, or sooner if the interval is
    shorter)."""

    def __init__(self, pool: asyncpg.Pool, chores: Sequence[Chore], *, every_seconds: float) -> None:
        self._pool = pool
        self._chores = list(chores)
        self._every = every_seconds

    async def run(self) -> None:
        """Purge until cancelled; a failure is logged and tried again next time."""
        await asyncio.sleep(min(self._every, 60.0))
        while True:
            await self.run_once()
            await asyncio.sleep(self._every)

    async def run_once(self) -> dict[str, int]:
        """Every purge and chore once; rows removed per table (one that failed is left out)."""
        deleted: dict[str, int] = {}
        for chore in self._chores:
            try:
                removed = await chore(self._pool)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("housekeeping failed", table=chore.name, error=type(exc).__name__)
                continue
            deleted[chore.name] = removed
            if removed:
                PURGED.labels(chore.name).inc(removed)
                log.info("housekeeping deleted rows", table=chore.name, count=removed)
        return deleted
