"""The school contact of each visit (personal data), stored apart so it can be erased."""

import asyncpg

from booking.domain.values import ENDED, Contact
from outreach_shared.contracts import Topics
from outreach_shared.db import named

_EXPIRED = """
SELECT v.id FROM visits v JOIN visit_contacts c ON c.visit_id = v.id
WHERE v.status = ANY(:ended::text[]) AND v.visit_date < now() - make_interval(days => :keep_days)
  AND v.updated_at < now() - make_interval(days => :keep_days)
  AND NOT EXISTS (SELECT 1 FROM set_aside s WHERE s.loop = :skip AND s.key = v.id)
ORDER BY v.id LIMIT :limit FOR UPDATE OF v SKIP LOCKED
"""


class ContactRepository:
    """Reads and erases visit contacts (new ones are written with their visit: adapters/new_visits.py)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def get(self, visit_id: str) -> Contact | None:
        """The contact, or None once erased."""
        sql = "SELECT name, email, phone FROM visit_contacts WHERE visit_id = :visit_id"
        row = await self._conn.fetchrow(*named(sql, visit_id=visit_id))
        return Contact(**dict(row.items())) if row else None

    async def erase(self, visit_id: str) -> bool:
        """Delete the contact and our outbox's copies of it (sent or not: unsent, nobody needs them any more);
        True if there was a contact."""
        await self._conn.execute(*named("DELETE FROM outbox WHERE topic = :topic AND key = :visit_id",
                                        topic=Topics.VISIT_CONTACTS, visit_id=visit_id))  # fmt: skip
        result = await self._conn.execute(*named("DELETE FROM visit_contacts WHERE visit_id = :visit_id",
                                                 visit_id=visit_id))  # fmt: skip
        return str(result).endswith(" 1")

    async def lock_expired(self, keep_days: int, limit: int, *, skip: str) -> list[str]:
        """Visits (at most `limit`, locked; those another transaction holds are skipped) that still have a contact
        although they ended, and both their date and their last change lie more than `keep_days` behind; those set
        aside by the loop `skip` are left out."""
        rows = await self._conn.fetch(*named(_EXPIRED, ended=list(ENDED), keep_days=keep_days, limit=limit, skip=skip))
        return [row["id"] for row in rows]
