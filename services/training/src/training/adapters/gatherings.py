"""Gatherings in Postgres: plain SQL in, domain objects out."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from outreach_shared.contracts.common import Venue
from training.domain.errors import GatheringNotFound
from training.domain.gathering import Gathering, GatheringStatus
from training.domain.schedule import Schedule, Session

_COLUMNS = (
    "id, title, venue, region, audience, capacity, starts_at, ends_at, registration_opens, "
    "registration_closes, withdrawal_deadline, sessions, status, cancel_reason"
)
_PLACEHOLDERS = ", ".join(f"${i}" for i in range(1, 15))


@dataclass(frozen=True)
class Counts:
    """How many members are invited, registered, waiting, offered a place and checked in."""

    invited: int = 0
    registered: int = 0
    waiting: int = 0
    offered: int = 0
    checked_in: int = 0


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
    )


def _values(g: Gathering) -> tuple[Any, ...]:
    s = g.schedule
    return (
        g.id,
        g.title,
        g.venue.model_dump(),
        list(g.region),
        list(g.audience),
        g.capacity,
        s.starts_at,
        s.ends_at,
        s.registration_opens,
        s.registration_closes,
        s.withdrawal_deadline,
        [_session_to_json(x) for x in g.sessions],
        g.status.value,
        g.cancel_reason,
    )


class GatheringRepository:
    """Reads and writes gatherings on one connection (the unit of work's)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, g: Gathering) -> None:
        """Insert a new gathering."""
        await self._conn.execute(
            f"INSERT INTO gatherings ({_COLUMNS}) VALUES ({_PLACEHOLDERS})",
            *_values(g),
        )

    async def save(self, g: Gathering) -> None:
        """Write every field of an existing gathering."""
        await self._conn.execute(
            """UPDATE gatherings SET title = $2, venue = $3, region = $4, audience = $5, capacity = $6,
                   starts_at = $7, ends_at = $8, registration_opens = $9, registration_closes = $10,
                   withdrawal_deadline = $11, sessions = $12, status = $13, cancel_reason = $14,
                   updated_at = now()
               WHERE id = $1""",
            *_values(g),
        )

    async def get(self, gathering_id: str, *, lock: bool = False) -> Gathering:
        """The gathering (locked FOR UPDATE when `lock`, to serialise changes); raises GatheringNotFound."""
        suffix = " FOR UPDATE" if lock else ""
        row = await self._conn.fetchrow(f"SELECT {_COLUMNS} FROM gatherings WHERE id = $1{suffix}", gathering_id)
        if row is None:
            raise GatheringNotFound(f"no gathering {gathering_id!r}")
        return _to_domain(row)

    async def list_all(self, *, status: GatheringStatus | None = None) -> list[Gathering]:
        """Every gathering (optionally of one status), soonest first."""
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM gatherings WHERE $1::text IS NULL OR status = $1 ORDER BY starts_at, id",
            status.value if status else None,
        )
        return [_to_domain(r) for r in rows]

    async def lock_invitable(self) -> list[Gathering]:
        """Drafts and published gatherings, FOR SHARE: a publish in flight cannot miss a new member."""
        rows = await self._conn.fetch(
            f"SELECT {_COLUMNS} FROM gatherings WHERE status IN ('draft', 'published') ORDER BY id FOR SHARE"
        )
        return [_to_domain(r) for r in rows]

    async def counts(self, gathering_ids: list[str]) -> dict[str, Counts]:
        """Counts per gathering."""
        rows = await self._conn.fetch(
            """SELECT g.id,
                   (SELECT count(*) FROM invitations i WHERE i.gathering_id = g.id) AS invited,
                   count(r.*) FILTER (WHERE r.status = 'confirmed') AS registered,
                   count(r.*) FILTER (WHERE r.status = 'waitlisted') AS waiting,
                   count(r.*) FILTER (WHERE r.status = 'offered') AS offered,
                   count(r.*) FILTER (WHERE r.checked_in_at IS NOT NULL) AS checked_in
               FROM gatherings g LEFT JOIN registrations r ON r.gathering_id = g.id
               WHERE g.id = ANY($1::text[]) GROUP BY g.id""",
            gathering_ids,
        )
        return {r["id"]: Counts(**{k: r[k] for k in Counts.__dataclass_fields__}) for r in rows}
