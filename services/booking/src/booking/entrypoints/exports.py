"""Organisers' downloads: the visit list and the impact figures as CSV or XLSX, same filters as the lists."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from booking.domain.listing import VisitFilter
from booking.domain.stats import Counts, Stats
from booking.domain.times import in_oslo
from booking.entrypoints.dependencies import BookingBegin, OrganiserCaller
from booking.entrypoints.filters import visit_filter
from booking.service_layer import queries
from outreach_shared.exports import MAX_ROWS, downloads, export_format, export_response

router = APIRouter(prefix="/v1", tags=["exports"])
FilterDep = Annotated[VisitFilter, Depends(visit_filter)]
Format = Annotated[str, Depends(export_format)]

VISIT_COLUMNS = (
    "id", "status", "orgnr", "school_name", "kommunenummer", "county_number", "kind",
    "visit_date", "scheduled_start", "scheduled_end", "created_at",
)  # fmt: skip
COUNT_COLUMNS = tuple(Counts().figures())
STATS_COLUMNS = ("group", "key", "name", *COUNT_COLUMNS)


@downloads(
    router, "/visit-requests", "Visits", f"The visits the list shows under the same filters (at most {MAX_ROWS})"
)
async def export_visits(fmt: Format, caller: OrganiserCaller, begin: BookingBegin, f: FilterDep) -> Response:
    """Every visit in the organiser's region matching the list's filters."""
    async with begin() as uow:
        items, _, _ = await queries.list_for(uow, f, caller=caller, limit=MAX_ROWS, count=False)
    rows = [
        (
            i.id,
            i.status,
            i.orgnr,
            i.school_name,
            i.kommunenummer,
            i.county_number,
            i.kind,
            in_oslo(i.visit_date),
            i.scheduled_start and in_oslo(i.scheduled_start),
            i.scheduled_end and in_oslo(i.scheduled_end),
            in_oslo(i.created_at),
        )  # fmt: skip
        for i in items
    ]
    return export_response(fmt, "visits", VISIT_COLUMNS, rows)


def stats_rows(stats: Stats) -> list[tuple[object, ...]]:
    """The figures as rows: the total first, then each group by key."""

    def row(group: str, key: str, name: str, c: Counts) -> tuple[object, ...]:
        return (group, key, name, *c.figures().values())

    rows = [row("total", "", "", stats.total)]
    rows += [row("municipality", k, n, c) for (k, n), c in sorted(stats.by_municipality.items())]
    rows += [row("county", k, n, c) for (k, n), c in sorted(stats.by_county.items())]
    rows += [row("school_year", y, "", c) for y, c in sorted(stats.by_school_year.items())]
    rows += [row("profession", p, "", c) for p, c in sorted(stats.by_profession.items())]
    rows += [row("kind", k, "", c) for k, c in sorted(stats.by_kind.items())]
    rows += [row("month", m, "", c) for m, c in sorted(stats.by_month.items())]
    return rows


@downloads(router, "/stats", "Impact figures", "The figures of GET /v1/stats, a row per group (column `group`)")
async def export_stats(fmt: Format, caller: OrganiserCaller, begin: BookingBegin, f: FilterDep) -> Response:
    """The impact figures of the organiser's region under the same filters as GET /v1/stats."""
    async with begin() as uow:
        figures = await queries.stats_for(uow, f, caller=caller)
    return export_response(fmt, "impact-figures", STATS_COLUMNS, stats_rows(figures))
