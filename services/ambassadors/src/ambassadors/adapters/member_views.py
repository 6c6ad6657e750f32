"""A member's own pages in SQL: their visits with the teams, and their totals from the visits reported."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from ambassadors.adapters.offers import _SELECTED, _to_offer
from ambassadors.domain.my_visits import MyVisit, Teammate, Totals
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.db import named

_MY_VISITS = f"""
SELECT * FROM (
    SELECT DISTINCT ON (o.visit_id) {_SELECTED}, v.request, v.status AS visit_status,
           EXISTS (SELECT 1 FROM completed_visits c WHERE c.visit_id = o.visit_id) AS reported
    FROM offers o JOIN visits v ON v.id = o.visit_id
    WHERE o.member_id = :member_id AND o.status IN ('offered', 'accepted') AND o.round = v.round
    ORDER BY o.visit_id, o.created_at DESC
) mine
WHERE (:upcoming AND window_end > :now) OR (NOT :upcoming AND window_end <= :now AND status = 'accepted')
ORDER BY CASE WHEN :upcoming THEN window_start END, window_start DESC
LIMIT :limit
"""

_TEAMS = """
SELECT o.visit_id, m.name, m.profession FROM offers o
JOIN visits v ON v.id = o.visit_id AND v.round = o.round
JOIN members m ON m.id = o.member_id
WHERE o.visit_id = ANY($1::text[]) AND o.status = 'accepted'
ORDER BY o.visit_id, m.name, m.id
"""

_TOTALS = """
SELECT count(*) AS visits, coalesce(sum(pupils_reached), 0) AS pupils,
       count(*) FILTER (WHERE visit_start >= $2) AS year_visits,
       coalesce(sum(pupils_reached) FILTER (WHERE visit_start >= $2), 0) AS year_pupils
FROM completed_visits WHERE member_id = $1
"""


class MemberViewRepository:
    """Read-only views of one member's visits and totals."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def visits(self, member_id: str, *, now: datetime, upcoming: bool, limit: int) -> list[MyVisit]:
        """The member's upcoming visits (offered or accepted, soonest first) or past ones (accepted, latest first)."""
        rows = await self.conn.fetch(*named(_MY_VISITS, member_id=member_id, now=now, upcoming=upcoming, limit=limit))
        teams = await self.teams([r["visit_id"] for r in rows])
        return [
            MyVisit(
                offer=_to_offer(r),
                request=VisitRequested.model_validate(r["request"]),
                visit_status=r["visit_status"],
                reported=r["reported"],
                team=teams.get(r["visit_id"], ()),
            )
            for r in rows
        ]

    async def teams(self, visit_ids: Sequence[str]) -> dict[str, tuple[Teammate, ...]]:
        """The members who accepted a seat on each visit (its current round), by name."""
        team: dict[str, list[Teammate]] = defaultdict(list)
        for r in await self.conn.fetch(_TEAMS, list(visit_ids)):
            team[r["visit_id"]].append(Teammate(r["name"].split()[0], r["profession"]))
        return {visit_id: tuple(members) for visit_id, members in team.items()}

    async def totals(self, member_id: str, *, since: datetime) -> tuple[Totals, Totals]:
        """The member's reported visits and pupils reached since a moment, and all time."""
        r = await self.conn.fetchrow(_TOTALS, member_id, since)
        return Totals(r["year_visits"], r["year_pupils"]), Totals(r["visits"], r["pupils"])
