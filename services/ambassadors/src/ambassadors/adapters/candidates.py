"""Loading matching candidates: the coarse filters in SQL, the fine rules left to the domain."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import asyncpg

from ambassadors.adapters.offers import OfferRepository
from ambassadors.domain.availability import OSLO, Candidate, Commitment
from outreach_shared.municipalities import distance_km, load_register

SPAN_MARGIN = timedelta(days=32)
"""Commitments this far around the windows are enough for overlaps and calendar-month limits."""


@cache
def distances_from(kommunenummer: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Every municipality's number and centroid distance (km) from the given one."""
    register = load_register()
    origin = register.get(kommunenummer)
    numbers = tuple(register.by_number)
    return numbers, tuple(distance_km(origin, register.by_number[n]) for n in numbers)


async def _max_radius(conn: asyncpg.Connection) -> float:
    return float(await conn.fetchval("SELECT coalesce(max(travel_radius_km), 0) FROM members WHERE active"))


def _within(kommunenummer: str, radius_km: float) -> tuple[list[str], list[float]]:
    """The municipalities no further than `radius_km` from the given one, with their distances."""
    numbers, kms = distances_from(kommunenummer)
    near = [(n, km) for n, km in zip(numbers, kms, strict=True) if km <= radius_km or n == kommunenummer]
    return [n for n, _ in near], [km for _, km in near]


_CANDIDATES = """
WITH recent AS (
    SELECT member_id, count(*) AS n FROM completed_visits WHERE visit_start >= $5 GROUP BY member_id
)
SELECT m.id, m.profession, m.kommunenummer, m.languages, m.weekdays, m.unavailable_dates,
       m.max_visits_per_month, m.travel_radius_km, m.trained_year, d.km, coalesce(r.n, 0) AS recent
FROM unnest($1::text[], $2::float8[]) AS d(kommunenummer, km)
JOIN members m ON m.kommunenummer = d.kommunenummer
LEFT JOIN recent r ON r.member_id = m.id
WHERE m.active AND m.profession = ANY($3::text[]) AND $4 = ANY(m.languages) AND m.weekdays && $7::int[]
  AND (d.km <= m.travel_radius_km OR m.kommunenummer = $6)
ORDER BY m.kommunenummer <> $6, CASE WHEN $8 > 0 THEN floor(d.km / $8) ELSE 0 END, recent,
         m.trained_year IS DISTINCT FROM $9, d.km, m.id
LIMIT $10
"""
"""Hard filters that need no window, in the domain's rank order (see matching.rank_key)."""


@dataclass(frozen=True)
class CandidateQuery:
    """Which members could staff a visit, and how many of the best-ranked to load (None: all)."""

    kommunenummer: str
    professions: Sequence[str]
    language: str
    weekdays: Sequence[int]
    span: tuple[datetime, datetime]
    distance_band_km: float
    limit: int | None = None


async def load_candidates(conn: asyncpg.Connection, q: CandidateQuery, *, now: datetime) -> list[Candidate]:
    """Active members of the professions who speak the language, live within their radius of the visit and
    work on one of the windows' weekdays, best-ranked first."""
    numbers, kms = _within(q.kommunenummer, await _max_radius(conn))
    year = now.astimezone(OSLO).year
    # The parameters decide the best plan (which municipalities are near): never reuse a generic one.
    await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
    rows = await conn.fetch(
        _CANDIDATES,
        numbers,
        kms,
        list(q.professions),
        q.language,
        now - timedelta(days=365),
        q.kommunenummer,
        list(q.weekdays),
        q.distance_band_km,
        year,
        q.limit,
    )
    if not rows:
        return []
    busy: dict[str, list[Commitment]] = defaultdict(list)
    ids = [str(r["id"]) for r in rows]
    for member_id, start, end in await OfferRepository(conn).commitments(
        ids, q.span[0] - SPAN_MARGIN, q.span[1] + SPAN_MARGIN
    ):
        busy[member_id].append(Commitment(start, end))
    names = load_register().by_number
    return [
        Candidate(
            member_id=member_id,
            profession=r["profession"],
            municipality_name=names[r["kommunenummer"]].name,
            same_municipality=r["kommunenummer"] == q.kommunenummer,
            distance_km=r["km"],
            travel_radius_km=r["travel_radius_km"],
            languages=frozenset(r["languages"]),
            weekdays=frozenset(r["weekdays"]),
            unavailable_dates=frozenset(r["unavailable_dates"]),
            max_visits_per_month=r["max_visits_per_month"],
            recent_visits=r["recent"],
            trained_year=r["trained_year"],
            commitments=tuple(busy.get(member_id, ())),
        )
        for member_id, r in zip(ids, rows, strict=True)
    ]
