"""The school contact of each visit (personal data), stored apart so it can be erased."""

from dataclasses import dataclass

import asyncpg

from booking.domain.values import ENDED


@dataclass(frozen=True)
class Contact:
    """The school's contact person for a visit; phone in E.164."""

    name: str
    email: str
    phone: str


class ContactRepository:
    """Adds, reads and erases visit contacts."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, visit_id: str, contact: Contact) -> None:
        """Store the contact of a new visit."""
        await self._conn.execute(
            "INSERT INTO visit_contacts (visit_id, name, email, phone) VALUES ($1, $2, $3, $4)",
            visit_id,
            contact.name,
            contact.email,
            contact.phone,
        )

    async def get(self, visit_id: str) -> Contact | None:
        """The contact, or None once erased."""
        row = await self._conn.fetchrow("SELECT name, email, phone FROM visit_contacts WHERE visit_id = $1", visit_id)
        return Contact(**dict(row.items())) if row else None

    async def erase(self, visit_id: str) -> bool:
        """Delete the contact; True if there was one."""
        result = await self._conn.execute("DELETE FROM visit_contacts WHERE visit_id = $1", visit_id)
        return result.endswith(" 1")

    async def lock_expired(self, keep_days: int, limit: int, *, skip: str) -> list[str]:
        """Visits (at most `limit`, locked; those another transaction holds are skipped) that still have a contact
        although they ended, and both their date and their last change lie more than `keep_days` behind; those set
        aside by the loop `skip` are left out."""
        rows = await self._conn.fetch(
            """SELECT v.id FROM visits v JOIN visit_contacts c ON c.visit_id = v.id
               WHERE v.status = ANY($1::text[]) AND v.visit_date < now() - make_interval(days => $2)
                 AND v.updated_at < now() - make_interval(days => $2)
                 AND NOT EXISTS (SELECT 1 FROM set_aside s WHERE s.loop = $4 AND s.key = v.id)
               ORDER BY v.id LIMIT $3 FOR UPDATE OF v SKIP LOCKED""",
            list(ENDED), keep_days, limit, skip,
        )  # fmt: skip
        return [row["id"] for row in rows]
