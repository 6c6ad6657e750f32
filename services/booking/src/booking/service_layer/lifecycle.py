"""The school's, organisers' and team members' commands on an existing visit."""

from datetime import datetime

import asyncpg

from booking.adapters.contacts import ContactRepository
from booking.adapters.visits import VisitRepository
from booking.domain.model import Visit
from booking.domain.times import WindowPolicy, check_windows
from booking.service_layer.unit_of_work import EventSink, load_visible, save
from outreach_shared.auth import Principal
from outreach_shared.contracts import Topics
from outreach_shared.contracts.booking import VisitContactErased
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.http import require_role


async def cancel_visit(
    conn: asyncpg.Connection, visit_id: str, *, caller: Principal, reason: str, now: datetime, emit: EventSink
) -> Visit:
    """Cancel the visit (school or organiser); late when confirmed and less than 48 h ahead."""
    repo = VisitRepository(conn)
    visit = await load_visible(repo, visit_id, caller, for_update=True)
    require_role(caller, "school", "organiser")
    visit.cancel(reason=reason, by=caller.role, now=now)
    await save(repo, visit, emit)
    return visit


async def reschedule_visit(
    conn: asyncpg.Connection,
    visit_id: str,
    *,
    caller: Principal,
    windows: list[TimeWindow],
    now: datetime,
    policy: WindowPolicy,
    emit: EventSink,
) -> Visit:
    """Give the visit new windows (school or organiser): the team is released and matching restarts."""
    repo = VisitRepository(conn)
    visit = await load_visible(repo, visit_id, caller, for_update=True)
    require_role(caller, "school", "organiser")
    check_windows(windows, kind=visit.details.kind, now=now, policy=policy)
    visit.reschedule(windows, now)
    await save(repo, visit, emit)
    return visit


async def report_visit(
    conn: asyncpg.Connection,
    visit_id: str,
    *,
    caller: Principal,
    pupils_reached: int,
    notes: str | None,
    now: datetime,
    emit: EventSink,
) -> Visit:
    """A member of the confirmed team reports the visit after its start: it is completed."""
    require_role(caller, "member")
    repo = VisitRepository(conn)
    visit = await load_visible(repo, visit_id, caller, for_update=True)
    assert caller.member_id is not None
    visit.record_report(member_id=caller.member_id, pupils_reached=pupils_reached, notes=notes, now=now)
    await save(repo, visit, emit)
    return visit


async def rate_visit(
    conn: asyncpg.Connection,
    visit_id: str,
    *,
    caller: Principal,
    score: int,
    comment: str | None,
    now: datetime,
    emit: EventSink,
) -> Visit:
    """The school rates its visit after it took place."""
    require_role(caller, "school")
    repo = VisitRepository(conn)
    visit = await load_visible(repo, visit_id, caller, for_update=True)
    visit.rate(score=score, comment=comment, now=now)
    await save(repo, visit, emit)
    return visit


async def erase_contact(conn: asyncpg.Connection, visit_id: str, *, caller: Principal, emit: EventSink) -> None:
    """An organiser erases the visit's contact person; notify is told to forget them too."""
    require_role(caller, "organiser")
    visit = await load_visible(VisitRepository(conn), visit_id, caller, for_update=True)
    await forget_contact(conn, visit.id, emit)


async def forget_contact(conn: asyncpg.Connection, visit_id: str, emit: EventSink) -> None:
    """Delete the visit's contact and our outbox's copies of it (sent or not: unsent, nobody needs them any more),
    and tell notify to forget them too: the event replaces the contact on the compacted topic."""
    await ContactRepository(conn).erase(visit_id)
    await conn.execute("DELETE FROM outbox WHERE topic = $1 AND key = $2", Topics.VISIT_CONTACTS, visit_id)
    await emit(VisitContactErased(visit_id=visit_id), key=visit_id)
