"""Loading matching candidates: the coarse filters in SQL, the fine rules left to the domain."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from ambassadors.adapters.offers import _HOLDING
from ambassadors.domain.availability import OSLO, Candidate, Commitment, month_bounds, month_of
from outreach_shared.municipalities import distance_km, load_register

SPAN_MARGIN = timedelta(days=32)
"""Longer than any visit window (booking allows 31 days): a seat starting this long before the windows cannot reach
them, so the index range of a member's seats can start there."""


@cache
def distances_from(kommunenummer: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Every municipality's number and centroid distance (km) from the given one."""
    register = load_register()
    origin = register.get(kommunenummer)
    numbers = tuple(register.by_number)
    return numbers, tuple(distance_km(origin, register.by_number[n]) for n in numbers)


@lru_cache(maxsize=4096)
def reach_from(
    kommunenummer: str, distance_band_km: float, radius_km: float
) -> tuple[tuple[str, ...], tuple[float, ...], tuple[int, ...]]:
    """The municipalities within `radius_km` of the given one (and itself), their distances and rank groups, best
    group first.

    The rank group is what matching.rank_key sorts by first: 0 for the same municipality, then 1 + the distance
    band. Every member of a lower group ranks before every member of a higher one, so the query can stop reading
    groups once it has the best `limit`."""
    numbers, kms = distances_from(kommunenummer)
    near = [
        (0 if n == kommunenummer else 1 + (int(km // distance_band_km) if distance_band_km > 0 else 0), km, n)
        for n, km in zip(numbers, kms, strict=True)
        if km <= radius_km or n == kommunenummer
    ]
    near.sort()
    return tuple(n for _, _, n in near), tuple(km for _, km, _ in near), tuple(g for g, _, _ in near)


_MAX_RADIUS = "SELECT coalesce(max(travel_radius_km), 0)::float8 FROM members WHERE active"


async def max_travel_radius(conn: asyncpg.Connection) -> float:
    """The longest travel radius (km) of anyone active on the roster."""
    return float(await conn.fetchval(_MAX_RADIUS))


@dataclass
class _RadiusSeen:
    """The longest travel radius as the last candidate query saw it (each query reports the current one)."""

    km: float | None = None


_radius_seen = _RadiusSeen()


_RANKED = """
SELECT m.*, d.km, d.rank_group,
       (SELECT count(*) FROM completed_visits v WHERE v.member_id = m.id AND v.visit_start >= $5) AS recent
FROM (
    SELECT * FROM unnest($1::text[], $2::float8[], $3::int[]) AS u(kommunenummer, km, rank_group)
    ORDER BY u.rank_group
) d
CROSS JOIN LATERAL (
    SELECT m.id, m.profession, m.kommunenummer, m.languages, m.weekdays, m.unavailable_dates, m.unavailable,
           m.times_of_day, m.max_visits_per_month, m.travel_radius_km, m.trained_year
    FROM members m
    WHERE m.kommunenummer = d.kommunenummer AND m.active AND m.profession = ANY($4::text[])
      AND $6 = ANY(m.languages) AND m.weekdays && $7::int[]
      AND (d.rank_group = 0 OR d.km <= greatest(m.travel_radius_km, $17::int))
    OFFSET 0  -- a fence: an index lookup per municipality even in a generic plan (else a scan of everyone)
) m
ORDER BY d.rank_group, recent, m.trained_year IS DISTINCT FROM $8, d.km, m.id
LIMIT $9
"""
CANDIDATES_SQL = f"""
SELECT c.*, ({_MAX_RADIUS}) AS max_radius, ARRAY(
    SELECT ARRAY[o.window_start, o.window_end] FROM offers o
    WHERE o.member_id = c.id AND o.{_HOLDING} AND o.window_start >= $10 AND o.window_start < $11
      AND EXISTS (SELECT 1 FROM unnest($12::timestamptz[], $13::timestamptz[]) AS w(s, e)
                  WHERE o.window_start < w.e + $14::interval AND w.s < o.window_end + $14::interval)
    ORDER BY o.window_start
) AS commitments, ARRAY(
    SELECT (SELECT count(*) FROM offers o
            WHERE o.member_id = c.id AND o.{_HOLDING} AND o.window_start >= m.lo AND o.window_start < m.hi)::int
    FROM unnest($15::timestamptz[], $16::timestamptz[]) WITH ORDINALITY AS m(lo, hi, i) ORDER BY m.i
) AS month_counts
FROM ({_RANKED}) c
ORDER BY c.rank_group, c.recent, c.trained_year IS DISTINCT FROM $8, c.km, c.id
"""
"""The hard filters that need no window, in the domain's rank order (matching.rank_key), with each member's seats
that could clash with a window (closer than the travel buffer) and how many seats they hold in each calendar month a
window starts in. Loading every seat around the windows instead cost half of a busy service's time per visit: the
nearest members hold dozens. Municipalities come in rank-group order, so with a limit an incremental sort reads the
nearest groups only; `recent` is counted (index-only) for the rows read. Only municipalities within the longest
travel radius are sent (three arrays of all 357 cost ~0.7 ms to encode and parse); each row also says what that
radius is now."""


@dataclass(frozen=True)
class CandidateQuery:
    """Which members could staff a visit, and how many of the best-ranked to load (None: all)."""

    kommunenummer: str
    professions: Sequence[str]
    language: str
    weekdays: Sequence[int]
    windows: Sequence[tuple[datetime, datetime]]
    distance_band_km: float
    travel_buffer: timedelta
    tz: ZoneInfo = OSLO
    limit: int | None = None
    radius_floor_km: int = 0
    """Every member's travel radius counts as at least this (an organiser's wider search)."""

    @property
    def months(self) -> list[tuple[int, int]]:
        """The local calendar months the windows start in, in order."""
        return sorted({month_of(start, self.tz) for start, _ in self.windows})


def candidate_arguments(q: CandidateQuery, *, now: datetime, radius_km: float) -> tuple[object, ...]:
    """CANDIDATES_SQL's parameters for a query, sending the municipalities within `radius_km` of the visit."""
    numbers, kms, groups = reach_from(q.kommunenummer, q.distance_band_km, max(radius_km, q.radius_floor_km))
    bounds = [month_bounds(m, q.tz) for m in q.months]
    return (
        numbers,
        kms,
        groups,
        list(q.professions),
        now - timedelta(days=365),
        q.language,
        list(q.weekdays),
        now.astimezone(OSLO).year,
        q.limit,
        min(start for start, _ in q.windows) - SPAN_MARGIN,
        max(end for _, end in q.windows) + q.travel_buffer,
        [start for start, _ in q.windows],
        [end for _, end in q.windows],
        q.travel_buffer,
        [lo for lo, _ in bounds],
        [hi for _, hi in bounds],
        q.radius_floor_km,
    )


async def _fetch(conn: asyncpg.Connection, q: CandidateQuery, *, now: datetime) -> list[asyncpg.Record]:
    """The query's rows, with the municipalities within the radius last seen: repeated with the current radius
    when it has grown since (a round trip asking for it first would cost as much as the query itself)."""
    while True:
        radius = _radius_seen.km if _radius_seen.km is not None else await max_travel_radius(conn)
        rows = await conn.fetch(CANDIDATES_SQL, *candidate_arguments(q, now=now, radius_km=radius))
        _radius_seen.km = rows[0]["max_radius"] if rows else await max_travel_radius(conn)
        if _radius_seen.km <= radius:
            return rows


async def load_candidates(conn: asyncpg.Connection, q: CandidateQuery, *, now: datetime) -> list[Candidate]:
    """Active members of the professions who speak the language, live within their radius of the visit and
    work on one of the windows' weekdays, best-ranked first, with the seats they hold near the windows and in
    the windows' months."""
    rows = await _fetch(conn, q, now=now)
    months = q.months
    return [candidate_from(r, q, visits_by_month=dict(zip(months, r["month_counts"], strict=True))) for r in rows]


def candidate_from(r: asyncpg.Record, q: CandidateQuery, **more: Any) -> Candidate:
    """A member's row (with its distance `km`, `recent` visits and `commitments`) as matching sees them: one
    reading for matching's query and for the organisers' review of everyone near, so the two cannot drift apart."""
    return Candidate(
        member_id=str(r["id"]),
        profession=r["profession"],
        municipality_name=load_register().by_number[r["kommunenummer"]].name,
        same_municipality=r["kommunenummer"] == q.kommunenummer,
        distance_km=r["km"],
        travel_radius_km=max(r["travel_radius_km"], q.radius_floor_km),
        languages=frozenset(r["languages"]),
        weekdays=frozenset(r["weekdays"]),
        unavailable_dates=frozenset(r["unavailable_dates"]),
        away=tuple((date.fromisoformat(a["from"]), date.fromisoformat(a["to"])) for a in r["unavailable"]),
        times_of_day=frozenset(r["times_of_day"]),
        max_visits_per_month=r["max_visits_per_month"],
        recent_visits=r["recent"],
        trained_year=r["trained_year"],
        commitments=tuple(Commitment(start, end) for start, end in r["commitments"]),
        **more,
    )


class CandidateRepository:
    """Who could staff a visit, read from the roster, its seats and its completed visits."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def load(self, q: CandidateQuery, *, now: datetime) -> list[Candidate]:
        """The query's candidates, best-ranked first (see `load_candidates`)."""
        return await load_candidates(self.conn, q, now=now)
