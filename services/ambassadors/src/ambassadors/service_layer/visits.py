"""Following booking's visit lifecycle: requested, cancelled, rescheduled, released, completed."""

from dataclasses import replace

from ambassadors.domain.ids import is_uuid
from ambassadors.domain.visits import Visit
from ambassadors.service_layer.staffing import TEAM_SEARCH, release, staff_visit
from ambassadors.service_layer.unit_of_work import Work
from outreach_shared import timers
from outreach_shared.contracts.booking import (
    TeamReleaseRequested,
    VisitCancelled,
    VisitCompleted,
    VisitRequested,
    VisitRescheduled,
)


async def visit_requested(work: Work, request: VisitRequested) -> None:
    """A new visit: choose a window and a team, and offer it to them."""
    visit = Visit(id=request.visit_id, request=request)
    if await work.visits.add(visit):
        await staff_visit(work, visit)


async def _stop(work: Work, visit: Visit, reason: str) -> None:
    offers = await work.offers.for_visit(visit.id, visit.round)
    await release(work, visit, [o for o in offers if o.holds_seat], reason)
    await timers.cancel(work.conn, TEAM_SEARCH, visit.id)


async def visit_cancelled(work: Work, event: VisitCancelled) -> None:
    """Withdraw open offers and release accepted members."""
    visit = await work.visits.get(event.visit_id, for_update=True)
    if visit is None or not visit.is_live:
        return
    await _stop(work, visit, f"the visit was cancelled: {event.reason}")
    await work.visits.save(replace(visit, status="cancelled"))


async def visit_rescheduled(work: Work, event: VisitRescheduled) -> None:
    """Release the team, withdraw offers, and match again for the new windows."""
    request = event.visit.model_copy(update={"windows": event.windows})
    visit = await work.visits.get(event.visit_id, for_update=True)
    if visit is None:
        await visit_requested(work, request)
        return
    if visit.status == "cancelled":
        return
    await _stop(work, visit, "the visit was rescheduled")
    visit = visit.rescheduled(request)
    await work.visits.save(visit)
    await staff_visit(work, visit)


async def team_release_requested(work: Work, event: TeamReleaseRequested) -> None:
    """Booking no longer wants these members on the visit: release them (no replacement)."""
    visit = await work.visits.get(event.visit_id, for_update=True)
    if visit is None:
        return
    offers = await work.offers.for_visit(visit.id, visit.round)
    wanted = set(event.member_ids)
    await release(work, visit, [o for o in offers if o.holds_seat and o.member_id in wanted], event.reason)
    if not any(o.holds_seat and o.member_id not in wanted for o in offers):
        await timers.cancel(work.conn, TEAM_SEARCH, visit.id)
        await timers.cancel_matching(work.conn, f"{visit.id}/")
        if visit.status != "cancelled":  # a cancelled visit stays cancelled
            await work.visits.save(replace(visit, status="released"))


async def visit_completed(work: Work, event: VisitCompleted) -> None:
    """Count the visit for its team (fairness looks at visits in the last 12 months)."""
    member_ids = event.team_member_ids
    if not member_ids:
        offers = await work.offers.for_visit(event.visit_id)
        member_ids = [o.member_id for o in offers if o.status == "accepted"]
    await work.visits.record_completed(event.visit_id, [m for m in member_ids if is_uuid(m)], event.scheduled.start)
