"""Organisers' impact and visit list (desktop first): `/organiser/impact` (charts of visits, pupils reached and
ratings per month, fylke and profession for a school year, a map of Norway with a dot per kommune, the same figures
as tables and as CSV/XLSX downloads) and `/organiser/visits` (the visits in scope, filtered, a keyset page at a time).

Each page makes one call to booking acting as the organiser, so booking's scope rules apply: a regional organiser
sees only the region's figures and visits."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from outreach_shared.municipalities import load_register
from portal import i18n
from portal.adapters.service_apis import Refused
from portal.domain import organiser_impact as oi
from portal.domain import school_visits as sv
from portal.entrypoints.pages import page_language, render
from portal.entrypoints.security_headers import secure
from portal.entrypoints.web import OrganiserPage, web_router
from portal.i18n import gettext

router = web_router()
OSLO = ZoneInfo("Europe/Oslo")
SchoolYear = Annotated[str | None, Query(max_length=7)]
Short = Annotated[str, Query(max_length=20)]
Cursor = Annotated[str | None, Query(max_length=100)]
DOWNLOADS = {"csv": "/v1/stats.csv", "xlsx": "/v1/stats.xlsx"}


def _year(person: Any, asked: str | None) -> tuple[str, str]:
    """The school year asked for (or the current one if none or not one), and the current one."""
    current = oi.school_year_of(person.clock.now().astimezone(OSLO).date())
    return oi.parse_school_year(asked) or current, current


def _professions(key: str) -> str:
    """A group of professions (`health_worker+nurse`) in the page's language."""
    return " + ".join(gettext(sv.PROFESSIONS.get(p, p)) for p in key.split("+") if p) or "–"


def _charts(rows: Sequence[tuple[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The three charts of one grouping: visits held, pupils reached, and the average rating."""
    return {
        "visits": oi.bar_chart((label, g.get("completed", 0)) for label, g in rows),
        "pupils": oi.bar_chart((label, g.get("pupils_reached", 0)) for label, g in rows),
        "ratings": oi.bar_chart(((label, g.get("rating_average")) for label, g in rows), top=5, decimals=1),
    }


@router.get("/organiser/impact", response_class=HTMLResponse)
async def impact(request: Request, person: OrganiserPage, school_year: SchoolYear = None) -> Response:
    """The school year's figures as charts, a map and tables, with the downloads."""
    year, current = _year(person, school_year)
    booking = await person.api("booking")
    stats = await booking.get("/v1/stats", params={"school_year": oi.booking_year(year)})
    with i18n.speaking(page_language(request)):  # the charts' labels are drawn here, in the page's language
        context = impact_context(stats, year, current)
    return render(request, "organiser/impact_page.html", context)


def impact_context(stats: dict[str, Any], year: str, current: str) -> dict[str, Any]:
    """What the impact page shows of booking's figures for the school year (in the page's language)."""
    months = [(gettext(label), figures) for label, figures in oi.month_rows(stats.get("by_month", []), year)]
    counties = [(c["county"], c) for c in stats["by_county"]]
    professions = [(_professions(p["professions"]), p) for p in stats["by_profession"]]
    visits = {m["kommunenummer"]: int(m["completed"]) for m in stats["by_municipality"]}
    by_number = load_register().by_number
    register = [_Place(m.number, m.name, m.lat, m.lon) for m in by_number.values()]
    projection = oi.Projection()
    return {
        "year": year, "years": oi.years_to_choose(current, year), "total": stats["total"],
        "groups": [
            ("months", gettext("Per month"), gettext("Month"), months, _charts(months)),
            ("counties", gettext("Per county"), gettext("County"), counties, _charts(counties)),
            ("professions", gettext("Per profession"), gettext("Professions"), professions, _charts(professions)),
        ],
        "dots": oi.dots(register, visits, projection), "map_width": projection.width,
        "map_height": projection.height, "reached": sorted(
            ({**m, "county": by_number[m["kommunenummer"]].county if m["kommunenummer"] in by_number else ""}
             for m in stats["by_municipality"] if m["completed"]), key=lambda m: (-m["completed"], m["name"])),
    }  # fmt: skip


class _Place:
    """A kommune of the register as the map needs it."""

    def __init__(self, kommunenummer: str, name: str, lat: float, lon: float) -> None:
        self.kommunenummer, self.name, self.lat, self.lon = kommunenummer, name, lat, lon


@router.get("/organiser/impact.{fmt}", response_class=Response)
async def impact_download(
    request: Request, fmt: str, person: OrganiserPage, school_year: SchoolYear = None
) -> Response:
    """The school year's figures as booking's CSV or XLSX (a row per group), fetched as the organiser."""
    if fmt not in DOWNLOADS:
        raise Refused(404, "no such download")
    year, _ = _year(person, school_year)
    booking = await person.api("booking")
    content, content_type = await booking.get_bytes(DOWNLOADS[fmt], params={"school_year": oi.booking_year(year)})
    name = f"impact-{year}.{fmt}"
    return secure(Response(content, media_type=content_type,
                           headers={"Content-Disposition": f'attachment; filename="{name}"'}))  # fmt: skip


@router.get("/organiser/visits", response_class=HTMLResponse)
async def visits(
    request: Request,
    person: OrganiserPage,
    status: Short = "",
    kommunenummer: Short = "",
    county: Short = "",
    school_year: SchoolYear = None,
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    after: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=oi.PAGE_SIZE)] = oi.PAGE_SIZE,
) -> Response:
    """The visits in the organiser's scope, oldest request first, 50 at a time (or `limit`), the next page after
    the last."""
    _, current = _year(person, None)
    year = "" if school_year == "all" else (oi.parse_school_year(school_year) or current)
    f = oi.VisitListFilter(status=status if status in oi.LIST_STATUSES else "", kommunenummer=kommunenummer.strip(),
                           county=county.strip(), school_year=year, date_from=date_from, date_to=date_to)  # fmt: skip
    params: dict[str, Any] = {**f.booking_params(), "limit": limit, "count": "false"}
    sized = {"limit": str(limit)} if limit != oi.PAGE_SIZE else {}
    if after:
        params["after"] = after
    errors: dict[str, str] = {}
    page: dict[str, Any] = {"items": [], "next": None}
    try:
        page = await (await person.api("booking")).get("/v1/visit-requests", params=params)
    except Refused as refused:
        if refused.status != 422:
            raise
        with i18n.speaking(page_language(request)):
            errors = {oi.booking_field(k): _reason(oi.booking_field(k)) for k in refused.fields} or {
                "status": gettext("The filters could not be used. Check them and try again.")
            }
    register = load_register().by_number
    rows = [
        {**item, "visit_date": datetime.fromisoformat(item["visit_date"]),
         "kommune": register[knr].name if (knr := item["kommunenummer"]) in register else knr}
        for item in page["items"]
    ]  # fmt: skip
    counties = sorted({(m.county_number, m.county) for m in register.values()})
    return render(request, "organiser/impact_visits.html", {
        "rows": rows, "filters": f, "errors": errors, "statuses": sv.STATUSES, "kinds": sv.KINDS,
        "counties": counties, "years": oi.years_to_choose(current, year or current), "paged": bool(after),
        "next_url": f"/organiser/visits?{f.query(**sized, after=page['next'])}" if page["next"] else None,
        "first_url": f"/organiser/visits?{f.query(**sized)}",
    })  # fmt: skip


def _reason(field: str) -> str:
    """What to fix in a filter booking refused."""
    return {
        "kommunenummer": gettext("Write a kommunenummer of four digits, e.g. 4601."),
        "county": gettext("Choose a county."),
        "date_from": gettext("Write the first date as YYYY-MM-DD, e.g. 2026-09-01."),
        "date_to": gettext("Write the last date as YYYY-MM-DD, e.g. 2027-06-20."),
        "after": gettext("The page link is no longer valid: start from the first page."),
    }.get(field, gettext("The filters could not be used. Check them and try again."))
