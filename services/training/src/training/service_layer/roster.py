"""Keeping the roster read model from the ambassadors' events: late joiners invited, erasure honoured."""

from outreach_shared.contracts.ambassadors import MemberSnapshot
from training.domain.registration import RegistrationStatus
from training.domain.roster import RosterMember
from training.service_layer import timer_keys
from training.service_layer.invitations import invite
from training.service_layer.registrations import offer_free_places
from training.service_layer.unit_of_work import TrainingUnit


def from_snapshot(snapshot: MemberSnapshot) -> RosterMember:
    """What this service keeps of a member's snapshot."""
    return RosterMember(
        member_id=snapshot.member_id,
        profession=snapshot.profession,
        county=snapshot.fylke,
        active=snapshot.active,
    )


async def record_member(uow: TrainingUnit, member: RosterMember) -> int:
    """Keep the member's latest state; invite them to open gatherings they are now eligible for; returns how many
    gatherings invited them."""
    await uow.roster.upsert(member)
    if not member.active:
        return 0
    invited = 0
    # FOR SHARE waits for a publish in flight, so a member is never missed by both it and this handler.
    for g in await uow.gatherings.lock_invitable():
        if g.accepts_invitations(now=uow.now):
            invited += await invite(uow, g, [member])
    return invited


async def erase_member(uow: TrainingUnit, member_id: str) -> None:
    """Remove the member's personal data; their place at an upcoming gathering goes to the next in line."""
    gatherings = {gid: await uow.gatherings.get(gid, lock=True)
                  for gid in await uow.registrations.gathering_ids_of(member_id)}  # fmt: skip
    await uow.roster.delete(member_id)
    await uow.invitations.erase_member(member_id)
    for r in await uow.registrations.erase_member(member_id):
        g = gatherings[r.gathering_id]
        if r.is_active and g.offers_places(now=uow.now):
            await uow.registrations.set_status(r.id, RegistrationStatus.WITHDRAWN)
            await uow.timers.cancel(timer_keys.PLACE_OFFER_EXPIRY, timer_keys.offer_key(g.id, r.id))
            await offer_free_places(uow, g)
