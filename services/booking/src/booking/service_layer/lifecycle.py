"""The school's, organisers' and team members' commands on an existing visit."""

from booking.domain.model import ShownVisit
from booking.domain.times import check_windows
from booking.service_layer.feedback import request_feedback
from booking.service_layer.unit_of_work import BookingUnit, load_visible, save, shown
from outreach_shared.auth import Principal
from outreach_shared.contracts.booking import VisitContactErased
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.errors import Forbidden
from outreach_shared.http import require_role


async def cancel(uow: BookingUnit, visit_id: str, *, caller: Principal, reason: str) -> ShownVisit:
    """Cancel the visit (school or organiser); late when confirmed and less than 48 h ahead."""
    visit = await load_visible(uow, visit_id, caller, for_update=True)
    require_role(caller, "school", "organiser")
    visit.cancel(reason=reason, by=caller.role, now=uow.now)
    await save(uow, visit)
    return await shown(uow, visit, caller)


async def reschedule(uow: BookingUnit, visit_id: str, *, caller: Principal, windows: list[TimeWindow]) -> ShownVisit:
    """Give the visit new windows (school or organiser): the team is released and matching restarts."""
    visit = await load_visible(uow, visit_id, caller, for_update=True)
    require_role(caller, "school", "organiser")
    check_windows(windows, kind=visit.details.kind, now=uow.now, policy=uow.policy)
    visit.reschedule(windows, uow.now)
    await save(uow, visit)
    return await shown(uow, visit, caller)


async def report(
    uow: BookingUnit, visit_id: str, *, caller: Principal, pupils_reached: int, notes: str | None
) -> ShownVisit:
    """A member of the confirmed team reports the visit after its start: it is completed, and its school is sent
    the feedback link."""
    require_role(caller, "member")
    if caller.member_id is None:  # the kit's caller refuses such tokens already
        raise Forbidden("the member token carries no member id")
    visit = await load_visible(uow, visit_id, caller, for_update=True)
    visit.record_report(member_id=caller.member_id, pupils_reached=pupils_reached, notes=notes, now=uow.now)
    await save(uow, visit)
    await request_feedback(uow, visit)
    return await shown(uow, visit, caller)


async def complete(
    uow: BookingUnit, visit_id: str, *, caller: Principal, pupils_reached: int | None, notes: str | None
) -> ShownVisit:
    """An organiser marks a confirmed visit completed on the team's behalf, once its window has started."""
    require_role(caller, "organiser")
    visit = await load_visible(uow, visit_id, caller, for_update=True)
    visit.complete_for_team(pupils_reached=pupils_reached, notes=notes, now=uow.now,
                            organiser=f"organiser:{caller.subject}")  # fmt: skip
    await save(uow, visit)
    return await shown(uow, visit, caller)


async def rate(uow: BookingUnit, visit_id: str, *, caller: Principal, score: int, comment: str | None) -> ShownVisit:
    """The school rates its visit after it took place (signed in; the feedback link does the same)."""
    require_role(caller, "school")
    visit = await load_visible(uow, visit_id, caller, for_update=True)
    visit.rate(score=score, comment=comment, now=uow.now)
    await save(uow, visit)
    await uow.feedback_reminders.cancel(visit.id)
    return await shown(uow, visit, caller)


async def erase_contact(uow: BookingUnit, visit_id: str, *, caller: Principal) -> None:
    """An organiser erases the visit's contact person; notify is told to forget them too."""
    require_role(caller, "organiser")
    visit = await load_visible(uow, visit_id, caller, for_update=True)
    await forget_contact(uow, visit.id)


async def forget_contact(uow: BookingUnit, visit_id: str) -> None:
    """Delete the visit's contact and our outbox's copies of it, and tell notify to forget them too: the event
    replaces the contact on the compacted topic."""
    await uow.contacts.erase(visit_id)
    await uow.emit(VisitContactErased(visit_id=visit_id), key=visit_id)
