"""Read-side SQL: filtered, paginated visit lists and the rows the impact figures are added from."""

from typing import Any

import asyncpg

from booking.adapters.visits import TEAM_COLUMNS
from booking.domain.listing import PageKey, VisitFilter, VisitSummary
from booking.domain.stats import Counts, Stats, StatsRow
from outreach_shared.contracts.common import TeamMember
from outreach_shared.db import named
from outreach_shared.municipalities import load_register
from outreach_shared.regions import REGION_SQL

_CONDITIONS = (
    ("orgnr", "orgnr = :orgnr"),
    ("status", "status = ANY(:status::text[])"),
    ("kommunenummer", "kommunenummer = :kommunenummer"),
    ("county_number", "county_number = :county_number"),
    ("date_from", "visit_date >= :date_from"),
    ("date_to", "visit_date < :date_to"),
)


def where_clause(f: VisitFilter) -> tuple[str, dict[str, Any]]:
    """The visits table's WHERE clause of a filter (with the region's condition) and its named parameters."""
    given = {name: getattr(f, name) for name, _ in _CONDITIONS if getattr(f, name) is not None}
    if "status" in given:
        given["status"] = list(given["status"])
    conditions = [condition for name, condition in _CONDITIONS if name in given]
    if not f.region.national:
        conditions.append(REGION_SQL.format(column="kommunenummer"))
        given |= f.region.params()
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), given


def page_query(f: VisitFilter, *, limit: int, offset: int = 0, after: PageKey | None = None) -> tuple[Any, ...]:
    """The SQL (and its arguments) of a page of the list: in creation order, after a key. Without dates, the order
    is read from the index visits_by_creation (created_at, seq), the filters checked on the way; with dates (one
    school year: 30,000 visits at national scale), the visits of those dates are read through visits_by_date and
    the page's rows picked from them: read in creation order, the dates' visits would be found only after every
    visit created before them (a second, at national scale)."""
    where, values = where_clause(f)
    if after is not None:
        where += (" AND " if where else " WHERE ") + "(created_at, seq) > (:after_created_at, :after_seq)"
        values |= {"after_created_at": after.created_at, "after_seq": after.seq}
    columns = ("id, status, orgnr, school_name, kommunenummer, county_number, kind, visit_date, scheduled_start, "
               "scheduled_end, created_at, seq")  # fmt: skip
    dated = f.date_from is not None or f.date_to is not None
    source = f"(SELECT {columns} FROM visits{where} OFFSET 0) AS dated" if dated else f"visits{where}"
    return named(
        f"SELECT {columns} FROM {source} ORDER BY created_at, seq LIMIT :limit OFFSET :offset",
        **values, limit=limit, offset=offset,
    )  # fmt: skip


STATS_KEYS = ("kommunenummer", "county_number", "school_year", "profession_key", "kind", "month")
"""The groupings of the impact figures, one grouping set each (and the empty set: the totals)."""


def stats_query(f: VisitFilter, *, totals_only: bool = False) -> tuple[Any, ...]:
    """The SQL (and its arguments) of the impact figures, added up in one pass over the matching visits (one
    school year reads the index visits_by_date): a row for the totals (every key null) and one per group of each
    grouping (only its key set), as `domain.stats.tally` adds them up; `totals_only`: the totals row alone (a
    third of the time: no grouping's sort)."""
    where, values = where_clause(f)
    groupings = "" if totals_only else "".join(f", ({k})" for k in STATS_KEYS)
    keys = ", ".join(f"NULL::text AS {k}" if totals_only else k for k in STATS_KEYS)
    return named(
        "WITH v AS MATERIALIZED (SELECT kommunenummer, county_number, status, ever_confirmed, pupils_reached, "
        "orgnr, kind, CASE WHEN cardinality(professions) < 2 THEN coalesce(professions[1], '') ELSE "
        "array_to_string(ARRAY(SELECT DISTINCT p FROM unnest(professions) AS p ORDER BY p), '+') END "
        "AS profession_key, visit_date AT TIME ZONE 'Europe/Oslo' AS local, (rating->>'score')::int AS rating "
        f"FROM visits{where}), "
        "x AS (SELECT *, to_char(local, 'YYYY-MM') AS month, to_char(local - interval '7 months', 'YYYY') || '/' || "
        "to_char(local + interval '5 months', 'YY') AS school_year FROM v) "
        f"SELECT {keys}, count(*) AS requested, "
        "count(*) FILTER (WHERE ever_confirmed) AS confirmed, "
        "count(*) FILTER (WHERE status = 'unfulfilled') AS unfulfilled, "
        "count(*) FILTER (WHERE status = 'cancelled') AS cancelled, "
        "count(*) FILTER (WHERE status = 'completed') AS completed, "
        "coalesce(sum(pupils_reached), 0) AS pupils_reached, count(rating) AS ratings, "
        "coalesce(sum(rating), 0) AS rating_total, count(DISTINCT orgnr) AS schools_booked, "
        "count(DISTINCT orgnr) FILTER (WHERE status = 'completed') AS schools_reached "
        f"FROM x GROUP BY GROUPING SETS ((){groupings})",
        **values,
    )


def _counts(r: asyncpg.Record) -> Counts:
    return Counts(
        requested=r["requested"], confirmed=r["confirmed"], unfulfilled=r["unfulfilled"], cancelled=r["cancelled"],
        completed=r["completed"], pupils_reached=int(r["pupils_reached"]), ratings=r["ratings"],
        rating_total=int(r["rating_total"]), schools_booked=r["schools_booked"], schools_reached=r["schools_reached"],
    )  # fmt: skip


class VisitQueries:
    """Lists and figures over the visits table."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def page(
        self, f: VisitFilter, *, limit: int, offset: int = 0, after: PageKey | None = None, count: bool = True
    ) -> tuple[list[VisitSummary], int | None, PageKey | None]:
        """One page of matching visits (oldest request first, after `after` if given), how many match in all
        (None unless `count`), and the key to ask for the next page with (None on the last page)."""
        total = None
        if count:
            where, values = where_clause(f)
            total = int(await self._conn.fetchval(*named(f"SELECT count(*) FROM visits{where}", **values)))
        rows = await self._conn.fetch(*page_query(f, limit=limit + 1, offset=offset, after=after))
        more = len(rows) > limit
        rows = rows[:limit]
        items = [VisitSummary(**{k: v for k, v in r.items() if k != "seq"}) for r in rows]
        following = PageKey(rows[-1]["created_at"], rows[-1]["seq"]) if more else None
        return items, total, following

    async def teams(self, visit_ids: list[str]) -> dict[str, tuple[TeamMember, ...]]:
        """The stored team of each of these visits (visits without one are left out)."""
        rows = await self._conn.fetch(*named(
            f"SELECT t.visit_id, {TEAM_COLUMNS} FROM visit_team_members t LEFT JOIN member_names n USING (member_id) "
            "WHERE t.visit_id = ANY(:ids::text[]) ORDER BY t.visit_id, t.position", ids=visit_ids,
        ))  # fmt: skip
        teams: dict[str, list[TeamMember]] = {}
        for r in rows:
            member = TeamMember(member_id=r["member_id"], first_name=r["first_name"], profession=r["profession"])
            teams.setdefault(r["visit_id"], []).append(member)
        return {visit_id: tuple(team) for visit_id, team in teams.items()}

    async def stats(self, f: VisitFilter, *, totals_only: bool = False) -> Stats:
        """The impact figures of the matching visits, added up by the database in one query (`totals_only`: the
        groupings left empty)."""
        register = load_register().by_number
        stats = Stats()
        for r in await self._conn.fetch(*stats_query(f, totals_only=totals_only)):
            counts, knr, county = _counts(r), r["kommunenummer"], r["county_number"]
            if knr is not None:
                stats.by_municipality[(knr, register[knr].name)] = counts
            elif county is not None:
                name = next((m.county for m in register.values() if m.county_number == county), county)
                stats.by_county[(county, name)] = counts
            elif r["school_year"] is not None:
                stats.by_school_year[r["school_year"]] = counts
            elif r["profession_key"] is not None:
                stats.by_profession[r["profession_key"]] = counts
            elif r["kind"] is not None:
                stats.by_kind[r["kind"]] = counts
            elif r["month"] is not None:
                stats.by_month[r["month"]] = counts
            else:
                stats.total = counts
        return stats

    async def stats_rows(self, f: VisitFilter) -> list[StatsRow]:
        """Every matching visit as a row, for `domain.stats.tally` (the reference the database's sums are tested
        against)."""
        where, values = where_clause(f)
        rows = await self._conn.fetch(*named(
            "SELECT kommunenummer, county_number, visit_date, status, ever_confirmed, pupils_reached, orgnr, kind, "
            f"professions, (rating->>'score')::int AS rating FROM visits{where}", **values,
        ))  # fmt: skip
        register = load_register().by_number
        return [
            StatsRow(
                kommunenummer=r["kommunenummer"],
                municipality=register[r["kommunenummer"]].name,
                county_number=r["county_number"],
                county=register[r["kommunenummer"]].county,
                visit_date=r["visit_date"],
                status=r["status"],
                ever_confirmed=r["ever_confirmed"],
                pupils_reached=r["pupils_reached"],
                orgnr=r["orgnr"],
                kind=r["kind"],
                professions=tuple(r["professions"]),
                rating=r["rating"],
            )
            for r in rows
        ]
