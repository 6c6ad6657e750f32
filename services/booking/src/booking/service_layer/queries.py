"""Reads: one visit, lists, the calendar file and the impact figures."""

from dataclasses import replace

from booking.adapters.calendar import render_calendar
from booking.domain.listing import PageKey, VisitFilter, VisitSummary
from booking.domain.model import ShownVisit
from booking.domain.stats import Stats
from booking.domain.survey import tally_surveys
from booking.service_layer.unit_of_work import BookingUnit, load_visible, shown
from outreach_shared.auth import Principal
from outreach_shared.errors import Conflict, Forbidden
from outreach_shared.http import require_role

TEAM_SHOWN = ("confirmed", "completed")
"""A list shows a visit's team in these statuses only: before, there is none; after a cancellation, it is gone."""


async def get_visit(uow: BookingUnit, visit_id: str, *, caller: Principal) -> ShownVisit:
    """The visit and (for its school and organisers) its contact person."""
    return await shown(uow, await load_visible(uow, visit_id, caller), caller)


async def list_for(
    uow: BookingUnit,
    f: VisitFilter,
    *,
    caller: Principal,
    limit: int,
    offset: int = 0,
    after: PageKey | None = None,
    count: bool = True,
) -> tuple[list[VisitSummary], int | None, PageKey | None]:
    """A page of visits: a school sees only its own, an organiser those in their region; each with its team (first
    names and professions) once confirmed. Also the count of all matching (None unless `count`) and the key of the
    next page (None on the last)."""
    require_role(caller, "school", "organiser")
    if caller.role == "school":
        if not caller.orgnr:  # the kit's caller refuses such tokens already
            raise Forbidden("the school token carries no orgnr")
        f = f.for_school(caller.orgnr)
    else:
        f = f.for_region(caller.region)
    items, total, following = await uow.queries.page(f, limit=limit, offset=offset, after=after, count=count)
    staffed = [i.id for i in items if i.status in TEAM_SHOWN]
    teams = await uow.queries.teams(staffed) if staffed else {}
    return [replace(i, team=teams.get(i.id, ())) for i in items], total, following


async def calendar_for(uow: BookingUnit, visit_id: str, *, caller: Principal) -> bytes:
    """The visit's iCalendar file in its latest state; only a visit that was once confirmed has one."""
    visit = await load_visible(uow, visit_id, caller)
    if visit.calendar_slot is None:
        raise Conflict(f"the visit is {visit.status} and was never confirmed: it has no calendar event yet")
    return render_calendar(visit, now=uow.now)


async def stats_for(
    uow: BookingUnit, f: VisitFilter, *, caller: Principal, totals_only: bool = False
) -> Stats:
    """Organisers' impact figures over the matching visits, with their pupils' survey answers (`totals_only`: no
    grouping)."""
    require_role(caller, "organiser")
    f = f.for_region(caller.region)
    stats = await uow.queries.stats(f, totals_only=totals_only)
    stats.survey = tally_surveys(await uow.surveys.rows(f))
    return stats
