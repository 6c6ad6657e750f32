"""Following booking's visit lifecycle: requested, cancelled, rescheduled, released, completed."""

from dataclasses import replace

from ambassadors.domain.ids import is_uuid
from ambassadors.domain.visits import Visit
from ambassadors.service_layer.staffing import TEAM_SEARCH, release, staff_visit
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from outreach_shared.contracts.booking import (
    TeamReleaseRequested,
    VisitCancelled,
    VisitCompleted,
    VisitRequested,
    VisitRescheduled,
)
from outreach_shared.logging import get_logger

log = get_logger(__name__)


async def visit_requested(uow: AmbassadorsUnit, request: VisitRequested) -> None:
    """A new visit: choose a window and a team, and offer it to them."""
    visit = Visit(id=request.visit_id, request=request)
    if await uow.visits.add(visit):
        await staff_visit(uow, visit)


async def _stop(uow: AmbassadorsUnit, visit: Visit, reason: str) -> None:
    offers = await uow.offers.for_visit(visit.id, visit.round)
    await release(uow, visit, [o for o in offers if o.holds_seat], reason)
    await uow.timers.cancel(TEAM_SEARCH, visit.id)


async def visit_cancelled(uow: AmbassadorsUnit, event: VisitCancelled) -> None:
    """Withdraw open offers and release accepted members."""
    visit = await uow.visits.get(event.visit_id, for_update=True)
    if visit is None or not visit.is_live:
        return
    await _stop(uow, visit, f"the visit was cancelled: {event.reason}")
    await uow.visits.save(replace(visit, status="cancelled"))


async def visit_rescheduled(uow: AmbassadorsUnit, event: VisitRescheduled) -> None:
    """Release the team, withdraw offers, and match again for the new windows."""
    request = event.visit.model_copy(update={"windows": event.windows})
    visit = await uow.visits.get(event.visit_id, for_update=True)
    if visit is None:
        await visit_requested(uow, request)
        return
    if visit.status == "cancelled":
        return
    await _stop(uow, visit, "the visit was rescheduled")
    visit = visit.rescheduled(request)
    await uow.visits.save(visit)
    await staff_visit(uow, visit)


async def team_release_requested(uow: AmbassadorsUnit, event: TeamReleaseRequested) -> None:
    """Booking no longer wants these members on the visit: release them (no replacement). A request that answers
    an event of an earlier round changes nothing: the reschedule or rematch that ended that round closed its offers
    already, and the members may hold seats of the new round, which booking still wants (the soak saw a visit
    rescheduled twice in a row stay 'offered' with nobody on it)."""
    visit = await uow.visits.get(event.visit_id, for_update=True)
    if visit is None:
        return
    if event.round is not None and event.round != visit.round:
        log.info("release request for an ended round ignored", visit_id=visit.id, round=event.round,
                 current_round=visit.round)  # fmt: skip
        return
    offers = await uow.offers.for_visit(visit.id, visit.round)
    wanted = set(event.member_ids)
    await release(uow, visit, [o for o in offers if o.holds_seat and o.member_id in wanted], event.reason)
    if not any(o.holds_seat and o.member_id not in wanted for o in offers):
        await uow.timers.cancel(TEAM_SEARCH, visit.id)
        await uow.timers.cancel_matching(f"{visit.id}/")
        if visit.status != "cancelled":  # a cancelled visit stays cancelled
            await uow.visits.save(replace(visit, status="released"))


async def visit_completed(uow: AmbassadorsUnit, event: VisitCompleted) -> None:
    """Count the visit for its team (fairness looks at visits in the last 12 months; members see their totals)."""
    member_ids = event.team_member_ids
    if not member_ids:
        offers = await uow.offers.for_visit(event.visit_id)
        member_ids = [o.member_id for o in offers if o.status == "accepted"]
    team = [m for m in member_ids if is_uuid(m)]
    await uow.visits.record_completed(event.visit_id, team, event.scheduled.start, event.pupils_reached)
