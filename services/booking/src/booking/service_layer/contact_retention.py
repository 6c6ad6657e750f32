"""School contacts are kept while a visit may still need them: once it has ended and a while has passed, they are
erased as an organiser would erase them, and notify is told to forget them too."""

import uuid
from dataclasses import dataclass

import asyncpg

from booking.adapters.contacts import ContactRepository
from booking.service_layer import lifecycle
from booking.service_layer.unit_of_work import BookingUnit
from outreach_shared.bulkheads import is_transient
from outreach_shared.operations import set_aside
from outreach_shared.skeleton import Clock, Scope, UnitFactory


@dataclass(frozen=True)
class ExpiredContacts:
    """A housekeeping chore: the contacts of visits that ended, dated and last changed more than `keep_days` ago."""

    keep_days: int
    unit: UnitFactory[BookingUnit]
    clock: Clock
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
        due = await ContactRepository(conn).lock_expired(self.keep_days, self.batch, skip=self.loop)
        for visit_id in due:
            scope = Scope(now=self.clock.now(), producer="booking", correlation_id=correlation_id)
            try:
                # a savepoint with a unit of its own: one contact that cannot be erased stops no other, and what it
                # emitted is written only if it was erased
                async with conn.transaction():
                    await lifecycle.forget_contact(self.unit(conn, scope), visit_id)
                    await scope.finish(conn)
            except Exception as exc:
                if is_transient(exc):
                    raise
                await set_aside(conn, service="booking", loop=self.loop, key=visit_id, exc=exc)
        return len(due)

    @property
    def loop(self) -> str:
        """Where the contacts it cannot erase are set aside (and shown to organisers, to erase by hand)."""
        return f"housekeeping:{self.name}"
