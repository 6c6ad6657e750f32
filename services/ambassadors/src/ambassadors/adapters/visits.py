"""Visits being staffed, in SQL."""

import asyncpg

from ambassadors.domain.visits import Visit
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.contracts.common import TimeWindow


def _to_visit(row: asyncpg.Record) -> Visit:
    window = TimeWindow(start=row["window_start"], end=row["window_end"]) if row["window_start"] else None
    return Visit(
        id=row["id"],
        request=VisitRequested.model_validate(row["request"]),
        status=row["status"],
        round=row["round"],
        window=window,
        confirmed_once=row["confirmed_once"],
    )


class VisitRepository:
    """Visits by booking's visit id."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, visit_id: str, *, for_update: bool = False) -> Visit | None:
        """One visit, optionally locked so its team is decided by one transaction at a time."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(f"SELECT * FROM visits WHERE id = $1{lock}", visit_id)
        return _to_visit(row) if row else None

    async def add(self, visit: Visit) -> bool:
        """Insert a new visit; False when it is already known."""
        return bool(
            await self.conn.fetchval(
                "INSERT INTO visits (id, request) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
                visit.id,
                visit.request.model_dump(mode="json"),
            )
        )

    async def save(self, visit: Visit) -> None:
        """Write a changed visit."""
        await self.conn.execute(
            """UPDATE visits SET request=$2, status=$3, round=$4, window_start=$5, window_end=$6,
               confirmed_once=$7, updated_at=now() WHERE id=$1""",
            visit.id,
            visit.request.model_dump(mode="json"),
            visit.status,
            visit.round,
            visit.window.start if visit.window else None,
            visit.window.end if visit.window else None,
            visit.confirmed_once,
        )

    async def record_completed(self, visit_id: str, member_ids: list[str], start: object) -> None:
        """Count a completed visit for each team member (fairness over the last 12 months)."""
        await self.conn.executemany(
            "INSERT INTO completed_visits (visit_id, member_id, visit_start) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING",
            [(visit_id, m, start) for m in member_ids],
        )
