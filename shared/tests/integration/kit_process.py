"""A tiny service built from the reliability kit, runnable in-process or as a process that tests kill.

Usage as a process:
  python kit_process.py relay-crash DSN SCHEMA BOOTSTRAP SUBJECT   # enqueue one event, publish it, die before marking
  python kit_process.py consume DSN SCHEMA BOOTSTRAP GROUP NAME MODE  # MODE batch|single; die in a kill- handler
"""

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path

import asyncpg

from outreach_shared import db
from outreach_shared.consumer import EventConsumer, HandlerContext
from outreach_shared.contracts import Topics, new_envelope
from outreach_shared.contracts.training import AttendanceRecorded
from outreach_shared.dead_letters import dead_letter_sink
from outreach_shared.kafka import Kafka, OutboxSender, publisher
from outreach_shared.outbox import OutboxRelay, enqueue

MIGRATIONS = Path(__file__).parent / "kit"
BROKEN_SUBJECTS: set[str] = set()
"""Subjects whose handling fails until a test 'fixes the bug' by removing them."""
EVENT_TYPE = "gathering.attendance-recorded"


def make_event(subject: str) -> AttendanceRecorded:
    """A catalogued event whose gathering_id carries the test's subject."""
    return AttendanceRecorded(gathering_id=subject, member_id=str(uuid.uuid4()))


async def open_pool(dsn: str, schema: str) -> asyncpg.Pool:
    """Migrate the kit schema and open a pool on it."""
    await db.apply_migrations(dsn, schema, MIGRATIONS)
    return await db.create_pool(dsn, schema, min_size=1, max_size=5)


async def write_thing_with_event(pool: asyncpg.Pool, subject: str) -> uuid.UUID:
    """A state change and its event in one transaction."""
    envelope = new_envelope(make_event(subject), key=subject, producer="kit", correlation_id=f"corr-{subject}")
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO things (id, note) VALUES ($1, 'created')", subject)
        await enqueue(conn, envelope)
    return envelope.event_id


async def record_effect(ctx: HandlerContext, payload: AttendanceRecorded) -> None:
    """The handler: one effect row; 'poison-' subjects always fail (a ValueError: the same on every attempt), 'bug-'
    ones too (an error of no known kind, retried before it is given up); 'kill-' subjects kill the process."""
    subject = payload.gathering_id
    await ctx.conn.execute(
        "INSERT INTO effects (subject, source, event_id) VALUES ($1, 'event', $2)", subject, ctx.envelope.event_id
    )
    if subject.startswith("poison-") or subject in BROKEN_SUBJECTS:
        raise ValueError("this event can never be handled")
    if subject.startswith("bug-"):
        raise RuntimeError("a bug of some new kind")
    if subject.startswith("kill-") and os.environ.get("KIT_DIE_ON_KILL") == "1":
        os.kill(os.getpid(), signal.SIGKILL)


def kit_consumer(pool: asyncpg.Pool, broker, name: str, max_attempts: int = 3) -> EventConsumer:  # noqa: ANN001
    """The kit's consumer of attendance events."""
    return EventConsumer(
        name=name, pool=pool, handlers={EVENT_TYPE: record_effect},
        dead_letter=dead_letter_sink(publisher(broker), name), max_attempts=max_attempts, backoff_seconds=0.05,
    )


async def _relay_crash(dsn: str, schema: str, bootstrap: str, subject: str) -> None:
    pool = await open_pool(dsn, schema)
    await write_thing_with_event(pool, subject)
    send_all = OutboxSender(bootstrap, client_id="kit-relay")
    await send_all.start()

    async def send_then_die(messages: list[tuple[str, bytes, bytes]]) -> None:
        await send_all(messages)
        os.kill(os.getpid(), signal.SIGKILL)  # published, not yet marked sent

    await OutboxRelay(pool, send_then_die, schema=schema).relay_once()


async def _consume(dsn: str, schema: str, bootstrap: str, group: str, name: str, mode: str) -> None:
    pool = await open_pool(dsn, schema)
    kafka = Kafka(bootstrap, client_id="kit-consumer")
    kafka.subscribe(kit_consumer(pool, kafka.broker, name), [Topics.GATHERINGS], group_id=group,
                    batch=mode == "batch")
    await kafka.start()
    await asyncio.sleep(120)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    asyncio.run(_relay_crash(*args) if command == "relay-crash" else _consume(*args))
