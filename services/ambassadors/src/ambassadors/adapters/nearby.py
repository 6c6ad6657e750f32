"""Everyone near a visit, whatever matching's filters say, for an organiser's review of its candidates."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from ambassadors.adapters.candidates import SPAN_MARGIN, CandidateQuery, candidate_from, max_travel_radius, reach_from
from ambassadors.domain.availability import Candidate, month_bounds
from outreach_shared.db import named
from outreach_shared.regions import REGION_SQL, Region

MAX_NEARBY = 1000
"""At most this many members, nearest first: a review is read by a person."""

_NEARBY = f"""
SELECT m.id, m.name, m.profession, m.kommunenummer, m.languages, m.weekdays, m.unavailable_dates, m.unavailable,
       m.times_of_day, m.max_visits_per_month, m.travel_radius_km, m.trained_year, m.active, d.km,
       (SELECT count(*) FROM completed_visits v WHERE v.member_id = m.id AND v.visit_start >= :since) AS recent,
       ARRAY(SELECT ARRAY[o.window_start, o.window_end] FROM offers o
             WHERE o.member_id = m.id AND o.status IN ('offered', 'accepted') AND o.visit_id <> :visit_id
               AND o.window_start >= :lo AND o.window_start < :hi
             ORDER BY o.window_start) AS commitments
FROM unnest(:numbers::text[], :kms::float8[]) AS d(kommunenummer, km)
JOIN members m ON m.kommunenummer = d.kommunenummer
WHERE {REGION_SQL.format(column="m.kommunenummer")}
ORDER BY d.km, m.id
LIMIT :limit
"""


@dataclass(frozen=True)
class Nearby:
    """Members near a visit as matching sees them, with their names (for the organiser)."""

    candidates: list[Candidate]
    names: dict[str, str]


class NearbyRepository:
    """Members within reach of a visit: the longest travel radius on the roster, or a wider one asked for."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def load(self, visit_id: str, q: CandidateQuery, *, now: datetime, region: Region) -> Nearby:
        """Members of the region within reach, nearest first, each with every seat they hold in the windows'
        months and near the windows (so matching's rules can say why they do or do not fit)."""
        radius = max(await max_travel_radius(self.conn), float(q.radius_floor_km))
        numbers, kms, _ = reach_from(q.kommunenummer, q.distance_band_km, radius)
        bounds = [month_bounds(m, q.tz) for m in q.months]
        lo = min([start - SPAN_MARGIN for start, _ in q.windows] + [b[0] for b in bounds])
        hi = max([end + q.travel_buffer for _, end in q.windows] + [b[1] for b in bounds])
        rows = await self.conn.fetch(*named(
            _NEARBY, numbers=list(numbers), kms=list(kms), since=now - timedelta(days=365), visit_id=visit_id,
            lo=lo, hi=hi, limit=MAX_NEARBY, **region.params(),
        ))  # fmt: skip
        candidates = [candidate_from(r, q, active=r["active"]) for r in rows]
        return Nearby(candidates, {str(r["id"]): r["name"] for r in rows})
