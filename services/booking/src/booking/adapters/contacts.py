"""The school contact of each visit (personal data), stored apart so it can be erased."""

from dataclasses import dataclass

import asyncpg


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
