"""The roster in SQL: members in and out of the service's schema."""

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from ambassadors.domain.members import Member, MemberFields

_COLUMNS = (
    "id, name, email, phone, employer, profession, kommunenummer, fylke, languages, max_visits_per_month,"
    " travel_radius_km, weekdays, unavailable_dates, active, trained_year"
)


@dataclass(frozen=True)
class MemberFilter:
    """Roster list filters; None means any."""

    kommunenumre: Sequence[str] | None = None
    profession: str | None = None
    active: bool | None = None
    limit: int = 100
    offset: int = 0


def _to_member(row: asyncpg.Record) -> Member:
    fields = MemberFields.model_construct(
        name=row["name"],
        profession=row["profession"],
        kommunenummer=row["kommunenummer"],
        email=row["email"],
        phone=row["phone"],
        languages=list(row["languages"]),
        employer=row["employer"],
        max_visits_per_month=row["max_visits_per_month"],
        travel_radius_km=row["travel_radius_km"],
        weekdays=list(row["weekdays"]),
        unavailable_dates=list(row["unavailable_dates"]),
    )
    return Member(
        id=str(row["id"]), fields=fields, fylke=row["fylke"], active=row["active"], trained_year=row["trained_year"]
    )


def _values(m: Member) -> tuple[object, ...]:
    f = m.fields
    return (
        m.id,
        f.name,
        f.email,
        f.phone,
        f.employer,
        f.profession,
        f.kommunenummer,
        m.fylke,
        list(f.languages),
        f.max_visits_per_month,
        f.travel_radius_km,
        list(f.weekdays),
        list(f.unavailable_dates),
        m.active,
        m.trained_year,
    )


class MemberRepository:
    """Members of the roster."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, member_id: str, *, for_update: bool = False) -> Member | None:
        """One member, optionally locked for this transaction."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM members WHERE id = $1{lock}", member_id)
        return _to_member(row) if row else None

    async def get_by_emails(self, emails: Sequence[str]) -> dict[str, Member]:
        """Members by lower-cased e-mail."""
        rows = await self.conn.fetch(
            f"SELECT {_COLUMNS} FROM members WHERE lower(email) = ANY($1::text[])", [e.lower() for e in emails]
        )
        return {r["email"].lower(): _to_member(r) for r in rows}

    async def get_many(self, member_ids: Sequence[str]) -> dict[str, Member]:
        """Members by id (missing ids are left out)."""
        rows = await self.conn.fetch(f"SELECT {_COLUMNS} FROM members WHERE id = ANY($1::uuid[])", member_ids)
        return {str(r["id"]): _to_member(r) for r in rows}

    async def list(self, flt: MemberFilter) -> list[Member]:
        """Members matching the filter, by name."""
        rows = await self.conn.fetch(
            f"""SELECT {_COLUMNS} FROM members
                WHERE ($1::text[] IS NULL OR kommunenummer = ANY($1)) AND ($2::text IS NULL OR profession = $2)
                  AND ($3::boolean IS NULL OR active = $3)
                ORDER BY name, id LIMIT $4 OFFSET $5""",
            list(flt.kommunenumre) if flt.kommunenumre is not None else None,
            flt.profession,
            flt.active,
            flt.limit,
            flt.offset,
        )
        return [_to_member(r) for r in rows]

    async def add(self, member: Member) -> None:
        """Insert a new member."""
        await self.conn.execute(
            f"INSERT INTO members ({_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)",
            *_values(member),
        )

    async def save(self, member: Member) -> None:
        """Write a changed member."""
        await self.conn.execute(
            """UPDATE members SET name=$2, email=$3, phone=$4, employer=$5, profession=$6, kommunenummer=$7,
               fylke=$8, languages=$9, max_visits_per_month=$10, travel_radius_km=$11, weekdays=$12,
               unavailable_dates=$13, active=$14, trained_year=$15, updated_at=now() WHERE id=$1""",
            *_values(member),
        )

    async def lock(self, member_ids: Sequence[str]) -> None:
        """Lock members' rows in a fixed order, so concurrent matchings never deadlock."""
        await self.conn.execute(
            "SELECT 1 FROM members WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE", sorted(member_ids)
        )

    async def delete(self, member_id: str) -> None:
        """Remove the member's row (erasure)."""
        await self.conn.execute("DELETE FROM members WHERE id = $1", member_id)
