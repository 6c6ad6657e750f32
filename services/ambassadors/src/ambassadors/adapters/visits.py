"""Visits being staffed, in SQL."""

from datetime import datetime

import asyncpg

from ambassadors.domain.visits import Visit
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.db import named


def _to_visit(row: asyncpg.Record) -> Visit:
    window = TimeWindow(start=row["window_start"], end=row["window_end"]) if row["window_start"] else None
    return Visit(
        id=row["id"],
        request=VisitRequested.model_validate(row["request"]),
        status=row["status"],
        round=row["round"],
        window=window,
        confirmed_once=row["confirmed_once"],
        unfulfilled=row["unfulfilled_reason"],
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
                "INSERT INTO visits (id, request, last_end) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING true",
                visit.id,
                visit.request.model_dump(mode="json"),
                last_end(visit),
            )
        )

    async def save(self, visit: Visit) -> None:
        """Write a changed visit."""
        window = visit.window
        await self.conn.execute(*named(
            """UPDATE visits SET request = :request, status = :status, round = :round, window_start = :start,
               window_end = :end, last_end = :last_end, confirmed_once = :confirmed_once,
               unfulfilled_reason = :unfulfilled,
               unfulfilled_at = CASE WHEN :unfulfilled::text IS NULL THEN NULL ELSE coalesce(unfulfilled_at, now()) END,
               updated_at = now() WHERE id = :id""",
            id=visit.id, request=visit.request.model_dump(mode="json"), status=visit.status, round=visit.round,
            start=window.start if window else None, end=window.end if window else None, last_end=last_end(visit),
            confirmed_once=visit.confirmed_once, unfulfilled=visit.unfulfilled,
        ))  # fmt: skip

    async def record_completed(
        self, visit_id: str, member_ids: list[str], start: object, pupils_reached: int | None = None
    ) -> None:
        """Count a completed visit for each team member (fairness over the last 12 months, the member's totals); the
        visit is reported from now on."""
        await self.conn.executemany(
            "INSERT INTO completed_visits (visit_id, member_id, visit_start, pupils_reached) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (visit_id, member_id) DO UPDATE SET pupils_reached = EXCLUDED.pupils_reached",
            [(visit_id, m, start, pupils_reached) for m in member_ids],
        )
        await self.conn.execute("UPDATE visits SET reported_at = coalesce(reported_at, now()) WHERE id = $1", visit_id)


def last_end(visit: Visit) -> datetime | None:
    """When the visit's last window ends (kept as a column, so that the attention list can index it)."""
    return max((w.end for w in visit.request.windows), default=None)
