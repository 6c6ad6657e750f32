"""Check-in on the day, by member id or by the member's check-in code: idempotent, one AttendanceRecorded per member."""

from dataclasses import dataclass

from outreach_shared.contracts import training as t
from outreach_shared.errors import Invalid
from outreach_shared.regions import NATIONAL, Region
from training.domain.codes import ALPHABET, CHECK_IN_LENGTH, normalised
from training.domain.errors import GatheringNotFound, WrongGatheringState
from training.domain.gathering import Gathering
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
    g = await _open_for_check_in(uow, gathering_id, region)
    r = await uow.registrations.get(g.id, member_id)
    if r is None or r.status != RegistrationStatus.CONFIRMED:
        raise WrongGatheringState(f"member {member_id} has no confirmed place at this gathering")
    return await _arrived(uow, g, r)


async def check_in_by_code(uow: TrainingUnit, gathering_id: str, typed: str, *, region: Region = NATIONAL) -> CheckIn:
    """Record the arrival of the member whose check-in code was typed or scanned (any case, dashes and spaces
    ignored); 422 for what cannot be a code, 404 for one no registration of this gathering holds."""
    code = normalised(typed, CHECK_IN_LENGTH)
    if code is None:
        raise Invalid(f"a check-in code is {CHECK_IN_LENGTH} characters of {ALPHABET}", field="code")
    g = await _open_for_check_in(uow, gathering_id, region)
    r = await uow.registrations.get_by_check_in_code(g.id, code)
    if r is None:
        raise GatheringNotFound("no registration of this gathering has this check-in code", field="code")
    if r.status != RegistrationStatus.CONFIRMED:
        raise WrongGatheringState(f"the member with this check-in code has no confirmed place (they are {r.status})")
    return await _arrived(uow, g, r)


async def _open_for_check_in(uow: TrainingUnit, gathering_id: str, region: Region) -> Gathering:
    g = await organisers(uow, gathering_id, region, lock=True)
    g.check_check_in_allowed(now=uow.now)
    return g


async def _arrived(uow: TrainingUnit, g: Gathering, r: Registration) -> CheckIn:
    if r.checked_in_at is not None:
        return CheckIn(r, recorded=False)
    await uow.registrations.check_in(r.id, uow.now)
    await uow.emit(t.AttendanceRecorded(gathering_id=g.id, member_id=r.member_id), key=g.id)
    updated = await uow.registrations.get_by_id(r.id)
    assert updated is not None
    return CheckIn(updated, recorded=True)
