"""The roster read model and invitations in Postgres."""

from collections.abc import Sequence

import asyncpg

from outreach_shared.db import named
from training.domain.roster import RosterMember


class RosterRepository:
    """Members as this service knows them, and who is invited where."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def upsert(self, m: RosterMember) -> None:
        """Insert or update a member."""
        await self.conn.execute(*named(
            """INSERT INTO members (member_id, profession, county, active)
               VALUES (:member_id, :profession, :county, :active)
               ON CONFLICT (member_id) DO UPDATE SET
                   profession = EXCLUDED.profession, county = EXCLUDED.county,
                   active = EXCLUDED.active, updated_at = now()""",
            member_id=m.member_id, profession=m.profession, county=m.county, active=m.active,
        ))  # fmt: skip

    async def get(self, member_id: str) -> RosterMember | None:
        """The member, if known."""
        row = await self.conn.fetchrow(
            "SELECT member_id, profession, county, active FROM members WHERE member_id = $1", member_id
        )
        return RosterMember(**dict(row.items())) if row else None

    async def active_in(self, professions: Sequence[str]) -> list[RosterMember]:
        """Active members of the given professions (the candidates for a gathering's invitations)."""
        rows = await self.conn.fetch(
            "SELECT member_id, profession, county, active FROM members WHERE active AND profession = ANY($1::text[])",
            list(professions),
        )
        return [RosterMember(**dict(r.items())) for r in rows]

    async def delete(self, member_id: str) -> None:
        """Forget the member."""
        await self.conn.execute("DELETE FROM members WHERE member_id = $1", member_id)


class InvitationRepository:
    """Who is invited to which gathering, and who has been reminded."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add_many(self, gathering_id: str, member_ids: Sequence[str]) -> list[str]:
        """Invite the members in one statement; returns those not invited before."""
        rows = await self.conn.fetch(
            """INSERT INTO invitations (gathering_id, member_id) SELECT $1, unnest($2::text[])
               ON CONFLICT DO NOTHING RETURNING member_id""",
            gathering_id,
            list(member_ids),
        )
        return [r["member_id"] for r in rows]

    async def is_invited(self, gathering_id: str, member_id: str) -> bool:
        """Whether the member is invited to the gathering."""
        found = await self.conn.fetchval(
            "SELECT true FROM invitations WHERE gathering_id = $1 AND member_id = $2", gathering_id, member_id
        )
        return bool(found)

    async def take_unanswered_for_reminder(self, gathering_id: str) -> list[str]:
        """Active invited members who have neither registered nor been reminded; marks them reminded."""
        rows = await self.conn.fetch(
            """UPDATE invitations i SET reminded_at = now()
               WHERE i.gathering_id = $1 AND i.reminded_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM registrations r
                                 WHERE r.gathering_id = i.gathering_id AND r.member_id = i.member_id)
                 AND EXISTS (SELECT 1 FROM members m WHERE m.member_id = i.member_id AND m.active)
               RETURNING i.member_id""",
            gathering_id,
        )
        return [r["member_id"] for r in rows]

    async def erase_member(self, member_id: str) -> None:
        """Replace the member's id in invitations by an anonymous one (counts kept)."""
        await self.conn.execute(
            "UPDATE invitations SET member_id = 'erased:' || gen_random_uuid()::text WHERE member_id = $1",
            member_id,
        )
