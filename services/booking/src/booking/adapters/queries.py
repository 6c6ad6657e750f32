"""Read-side SQL: filtered, paginated visit lists and the rows the impact figures are added from."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from booking.domain.stats import StatsRow
from booking.domain.values import Status
from outreach_shared.municipalities import load_register


@dataclass(frozen=True)
class VisitFilter:
    """Which visits a list or the figures cover; `orgnr` restricts to one school."""

    orgnr: str | None = None
    status: Status | None = None
    kommunenummer: str | None = None
    county_number: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None


@dataclass(frozen=True)
class VisitSummary:
    """A visit as a list shows it."""

    id: str
    status: Status
    orgnr: str
    school_name: str
    kommunenummer: str
    county_number: str
    kind: str
    visit_date: datetime
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    created_at: datetime


def _where(f: VisitFilter) -> tuple[str, list[Any]]:
    conditions: list[str] = []
    args: list[Any] = []
    for column, op, value in (
        ("orgnr", "=", f.orgnr),
        ("status", "=", f.status),
        ("kommunenummer", "=", f.kommunenummer),
        ("county_number", "=", f.county_number),
        ("visit_date", ">=", f.date_from),
        ("visit_date", "<", f.date_to),
    ):
        if value is not None:
            args.append(value)
            conditions.append(f"{column} {op} ${len(args)}")
    return (" WHERE " + " AND ".join(conditions) if conditions else ""), args


async def list_visits(
    conn: asyncpg.Connection, f: VisitFilter, *, limit: int, offset: int
) -> tuple[list[VisitSummary], int]:
    """One page of matching visits (oldest request first) and how many match in all."""
    where, args = _where(f)
    total = await conn.fetchval(f"SELECT count(*) FROM visits{where}", *args)
    rows = await conn.fetch(
        "SELECT id, status, orgnr, school_name, kommunenummer, county_number, kind, visit_date, "
        f"scheduled_start, scheduled_end, created_at FROM visits{where} "
        f"ORDER BY created_at, seq LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
        *args,
        limit,
        offset,
    )
    return [VisitSummary(**dict(r.items())) for r in rows], int(total)


async def stats_rows(conn: asyncpg.Connection, f: VisitFilter) -> list[StatsRow]:
    """Every matching visit as a row for the impact figures."""
    where, args = _where(f)
    rows = await conn.fetch(
        f"SELECT kommunenummer, county_number, visit_date, status, ever_confirmed, pupils_reached FROM visits{where}",
        *args,
    )
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
        )
        for r in rows
    ]
