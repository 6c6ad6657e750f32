"""Accounts by e-mail address: the roster's members, the organisers' allow-list and the school contacts."""

import json

import asyncpg

from outreach_shared.regions import Region
from portal.domain.accounts import Account


class AccountDirectory:
    """Every account an e-mail address holds, read from the portal's schema."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def for_email(self, email: str) -> list[Account]:
        """The accounts of this address (any case), organisers first, then schools, then the member."""
        rows = await self._conn.fetch(
            """
            SELECT 0 AS rank, 'organiser' AS role, organiser_id::text AS subject, region FROM organisers
             WHERE lower(email) = lower(:email) AND removed_at IS NULL
            UNION ALL
            SELECT 1, 'school', orgnr, NULL FROM school_contacts
             WHERE lower(email) = lower(:email) AND removed_at IS NULL
            UNION ALL
            SELECT 2, 'member', member_id, NULL FROM members WHERE lower(email) = lower(:email) AND active
            ORDER BY 1, 3
            """.replace(":email", "$1"),
            email.strip(),
        )
        return [Account(r["role"], r["subject"], _region(r["region"])) for r in rows]


def _region(value: object) -> Region:
    """An organiser's scope as stored: a region claim (the pool decodes jsonb; text from a raw connection), or
    NULL for national."""
    return Region.from_claim(json.loads(value) if isinstance(value, str) else value) if value else Region()
