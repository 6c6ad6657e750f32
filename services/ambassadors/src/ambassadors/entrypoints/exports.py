"""Organisers' download of the roster as CSV or XLSX, with the list's query parameters."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from ambassadors.entrypoints.dependencies import Begin
from ambassadors.entrypoints.roster_filters import Filters
from ambassadors.service_layer import members as roster
from outreach_shared.exports import MAX_ROWS, downloads, export_format, export_response
from outreach_shared.http import Offset
from outreach_shared.skeleton import OrganiserCaller

router = APIRouter(prefix="/v1", tags=["roster"])

COLUMNS = (
    "id", "name", "profession", "kommunenummer", "fylke", "email", "phone", "languages", "employer",
    "max_visits_per_month", "travel_radius_km", "weekdays", "unavailable_dates", "active", "trained_year",
)  # fmt: skip


@downloads(
    router, "/members", "The roster", f"The members GET /v1/members lists with the same parameters (at most {MAX_ROWS})"
)
async def export_members(
    caller: OrganiserCaller,
    begin: Begin,
    fmt: Annotated[str, Depends(export_format)],
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS, description="Default: every matching member")] = MAX_ROWS,
    offset: Offset = 0,
) -> Response:
    """The roster in the organiser's region, filtered as the list is."""
    query = filters.query(limit=limit, offset=offset)
    async with begin() as uow:
        found = await roster.list_members(uow, query, region=caller.region)
    rows = [
        (
            m.id,
            f.name,
            f.profession,
            f.kommunenummer,
            m.fylke,
            f.email,
            f.phone,
            " ".join(f.languages),
            f.employer,
            f.max_visits_per_month,
            f.travel_radius_km,
            " ".join(map(str, f.weekdays)),
            " ".join(d.isoformat() for d in f.unavailable_dates),
            m.active,
            m.trained_year,
        )  # fmt: skip
        for m in found
        for f in (m.fields,)
    ]
    return export_response(fmt, "members", COLUMNS, rows)
