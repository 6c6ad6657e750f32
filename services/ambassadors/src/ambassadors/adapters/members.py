"""The roster in SQL: members in and out of the service's schema."""

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from ambassadors.domain.members import Away, Member, MemberFields
from outreach_shared.contracts.topics import Topics
from outreach_shared.db import named

_COLUMNS = (
    "id, name, email, phone, employer, profession, kommunenummer, fylke, languages, max_visits_per_month,"
    " travel_radius_km, weekdays, unavailable_dates, unavailable, times_of_day, notice_language, active, trained_year"
)


@dataclass(frozen=True)
class MemberFilter:
    """Roster list filters; None means any."""

    kommunenumre: Sequence[str] | None = None
    profession: str | None = None
    active: bool | None = None
    limit: int = 100
    offset: int = 0
    text: str | None = None
    """Part of the name or e-mail, any case."""
    language: str | None = None
    trained_year: int | None = None
    after: str | None = None
    """Keyset: the id of the last member of the previous page (by name, then id)."""


def _escape_like(text: str) -> str:
    """The text as a literal inside an ILIKE pattern (its `%`, `_` and backslashes match themselves)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
        unavailable=[Away.model_validate(a) for a in row["unavailable"]],
        times_of_day=list(row["times_of_day"]),
        notice_language=row["notice_language"],
    )
    return Member(
        id=str(row["id"]), fields=fields, fylke=row["fylke"], active=row["active"], trained_year=row["trained_year"]
    )


def _row(m: Member) -> dict[str, object]:
    """The member as the table's columns, by name."""
    f = m.fields
    return {
        "id": m.id,
        "name": f.name,
        "email": f.email,
        "phone": f.phone,
        "employer": f.employer,
        "profession": f.profession,
        "kommunenummer": f.kommunenummer,
        "fylke": m.fylke,
        "languages": list(f.languages),
        "max_visits_per_month": f.max_visits_per_month,
        "travel_radius_km": f.travel_radius_km,
        "weekdays": list(f.weekdays),
        "unavailable_dates": list(f.unavailable_dates),
        "unavailable": [a.model_dump(mode="json", by_alias=True) for a in f.unavailable],
        "times_of_day": list(f.times_of_day),
        "notice_language": f.notice_language,
        "active": m.active,
        "trained_year": m.trained_year,
    }


_NAMES = [column.strip() for column in _COLUMNS.split(",")]
_INSERT = f"INSERT INTO members ({_COLUMNS}) VALUES ({', '.join(':' + c for c in _NAMES)})"
_ASSIGNMENTS = ", ".join(f"{c} = :{c}" for c in _NAMES if c != "id")
_UPDATE = f"UPDATE members SET {_ASSIGNMENTS}, updated_at = now() WHERE id = :id"


ROSTER_PAGE = f"""SELECT {_COLUMNS} FROM members
WHERE (:numbers::text[] IS NULL OR kommunenummer = ANY(:numbers))
  AND (:profession::text IS NULL OR profession = :profession)
  AND (:active::boolean IS NULL OR active = :active)
  AND (:language::text IS NULL OR :language = ANY(languages))
  AND (:trained_year::int IS NULL OR trained_year = :trained_year)
  AND (:pattern::text IS NULL OR name ILIKE :pattern OR email ILIKE :pattern)
  AND (:after::uuid IS NULL OR (name, id) > (SELECT name, id FROM members WHERE id = :after))
ORDER BY name, id LIMIT :limit OFFSET :offset"""
"""A page of the roster by name, then id (the `members_by_name` index): after the keyset member, or from an offset."""


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
        """Members matching the filter, by name (then id): after the keyset member, or from the offset."""
        rows = await self.conn.fetch(*named(
            ROSTER_PAGE,
            numbers=list(flt.kommunenumre) if flt.kommunenumre is not None else None,
            profession=flt.profession, active=flt.active, language=flt.language, trained_year=flt.trained_year,
            pattern=f"%{_escape_like(flt.text)}%" if flt.text else None, after=flt.after,
            limit=flt.limit, offset=flt.offset,
        ))  # fmt: skip
        return [_to_member(r) for r in rows]

    async def add(self, member: Member) -> None:
        """Insert a new member."""
        await self.conn.execute(*named(_INSERT, **_row(member)))

    async def save(self, member: Member) -> None:
        """Write a changed member."""
        await self.conn.execute(*named(_UPDATE, **_row(member)))

    async def delete(self, member_id: str) -> None:
        """Remove the member's row (erasure)."""
        await self.conn.execute("DELETE FROM members WHERE id = $1", member_id)

    async def forget_in_outbox(self, member_id: str) -> None:
        """Drop our outbox copies naming the member: their snapshots, and sent events (teams carry first names)."""
        await self.conn.execute(*named(
            "DELETE FROM outbox WHERE (topic = :topic AND key = :member_id)"
            " OR (published_at IS NOT NULL AND envelope::text LIKE :mention)",
            topic=Topics.MEMBERS, member_id=member_id, mention=f"%{member_id}%",
        ))  # fmt: skip
