"""Check-in on the day: idempotent, one AttendanceRecorded per member."""

from dataclasses import dataclass

from outreach_shared.contracts import training as t
from outreach_shared.regions import NATIONAL, Region
from training.domain.errors import WrongGatheringState
from training.domain.registration import Registration, RegistrationStatus
from training.service_layer.gatherings import organisers
from training.service_layer.unit_of_work import TrainingUnit


@dataclass(frozen=True)
class CheckIn:
    """The member's registration after checking in, and whether this call recorded the arrival."""

    registration: Registration
    recorded: bool


async def check_in(uow: TrainingUnit, gathering_id: str, member_id: str, *, region: Region = NATIONAL) -> CheckIn:
    """Record the member's arrival (once; checking in again changes nothing)."""
    g = await organisers(uow, gathering_id, region, lock=True)
    g.check_check_in_allowed(now=uow.now)
    r = await uow.registrations.get(g.id, member_id)
    if r is None or r.status != RegistrationStatus.CONFIRMED:
        raise WrongGatheringState(f"member {member_id} has no confirmed place at this gathering")
    if r.checked_in_at is not None:
        return CheckIn(r, recorded=False)
    await uow.registrations.check_in(r.id, uow.now)
    await uow.emit(t.AttendanceRecorded(gathering_id=g.id, member_id=member_id), key=g.id)
    updated = await uow.registrations.get(g.id, member_id)
    assert updated is not None
    return CheckIn(updated, recorded=True)
