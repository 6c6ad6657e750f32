"""The idempotent consumer: inbox dedup, bounded retries, dead letters. Independent of FastStream."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar, cast

import asyncpg
from pydantic import BaseModel, ValidationError

from outreach_shared.bulkheads import describe, is_transient, must_set_aside
from outreach_shared.contracts import Envelope, new_envelope
from outreach_shared.contracts.catalogue import UnknownEventType, spec_for
from outreach_shared.db import stateless_connection
from outreach_shared.errors import PermanentEventError
from outreach_shared.logging import bound, get_logger
from outreach_shared.metrics import EVENTS, SET_ASIDE
from outreach_shared.outbox import enqueue

log = get_logger(__name__)


@dataclass(frozen=True)
class Record:
    """One Kafka record as the consumer sees it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class HandlerContext:
    """What a handler gets: the transaction's connection and the incoming envelope."""

    conn: asyncpg.Connection
    envelope: Envelope
    producer: str
    emitted: list[Envelope] = field(default_factory=list)
    """The events emitted in this transaction so far, in order (shared by the handlers of a batch): the consumer
    writes them to the outbox in one statement before it commits (so a savepoint the handler rolls back does not
    take back what it emitted: emit after it, as staffing does)."""
    deferred: dict[str, "Deferred"] = field(default_factory=dict)
    """Work the handlers of this transaction put off until it is about to commit, by name (shared by the handlers
    of a batch): each is flushed once, in the order first added, after the last handler and before the emitted
    events are written. A service gathers a batch's set-based work there (notify plans a batch's notices in one
    statement instead of one per event)."""

    def defer(self, name: str, new: Callable[[], "D"]) -> "D":
        """The transaction's deferred work called `name`, made with `new` the first time."""
        work = self.deferred.get(name)
        if work is None:
            work = self.deferred[name] = new()
        return cast("D", work)

    async def emit(self, event: BaseModel, *, key: str) -> Envelope:
        """Emit an event caused by the incoming one: it is written to the outbox in this transaction."""
        envelope = new_envelope(
            event,
            key=key,
            producer=self.producer,
            correlation_id=self.envelope.correlation_id,
            causation_id=str(self.envelope.event_id),
        )
        self.emitted.append(envelope)
        return envelope


class Deferred(Protocol):
    """Work gathered by a transaction's handlers, done once before it commits."""

    async def flush(self, conn: asyncpg.Connection) -> None:
        """Do the gathered work in the transaction of `conn`."""


D = TypeVar("D", bound=Deferred)


class Defers(Protocol):
    """Anything a handler can put work off on until its transaction commits (HandlerContext, a unit of work)."""

    def defer(self, name: str, new: Callable[[], D]) -> D:
        """The transaction's deferred work called `name`, made with `new` the first time."""


class Statements:
    """Deferred work: statements whose results no handler reads, gathered over a transaction's handlers and run
    once per distinct SQL with every row of arguments (asyncpg's `executemany` pipelines the rows in one round trip
    instead of one per event), the SQLs in the order first added."""

    NAME = "outreach.statements"

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[Any, ...]]] = {}

    def add(self, sql: str, *args: Any) -> None:
        """Run `sql` with `args` at the flush."""
        self.rows.setdefault(sql, []).append(args)

    async def flush(self, conn: asyncpg.Connection) -> None:
        """Run every gathered statement (in the open transaction)."""
        for sql, rows in self.rows.items():
            await conn.executemany(sql, rows)
        self.rows.clear()


def execute_later(unit: Defers, sql: str, *args: Any) -> None:
    """Run `sql` with `args` in the handler's transaction just before it commits, together with the same statement
    of every other event of the batch (one round trip for all their rows).

    For effects the handler does not read back: a statement run now in the same transaction does not see them. A
    failing row fails the whole batch, which is then handled again one event at a time (each with its retries and
    dead letter), as any handler error is.
    """
    unit.defer(Statements.NAME, Statements).add(sql, *args)


async def _flush(conn: asyncpg.Connection, deferred: dict[str, Deferred]) -> None:
    for work in deferred.values():
        await work.flush(conn)


Handler = Callable[[HandlerContext, Any], Awaitable[None]]
"""Handles one event in the consumer's transaction, leaving no session state on the connection (transaction-level
advisory locks, SET LOCAL): it goes back to the pool without a reset (db.stateless_connection)."""
DeadLetterSink = Callable[[Record, str, int], Awaitable[None]]
"""Sends (record, reason, attempts) to the dead-letter topic."""


class Outcome(StrEnum):
    """What happened to a record."""

    HANDLED = "handled"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


def is_infrastructure_error(exc: BaseException) -> bool:
    """Errors that mean 'the database is away' or 'try again', retried without limit rather than dead-lettered (the
    kit's one definition: `bulkheads.is_transient`)."""
    return is_transient(exc)


def describe_validation_error(exc: ValidationError) -> str:
    """A validation error as text that never repeats the input (it may hold personal data)."""
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
        for e in exc.errors(include_input=False, include_url=False, include_context=False)
    ]
    return "; ".join(parts)[:500]


class EventConsumer:
    """Handles records for one consumer name: each event has one effect, poison goes to dead letters."""

    def __init__(
        self,
        *,
        name: str,
        pool: asyncpg.Pool,
        handlers: Mapping[str, Handler],
        dead_letter: DeadLetterSink,
        max_attempts: int = 5,
        backoff_seconds: float = 0.2,
        max_backoff_seconds: float = 5.0,
        parallel: int = 3,
        service: str = "",
    ) -> None:
        self.name = name
        self._service = service or name
        self._pool = pool
        self._handlers = dict(handlers)
        self._dead_letter = dead_letter
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._shares = max(1, parallel)
        self._share_locks = [asyncio.Lock() for _ in range(self._shares)]
        """One per share: a key always falls in the same share, so batches handed over one after another (while the
        one before is still being handled) keep each key's order: a share waits for the same share of the batch
        before it (asyncio's locks are first come, first served)."""

    @property
    def event_types(self) -> list[str]:
        """The event types this consumer handles."""
        return sorted(self._handlers)

    async def handle(self, record: Record) -> Outcome:
        """Handle one record; returns only once it may be committed."""
        outcome = await self._handle(record)
        EVENTS.labels(self.name, outcome.value).inc()
        return outcome

    async def _handle(self, record: Record) -> Outcome:
        if record.value is None:
            return Outcome.IGNORED  # a compaction tombstone
        try:
            envelope = Envelope.from_bytes(record.value)
        except ValidationError as exc:
            return await self._reject(record, f"not an event envelope: {describe_validation_error(exc)}", 1)
        with bound(
            event_id=str(envelope.event_id),
            correlation_id=envelope.correlation_id,
            event_type=envelope.type,
            consumer=self.name,
        ):
            return await self._handle_envelope(record, envelope)

    async def _handle_envelope(self, record: Record, envelope: Envelope) -> Outcome:
        try:
            spec = spec_for(envelope.type)
        except UnknownEventType:
            return await self._reject(record, f"unknown event type {envelope.type!r}", 1)
        if envelope.schema_version != spec.version:
            reason = f"unsupported schema version {envelope.schema_version} of {envelope.type} (want {spec.version})"
            return await self._reject(record, reason, 1)
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return Outcome.IGNORED
        try:
            payload = spec.model.model_validate(envelope.payload)
        except ValidationError as exc:
            return await self._reject(record, f"invalid payload: {describe_validation_error(exc)}", 1)
        return await self._run_with_retries(record, envelope, handler, payload)

    async def _run_with_retries(
        self, record: Record, envelope: Envelope, handler: Handler, payload: Any
    ) -> Outcome:
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._run_once(envelope, handler, payload)
            except PermanentEventError as exc:
                return await self._reject(record, f"impossible event: {exc}", attempt)
            except Exception as exc:
                if is_transient(exc):
                    log.warning(
                        "infrastructure unavailable; retrying", attempt=attempt, error=type(exc).__name__
                    )
                elif must_set_aside(exc, attempts=attempt, max_attempts=self._max_attempts):
                    return await self._reject(record, f"handler failed after {attempt} attempts: {describe(exc)}",
                                                 attempt)
                else:
                    log.warning("handler failed; retrying", attempt=attempt, error=type(exc).__name__)
                await asyncio.sleep(min(self._backoff * 2 ** (attempt - 1), self._max_backoff))

    async def _run_once(self, envelope: Envelope, handler: Handler, payload: Any) -> Outcome:
        async with stateless_connection(self._pool) as conn, conn.transaction():
            first_time = await conn.fetchval(
                "INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING RETURNING true",
                self.name,
                envelope.event_id,
                envelope.type,
            )
            if not first_time:
                log.info("duplicate event absorbed")
                return Outcome.DUPLICATE
            context = HandlerContext(conn=conn, envelope=envelope, producer=self.name)
            await handler(context, payload)
            await _flush(conn, context.deferred)
            await enqueue(conn, *context.emitted)
        log.info("event handled")
        return Outcome.HANDLED

    async def handle_batch(self, records: Sequence[Record]) -> list[Outcome]:
        """Handle a fetched batch in up to `parallel` transactions side by side, returning once all committed.

        Records are shared out by key (by partition when keyless), so the records of one aggregate stay in one share
        and in their order; each share is one transaction on its own connection, and falls back to one record at a
        time when anything in it fails. A handler waits on Postgres for each statement: shares side by side keep
        several of those round trips in flight instead of one.
        """
        shares: dict[int, list[int]] = {}
        for i, record in enumerate(records):
            share_of = hash(record.key) if record.key is not None else hash((record.topic, record.partition))
            shares.setdefault(share_of % self._shares, []).append(i)
        if len(shares) == 1:
            (share,) = shares
            async with self._share_locks[share]:
                return await self._handle_share(records)
        outcomes: list[Outcome] = [Outcome.IGNORED] * len(records)

        async def handle_share(share: int, indexes: list[int]) -> None:
            async with self._share_locks[share]:
                handled = await self._handle_share([records[i] for i in indexes])
            for i, outcome in zip(indexes, handled, strict=True):
                outcomes[i] = outcome

        await asyncio.gather(*(handle_share(share, indexes) for share, indexes in shares.items()))
        return outcomes

    async def _handle_share(self, records: Sequence[Record]) -> list[Outcome]:
        """Records in one transaction; if anything in it fails, one by one."""
        prepared: list[tuple[Record, Envelope, Handler, Any]] = []
        for record in records:
            ready = self._prepare(record)
            if ready is None:  # poison or not ours: the careful path decides (and dead-letters)
                return [await self.handle(r) for r in records]
            if isinstance(ready, tuple):
                prepared.append(ready)
        if not prepared:
            return [Outcome.IGNORED] * len(records)
        try:
            await self._run_batch(prepared)
        except Exception as exc:
            log.warning("batch failed; handling one by one", error=type(exc).__name__, size=len(records))
            return [await self.handle(r) for r in records]
        EVENTS.labels(self.name, Outcome.HANDLED.value).inc(len(prepared))
        EVENTS.labels(self.name, Outcome.IGNORED.value).inc(len(records) - len(prepared))
        return [Outcome.HANDLED] * len(records)

    def _prepare(self, record: Record) -> "tuple[Record, Envelope, Handler, Any] | Outcome | None":
        """Parse and validate without side effects: a tuple to handle, IGNORED, or None for poison."""
        if record.value is None:
            return Outcome.IGNORED
        try:
            envelope = Envelope.from_bytes(record.value)
            spec = spec_for(envelope.type)
        except (ValidationError, UnknownEventType):
            return None
        if envelope.schema_version != spec.version:
            return None
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return Outcome.IGNORED
        try:
            return record, envelope, handler, spec.model.model_validate(envelope.payload)
        except ValidationError:
            return None

    async def _run_batch(self, prepared: list[tuple[Record, Envelope, Handler, Any]]) -> None:
        async with stateless_connection(self._pool) as conn, conn.transaction():
            new_ids = {
                row["event_id"]
                for row in await conn.fetch(
                    "INSERT INTO inbox (consumer, event_id, event_type) "
                    "SELECT $1, e, t FROM unnest($2::uuid[], $3::text[]) AS x(e, t) "
                    "ON CONFLICT DO NOTHING RETURNING event_id",
                    self.name, [p[1].event_id for p in prepared], [p[1].type for p in prepared],
                )
            }
            handled: list[str] = []
            emitted: list[Envelope] = []
            deferred: dict[str, Deferred] = {}
            for _, envelope, handler, payload in prepared:
                if envelope.event_id not in new_ids:
                    continue  # already handled, or a duplicate within this batch
                new_ids.discard(envelope.event_id)
                handled.append(str(envelope.event_id))
                with bound(event_id=handled[-1], correlation_id=envelope.correlation_id,
                           event_type=envelope.type, consumer=self.name):
                    await handler(HandlerContext(conn, envelope, self.name, emitted, deferred), payload)
            await _flush(conn, deferred)
            await enqueue(conn, *emitted)
        # One line per batch: a line per event cost a quarter of the consumer's time at INFO.
        log.info("batch handled", consumer=self.name, size=len(prepared), handled=len(handled))
        log.debug("batch events", consumer=self.name, event_ids=handled)

    async def _reject(self, record: Record, reason: str, attempts: int) -> Outcome:
        """Set the record aside: to the dead-letter topic with the reason, counted; the partition goes on."""
        SET_ASIDE.labels(self._service, f"consumer:{self.name}").inc()
        log.error(
            "dead-lettering record",
            reason=reason,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
        delay = self._backoff
        while True:  # the partition must not move on before the dead letter is safely written
            try:
                await self._dead_letter(record, reason, attempts)
                return Outcome.DEAD_LETTERED
            except Exception as exc:
                log.warning("dead-letter publish failed; retrying", error=type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_backoff)
