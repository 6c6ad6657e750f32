"""The member's own gatherings: each with their state, check-in code and, once trained, the proof of training."""

from outreach_shared.regions import NATIONAL, Region
from training.domain.codes import VERIFICATION_LENGTH, normalised
from training.domain.errors import GatheringNotFound
from training.domain.gathering import Counts, GatheringStatus
from training.domain.my_gathering import Certificate, MyGathering, certificate_of
from training.service_layer.unit_of_work import TrainingUnit


async def list_mine(uow: TrainingUnit, member_id: str) -> list[MyGathering]:
    """Every gathering but drafts the member is invited to or registered for, newest first."""
    gatherings = await uow.gatherings.list_of_member(member_id)
    counts = await uow.gatherings.counts([g.id for g in gatherings])
    mine = {r.gathering_id: r for r in await uow.registrations.list_of_member(member_id)}
    return [MyGathering(g, counts.get(g.id, Counts()), mine.get(g.id)) for g in gatherings]


async def of_member(uow: TrainingUnit, member_id: str, *, region: Region = NATIONAL) -> list[MyGathering]:
    """A member's gatherings as an organiser sees them: those the organiser's region runs, and national ones."""
    return [m for m in await list_mine(uow, member_id) if not m.gathering.region or m.gathering.within(region)]


async def get_mine(uow: TrainingUnit, member_id: str, gathering_id: str) -> MyGathering:
    """One of them; 404 for a draft or one the member is neither invited to nor registered for."""
    g = await uow.gatherings.get(gathering_id)
    r = await uow.registrations.get(g.id, member_id)
    if g.status == GatheringStatus.DRAFT or (r is None and not await uow.invitations.is_invited(g.id, member_id)):
        raise GatheringNotFound(f"no gathering {gathering_id!r}")
    counts = await uow.gatherings.counts([g.id])
    return MyGathering(g, counts.get(g.id, Counts()), r)


async def my_certificate(uow: TrainingUnit, member_id: str, gathering_id: str) -> Certificate:
    """The member's proof of training at a completed gathering (404 if not theirs, 409 before completion)."""
    mine = await get_mine(uow, member_id, gathering_id)
    return certificate_of(mine.gathering, mine.registration)


async def verify(uow: TrainingUnit, typed: str) -> Certificate:
    """The proof of training a verification code belongs to (any case, dashes and spaces ignored); 404 otherwise."""
    code = normalised(typed, VERIFICATION_LENGTH)
    r = await uow.registrations.get_by_verification_code(code) if code else None
    if r is None:
        raise GatheringNotFound("no proof of training has this verification code", field="verification_code")
    return certificate_of(await uow.gatherings.get(r.gathering_id), r)
