"""Transactional outbox: events are written with the state change and relayed to Kafka afterwards."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from uuid import UUID

import asyncpg

from outreach_shared.bulkheads import count_set_aside, describe, is_transient, must_set_aside
from outreach_shared.contracts import Envelope, spec_for
from outreach_shared.db import stateless_connection
from outreach_shared.logging import get_logger
from outreach_shared.metrics import OUTBOX_PUBLISHED

log = get_logger(__name__)

Message = tuple[str, bytes, bytes]
"""(topic, key, value)"""
SendAll = Callable[[Sequence[Message]], Awaitable[None]]
"""Publishes messages in the given order and returns once the broker acknowledged them all (acks=all)."""


def outbox_columns(envelopes: Sequence[Envelope]) -> tuple[list[UUID], list[str], list[str], list[str]]:
    """Outbox rows as columns (event id, topic, key, envelope JSON) for an `INSERT ... SELECT FROM unnest` (uuid[],
    text[], text[], text[]; cast the last to jsonb), in the order given."""
    return (
        [e.event_id for e in envelopes],
        [spec_for(e.type).topic for e in envelopes],
        [e.key for e in envelopes],
        [e.model_dump_json() for e in envelopes],
    )


async def enqueue(conn: asyncpg.Connection, *envelopes: Envelope) -> None:
    """Write events to the outbox inside the caller's transaction, in the order given."""
    if not envelopes:
        return
    await conn.execute(
        "INSERT INTO outbox (event_id, topic, key, envelope) SELECT e.event_id, e.topic, e.key, e.envelope::jsonb "
        "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(event_id, topic, key, "
        "envelope, n) ORDER BY e.n",
        *outbox_columns(envelopes),
    )


class OutboxRelay:
    """Publishes unsent outbox rows in order, keyed by aggregate id; one active relay per schema."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        send_all: SendAll,
        *,
        schema: str,
        poll_seconds: float = 1.0,
        batch_size: int = 1000,
        linger_seconds: float = 0.0,
        max_attempts: int = 3,
        service: str = "",
    ) -> None:
        self._pool = pool
        self._max_attempts = max_attempts
        self._service = service or schema
        self._strikes: dict[int, int] = {}
        """Failed sends of a row on its own, by outbox id, for errors that are neither transient nor permanent."""
        self._send_all = send_all
        self._schema = schema
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._linger = linger_seconds
        self._wake = asyncio.Event()

    async def run(self) -> None:
        """Relay until cancelled: wake on NOTIFY, poll as a fall-back, retry after errors."""
        while True:
            try:
                await self._run_as_leader()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
            await asyncio.sleep(self._poll_seconds)

    async def _run_as_leader(self) -> None:
        """Relay while this instance holds the schema's outbox lock; return at once when another one holds it.

        Only one relay per schema publishes, so order per aggregate holds across instances. The others ask again
        every `poll_seconds` (a blocking `pg_advisory_lock` would run into the pool's command timeout)."""
        async with self._pool.acquire() as listener:
            if not await listener.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", f"{self._schema}.outbox"):
                return
            channel = f"{self._schema}_outbox"
            await listener.add_listener(channel, self._on_notify)
            try:
                while True:
                    self._wake.clear()  # before relaying: a commit notified from here on wakes the wait below
                    await self._relay_until_empty()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
            finally:
                with contextlib.suppress(Exception):
                    await listener.remove_listener(channel, self._on_notify)
                    await listener.execute(
                        "SELECT pg_advisory_unlock(hashtext($1))", f"{self._schema}.outbox"
                    )

    async def _relay_until_empty(self) -> None:
        """Relay batches until none is left, lingering before each fetch that would find only a few rows.

        Under load every commit wakes the relay; waiting a few milliseconds lets the rows of concurrent commits
        travel in one batch (one fetch, one send, one update) instead of one cycle each.
        """
        while True:
            if self._linger:
                await asyncio.sleep(self._linger)
            if await self.relay_once() < self._batch_size:
                return

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def relay_once(self) -> int:
        """Publish one batch of unsent rows (oldest first) and mark them sent; returns how many were handled.

        When the batch fails for anything but a passing outage, its rows go one at a time, so that the row at fault
        is found and set aside (with the reason; the rows of its aggregate after it go on) instead of stopping the
        relay for every aggregate.
        """
        async with stateless_connection(self._pool) as conn:  # a SELECT and an UPDATE: no session state to reset
            # The envelope as JSON text straight from Postgres: it was validated when enqueued, and parsing and
            # serialising it again per message cost more than publishing it.
            rows = await conn.fetch(
                "SELECT id, topic, key, envelope::text AS value FROM outbox "
                "WHERE published_at IS NULL AND set_aside_at IS NULL ORDER BY id LIMIT $1",
                self._batch_size,
            )
            if not rows:
                return 0
            try:
                await self._send_all([_message(r) for r in rows])
            except Exception as exc:
                if is_transient(exc):
                    raise
                log.warning("outbox batch failed; relaying one by one", error=type(exc).__name__, size=len(rows))
                return await self._relay_one_by_one(conn, rows)
            await _mark_published(conn, [r["id"] for r in rows])
        OUTBOX_PUBLISHED.inc(len(rows))
        log.debug("outbox relayed", count=len(rows))
        return len(rows)

    async def _relay_one_by_one(self, conn: asyncpg.Connection, rows: Sequence[asyncpg.Record]) -> int:
        sent: list[int] = []
        try:
            for row in rows:
                try:
                    await self._send_all([_message(row)])
                except Exception as exc:
                    strikes = self._strikes[row["id"]] = self._strikes.get(row["id"], 0) + 1
                    if not must_set_aside(exc, attempts=strikes, max_attempts=self._max_attempts):
                        raise
                    await self._set_aside(conn, row, exc)
                    continue
                self._strikes.pop(row["id"], None)
                sent.append(row["id"])
        finally:
            await _mark_published(conn, sent)
            OUTBOX_PUBLISHED.inc(len(sent))
        return len(rows)

    async def _set_aside(self, conn: asyncpg.Connection, row: asyncpg.Record, exc: Exception) -> None:
        reason = describe(exc)
        event_id = await conn.fetchval(
            "UPDATE outbox SET set_aside_at = now(), last_error = $2 WHERE id = $1 RETURNING event_id",
            row["id"],
            reason,
        )
        self._strikes.pop(row["id"], None)
        count_set_aside(self._service, "outbox", reason, event_id=str(event_id), topic=row["topic"])


def _message(row: asyncpg.Record) -> Message:
    return row["topic"], row["key"].encode(), row["value"].encode()


async def _mark_published(conn: asyncpg.Connection, ids: list[int]) -> None:
    if ids:
        await conn.execute("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", ids)
