"""Query parameters of the list and stats endpoints, turned into a VisitFilter."""

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator

from booking.domain.listing import VisitFilter
from booking.domain.times import OSLO, school_year_bounds
from booking.domain.values import Status
from outreach_shared.bounds.identifiers import Kommunenummer
from outreach_shared.errors import Invalid

EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
"""The dates a filter may name: any the programme can have visits on (and no further, so no date overflows)."""


def _calendar_date(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date, YYYY-MM-DD")  # pydantic would read "0" as a count of seconds since 1970
    return value


IsoDate = Annotated[date, BeforeValidator(_calendar_date)]


def _oslo_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=OSLO)


def visit_filter(
    status: Annotated[
        list[Status] | None,
        Query(max_length=6, description="Only visits in these statuses (repeat the parameter for several)"),
    ] = None,
    kommunenummer: Annotated[Kommunenummer | None, Query(description="Municipality")] = None,
    county: Annotated[str | None, Query(pattern=r"^\d{2}$", description="County number (fylkesnummer)")] = None,
    date_from: Annotated[
        IsoDate | None,
        Query(
            alias="from", ge=EARLIEST, le=LATEST, description="Visit date on or after (Oslo), 2000-01-01 to 2099-12-31"
        ),
    ] = None,
    date_to: Annotated[
        IsoDate | None,
        Query(
            alias="to", ge=EARLIEST, le=LATEST, description="Visit date on or before (Oslo), 2000-01-01 to 2099-12-31"
        ),
    ] = None,
    school_year: Annotated[str | None, Query(pattern=r"^\d{4}/\d{2}$", description='e.g. "2026/27"')] = None,
) -> VisitFilter:
    """The filter of a list or stats request; the visit date is the scheduled or first preferred start."""
    if school_year is not None:
        try:
            first, last = school_year_bounds(school_year)
        except ValueError as exc:
            raise Invalid(str(exc), field="school_year") from None
        date_from = max(date_from or first, first)
        date_to = min(date_to or last, last)
    return VisitFilter(
        status=tuple(dict.fromkeys(status)) if status else None,
        kommunenummer=kommunenummer,
        county_number=county,
        date_from=_oslo_midnight(date_from) if date_from else None,
        date_to=_oslo_midnight(date_to + timedelta(days=1)) if date_to else None,
    )
