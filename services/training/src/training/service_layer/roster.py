"""Keeping the roster read model from the ambassadors' events: late joiners invited, erasure honoured."""

from datetime import datetime, timedelta

import asyncpg

from outreach_shared import timers
from outreach_shared.contracts.ambassadors import MemberSnapshot
from training.adapters.gatherings import GatheringRepository
from training.adapters.registrations import RegistrationRepository
from training.adapters.roster import InvitationRepository, RosterRepository
from training.domain.registration import RegistrationStatus
from training.domain.roster import RosterMember
from training.service_layer import timer_keys
from training.service_layer.invitations import invite
from training.service_layer.outbox import Emitter
from training.service_layer.registrations import offer_free_places


def from_snapshot(snapshot: MemberSnapshot) -> RosterMember:
    """What this service keeps of a member's snapshot."""
    return RosterMember(
        member_id=snapshot.member_id,
        profession=snapshot.profession,
        county=snapshot.fylke,
        active=snapshot.active,
    )


async def record_member(conn: asyncpg.Connection, emitter: Emitter, member: RosterMember, *, now: datetime) -> int:
    """Keep the member's latest state; invite them to open gatherings they are now eligible for."""
    await RosterRepository(conn).upsert(member)
    if not member.active:
        return 0
    invited = 0
    # FOR SHARE waits for a publish in flight, so a member is never missed by both it and this handler.
    for g in await GatheringRepository(conn).lock_invitable():
        if g.accepts_invitations(now=now):
            invited += await invite(conn, emitter, g, [member])
    return invited


async def erase_member(
    conn: asyncpg.Connection, emitter: Emitter, member_id: str, *, now: datetime, ttl: timedelta
) -> None:
    """Remove the member's personal data; their place at an upcoming gathering goes to the next in line."""
    regs = RegistrationRepository(conn)
    repo = GatheringRepository(conn)
    gatherings = {gid: await repo.get(gid, lock=True) for gid in await regs.gathering_ids_of(member_id)}
    await RosterRepository(conn).delete(member_id)
    await InvitationRepository(conn).erase_member(member_id)
    for r in await regs.erase_member(member_id):
        g = gatherings[r.gathering_id]
        if r.is_active and g.offers_places(now=now):
            await regs.set_status(r.id, RegistrationStatus.WITHDRAWN)
            await timers.cancel(conn, timer_keys.PLACE_OFFER_EXPIRY, timer_keys.offer_key(g.id, r.id))
            await offer_free_places(conn, emitter, g, now=now, ttl=ttl)
