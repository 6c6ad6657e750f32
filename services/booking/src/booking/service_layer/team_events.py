"""Applying the ambassadors service's team events to visits; events that no longer apply are recorded."""

from collections.abc import Callable
from uuid import UUID

from booking.domain.model import ERASED_FIRST_NAME, EventNotApplicable, Visit
from booking.service_layer.unit_of_work import BookingUnit, save
from outreach_shared.contracts.booking import TeamReleaseRequested
from outreach_shared.logging import get_logger

log = get_logger(__name__)


async def apply_team_event(
    uow: BookingUnit,
    *,
    event_id: UUID,
    event_type: str,
    visit_id: str,
    member_ids: list[str],
    change: Callable[[Visit], None],
    staffing_round: int | None = None,
) -> Visit | None:
    """Apply `change` to the locked visit and return it; if it does not apply, record why, ask to release the
    members (naming the event's `staffing_round`, so a request about an ended round releases nobody from the next)
    and return None."""
    visit = await uow.visits.get(visit_id, for_update=True)
    try:
        if visit is None:
            raise EventNotApplicable("unknown visit")
        change(visit)
    except EventNotApplicable as exc:
        log.warning("team event ignored", visit_id=visit_id, reason=exc.reason)
        first_time = await uow.ignored_events.add(
            event_id=event_id, event_type=event_type, visit_id=visit_id, reason=exc.reason, member_ids=member_ids
        )
        if member_ids and first_time:  # a redelivered stale event asks for the release only once
            release = TeamReleaseRequested(
                visit_id=visit_id, member_ids=member_ids, reason=exc.reason, round=staffing_round
            )
            await uow.emit(release, key=visit_id)
        return None
    if visit.recorded_anything:  # a second offer for a visit already being offered changes nothing: no write
        await save(uow, visit)
    return visit


async def erase_member(uow: BookingUnit, member_id: str) -> int:
    """Replace an erased member's first name in every stored team with a neutral placeholder; how many seats."""
    seats = await uow.visits.erase_member_first_name(member_id, ERASED_FIRST_NAME)
    log.info("member erased from teams", member_id=member_id, seats=seats)
    return seats
