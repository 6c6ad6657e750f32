"""School contacts are kept while a visit may still need them: once it has ended and a while has passed, they are
erased as an organiser would erase them, and notify is told to forget them too."""

import functools
import uuid
from dataclasses import dataclass
from typing import Protocol

import asyncpg
from pydantic import BaseModel

from booking.adapters.contacts import ContactRepository
from booking.service_layer.lifecycle import forget_contact
from booking.service_layer.unit_of_work import outbox_sink
from outreach_shared.bulkheads import is_transient
from outreach_shared.contracts import Envelope
from outreach_shared.operations import set_aside


class Enveloper(Protocol):
    """Wraps an event in this service's envelope (the runtime's `envelope`)."""

    def __call__(self, event: BaseModel, *, key: str, correlation_id: str) -> Envelope: ...


@dataclass(frozen=True)
class ExpiredContacts:
    """A housekeeping chore: the contacts of visits that ended, dated and last changed more than `keep_days` ago."""

    keep_days: int
    envelope: Enveloper
    batch: int = 500
    name: str = "visit_contacts"

    async def __call__(self, pool: asyncpg.Pool) -> int:
        """Erase what is due, a batch per transaction; how many contacts."""
        correlation_id = f"contact-retention-{uuid.uuid4()}"
        erased = 0
        while True:
            async with pool.acquire() as conn, conn.transaction():
                count = await self._erase_batch(conn, correlation_id)
            erased += count
            if count < self.batch:
                return erased

    async def _erase_batch(self, conn: asyncpg.Connection, correlation_id: str) -> int:
        emit = outbox_sink(conn, functools.partial(self.envelope, correlation_id=correlation_id))
        due = await ContactRepository(conn).lock_expired(self.keep_days, self.batch, skip=self.loop)
        for visit_id in due:
            try:
                async with conn.transaction():  # a savepoint: one contact that cannot be erased stops no other
                    await forget_contact(conn, visit_id, emit)
            except Exception as exc:
                if is_transient(exc):
                    raise
                await set_aside(conn, service="booking", loop=self.loop, key=visit_id, exc=exc)
        return len(due)

    @property
    def loop(self) -> str:
        """Where the contacts it cannot erase are set aside (and shown to organisers, to erase by hand)."""
        return f"housekeeping:{self.name}"
