"""The members read model: the roster's e-mail addresses, kept from the ambassadors' member events."""

import asyncpg

from portal.domain.members import RosterMember


class MemberDirectory:
    """Members by id and by e-mail address, in the portal's own schema."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def keep(self, member: RosterMember) -> None:
        """Record the member as the roster says now."""
        await self._conn.execute(
            "INSERT INTO members (member_id, email, active, language) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (member_id) DO UPDATE SET email = EXCLUDED.email, active = EXCLUDED.active, "
            "language = EXCLUDED.language, updated_at = now()",
            member.member_id, member.email, member.active, member.language,
        )  # fmt: skip

    async def forget(self, member_id: str) -> None:
        """Remove an erased member."""
        await self._conn.execute("DELETE FROM members WHERE member_id = $1", member_id)

    async def by_email(self, email: str) -> RosterMember | None:
        """The active member with this address, if any (the most recently updated if two share it)."""
        row = await self._conn.fetchrow(
            "SELECT member_id, email, active, language FROM members WHERE lower(email) = lower($1) AND active "
            "ORDER BY updated_at DESC LIMIT 1",
            email.strip(),
        )
        return RosterMember(**dict(row)) if row else None

    async def by_id(self, member_id: str) -> RosterMember | None:
        """The member with this id, active or not."""
        row = await self._conn.fetchrow(
            "SELECT member_id, email, active, language FROM members WHERE member_id = $1", member_id
        )
        return RosterMember(**dict(row)) if row else None
