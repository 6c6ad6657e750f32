"""Gatherings in Postgres: plain SQL with named parameters in, domain objects out."""

from datetime import datetime
from typing import Any

import asyncpg

from outreach_shared.contracts.common import Venue
from outreach_shared.db import named
from outreach_shared.regions import NATIONAL, Region
from training.domain.errors import GatheringNotFound
from training.domain.gathering import Counts, Gathering, GatheringStatus
from training.domain.schedule import Schedule, Session

_FIELDS = (
    "id", "title", "venue", "region", "audience", "capacity", "starts_at", "ends_at", "registration_opens",
    "registration_closes", "withdrawal_deadline", "sessions", "status", "cancel_reason", "completed_at",
)  # fmt: skip
_COLUMNS = ", ".join(_FIELDS)
_INSERT = f"INSERT INTO gatherings ({_COLUMNS}) VALUES ({', '.join(f':{f}' for f in _FIELDS)})"
_UPDATE = (
    "UPDATE gatherings SET "
    + ", ".join(f"{f} = :{f}" for f in _FIELDS if f != "id")
    + ", updated_at = now() WHERE id = :id"
)


def _session_to_json(s: Session) -> dict[str, str]:
    return {
        "title": s.title,
        "kind": s.kind,
        "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(),
    }


def _session_from_json(raw: dict[str, Any]) -> Session:
    return Session(
        title=raw["title"],
        kind=raw["kind"],
        starts_at=datetime.fromisoformat(raw["starts_at"]),
        ends_at=datetime.fromisoformat(raw["ends_at"]),
    )


def _to_domain(row: asyncpg.Record) -> Gathering:
    return Gathering(
        id=row["id"],
        title=row["title"],
        venue=Venue.model_validate(row["venue"]),
        region=tuple(row["region"]),
        audience=tuple(row["audience"]),
        capacity=row["capacity"],
        schedule=Schedule(
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            registration_opens=row["registration_opens"],
            registration_closes=row["registration_closes"],
            withdrawal_deadline=row["withdrawal_deadline"],
        ),
        sessions=tuple(_session_from_json(s) for s in row["sessions"]),
        status=GatheringStatus(row["status"]),
        cancel_reason=row["cancel_reason"],
        completed_at=row["completed_at"],
    )


def _row(g: Gathering) -> dict[str, Any]:
    """The gathering's columns by name."""
    s = g.schedule
    return {
        "id": g.id,
        "title": g.title,
        "venue": g.venue.model_dump(),
        "region": list(g.region),
        "audience": list(g.audience),
        "capacity": g.capacity,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "registration_opens": s.registration_opens,
        "registration_closes": s.registration_closes,
        "withdrawal_deadline": s.withdrawal_deadline,
        "sessions": [_session_to_json(x) for x in g.sessions],
        "status": g.status.value,
        "cancel_reason": g.cancel_reason,
        "completed_at": g.completed_at,
    }


class GatheringRepository:
    """Reads and writes gatherings on one connection (the unit of work's)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, g: Gathering) -> None:
        """Insert a new gathering."""
        await self.conn.execute(*named(_INSERT, **_row(g)))

    async def save(self, g: Gathering) -> None:
        """Write every field of an existing gathering."""
        await self.conn.execute(*named(_UPDATE, **_row(g)))

    async def get(self, gathering_id: str, *, lock: bool = False) -> Gathering:
        """The gathering (locked FOR UPDATE when `lock`, to serialise changes); raises GatheringNotFound."""
        suffix = " FOR UPDATE" if lock else ""
        row = await self.conn.fetchrow(
            *named(f"SELECT {_COLUMNS} FROM gatherings WHERE id = :gathering_id{suffix}", gathering_id=gathering_id)
        )
        if row is None:
            raise GatheringNotFound(f"no gathering {gathering_id!r}")
        return _to_domain(row)

    async def list_all(self, *, status: GatheringStatus | None = None) -> list[Gathering]:
        """Every gathering (optionally of one status), soonest first."""
        rows = await self.conn.fetch(*named(
            f"SELECT {_COLUMNS} FROM gatherings WHERE :status::text IS NULL OR status = :status"
            " ORDER BY starts_at, id",
            status=status.value if status else None,
        ))  # fmt: skip
        return [_to_domain(r) for r in rows]

    async def page(
        self, *, status: GatheringStatus | None, region: Region = NATIONAL, after: str | None, limit: int
    ) -> list[Gathering]:
        """Up to `limit` gatherings of the region (optionally of one status), newest first, after the gathering `after`
        (by id: the last of the previous page; one unknown gives nothing). Read through `gatherings_newest`."""
        query, args = page_query(status=status, region=region, after=after, limit=limit)
        return [_to_domain(r) for r in await self.conn.fetch(query, *args)]

    async def list_of_member(self, member_id: str) -> list[Gathering]:
        """Every gathering but drafts that the member is invited to or registered for, newest first."""
        rows = await self.conn.fetch(*named(
            f"""SELECT {_COLUMNS} FROM gatherings g WHERE g.status <> 'draft'
                  AND (EXISTS (SELECT 1 FROM invitations i WHERE i.gathering_id = g.id AND i.member_id = :member_id)
                       OR EXISTS (SELECT 1 FROM registrations r
                                  WHERE r.gathering_id = g.id AND r.member_id = :member_id))
                ORDER BY g.starts_at DESC, g.id""",
            member_id=member_id,
        ))  # fmt: skip
        return [_to_domain(r) for r in rows]

    async def lock_invitable(self) -> list[Gathering]:
        """Drafts and published gatherings, FOR SHARE: a publish in flight cannot miss a new member."""
        rows = await self.conn.fetch(
            f"SELECT {_COLUMNS} FROM gatherings WHERE status IN ('draft', 'published') ORDER BY id FOR SHARE"
        )
        return [_to_domain(r) for r in rows]

    async def counts(self, gathering_ids: list[str]) -> dict[str, Counts]:
        """Counts per gathering."""
        rows = await self.conn.fetch(*named(
            """SELECT g.id,
                   (SELECT count(*) FROM invitations i WHERE i.gathering_id = g.id) AS invited,
                   count(r.*) FILTER (WHERE r.status = 'confirmed') AS registered,
                   count(r.*) FILTER (WHERE r.status = 'waitlisted') AS waiting,
                   count(r.*) FILTER (WHERE r.status = 'offered') AS offered,
                   count(r.*) FILTER (WHERE r.checked_in_at IS NOT NULL) AS checked_in
               FROM gatherings g LEFT JOIN registrations r ON r.gathering_id = g.id
               WHERE g.id = ANY(:gathering_ids::text[]) GROUP BY g.id""",
            gathering_ids=gathering_ids,
        ))  # fmt: skip
        return {r["id"]: Counts(**{k: r[k] for k in Counts.__dataclass_fields__}) for r in rows}


PAGE_SQL = f"""SELECT {_COLUMNS} FROM gatherings g
    WHERE (:status::text IS NULL OR g.status = :status)
      AND (:region_national OR left(g.venue->>'kommunenummer', 2) = ANY(:region_fylker::text[])
           OR g.venue->>'kommunenummer' = ANY(:region_kommuner::text[])
           OR g.region && :region_fylker::text[] OR g.region && :region_counties::text[])
      AND (:after::text IS NULL
           OR (g.starts_at, g.id) < (SELECT a.starts_at, a.id FROM gatherings a WHERE a.id = :after))
    ORDER BY g.starts_at DESC, g.id DESC LIMIT :limit"""
"""A page of gatherings newest first: the region's test is `Gathering.within` (venue or one of its counties)."""


def page_query(
    *, status: GatheringStatus | None, region: Region, after: str | None, limit: int
) -> tuple[str, tuple[Any, ...]]:
    """The page's SQL and its positional arguments."""
    counties = sorted({k[:2] for k in region.kommuner})
    sql, *args = named(PAGE_SQL, status=status.value if status else None, after=after, limit=limit,
                       region_counties=counties, **region.params())  # fmt: skip
    return sql, tuple(args)
