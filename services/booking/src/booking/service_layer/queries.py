"""Reads: one visit, lists, the calendar file and the impact figures."""

from datetime import datetime

import asyncpg

from booking.adapters.calendar import render_calendar
from booking.adapters.contacts import Contact, ContactRepository
from booking.adapters.queries import VisitFilter, VisitSummary, list_visits, stats_rows
from booking.adapters.visits import VisitRepository
from booking.domain.model import Visit
from booking.domain.stats import Stats, tally
from booking.service_layer.unit_of_work import load_visible
from outreach_shared.auth import Principal
from outreach_shared.errors import Conflict
from outreach_shared.http import require_role


async def get_visit(conn: asyncpg.Connection, visit_id: str, *, caller: Principal) -> tuple[Visit, Contact | None]:
    """The visit and (for its school and organisers) its contact person."""
    visit = await load_visible(VisitRepository(conn), visit_id, caller)
    return visit, await contact_for(conn, visit_id, caller=caller)


async def contact_for(conn: asyncpg.Connection, visit_id: str, *, caller: Principal) -> Contact | None:
    """The visit's contact person as `caller` may see it: its school and organisers do, members do not. Every
    answer that shows a visit shows it so (a GET, and the answers to cancel, reschedule, report and rating)."""
    return None if caller.role == "member" else await ContactRepository(conn).get(visit_id)


async def list_for(
    conn: asyncpg.Connection, f: VisitFilter, *, caller: Principal, limit: int, offset: int
) -> tuple[list[VisitSummary], int]:
    """A page of visits: a school sees only its own, an organiser all."""
    require_role(caller, "school", "organiser")
    if caller.role == "school":
        f = VisitFilter(**{**f.__dict__, "orgnr": caller.orgnr})
    return await list_visits(conn, f, limit=limit, offset=offset)


async def calendar_for(conn: asyncpg.Connection, visit_id: str, *, caller: Principal, now: datetime) -> bytes:
    """The visit's iCalendar file in its latest state; only a visit that was once confirmed has one."""
    visit = await load_visible(VisitRepository(conn), visit_id, caller)
    if visit.calendar_slot is None:
        raise Conflict(f"the visit is {visit.status} and was never confirmed: it has no calendar event yet")
    return render_calendar(visit, now=now)


async def stats_for(conn: asyncpg.Connection, f: VisitFilter, *, caller: Principal) -> Stats:
    """Organisers' impact figures over the matching visits."""
    require_role(caller, "organiser")
    return tally(await stats_rows(conn, f))
