"""Member use cases: register, withdraw, accept an offered place; the waiting list moves on."""

from datetime import datetime, timedelta

import asyncpg

from outreach_shared import timers
from outreach_shared.contracts import training as t
from training.adapters.gatherings import GatheringRepository
from training.adapters.registrations import RegistrationRepository
from training.adapters.roster import InvitationRepository
from training.domain import notices
from training.domain.errors import GatheringNotFound
from training.domain.gathering import Gathering, GatheringStatus
from training.domain.registration import (
    Needs,
    Registration,
    RegistrationStatus,
    check_may_accept,
    check_may_register,
)
from training.service_layer import timer_keys
from training.service_layer.outbox import Emitter


async def _visible_gathering(conn: asyncpg.Connection, gathering_id: str) -> Gathering:
    """The gathering locked for the change; drafts do not exist for members."""
    g = await GatheringRepository(conn).get(gathering_id, lock=True)
    if g.status == GatheringStatus.DRAFT:
        raise GatheringNotFound(f"no gathering {gathering_id!r}")
    return g


async def _mine(conn: asyncpg.Connection, gathering_id: str, member_id: str) -> Registration:
    registration = await RegistrationRepository(conn).get(gathering_id, member_id)
    if registration is None or not registration.is_active:
        raise GatheringNotFound("you are not registered for this gathering")
    return registration


async def register(
    conn: asyncpg.Connection,
    emitter: Emitter,
    gathering_id: str,
    member_id: str,
    needs: Needs,
    *,
    now: datetime,
) -> Registration:
    """Register an invited member: a place while any remain, otherwise the waiting list."""
    g = await _visible_gathering(conn, gathering_id)  # the row lock keeps capacity under concurrency
    g.check_registration_open(now=now)
    regs = RegistrationRepository(conn)
    invited = await InvitationRepository(conn).is_invited(g.id, member_id)
    check_may_register(invited=invited, existing=await regs.get(g.id, member_id))
    status = (await regs.occupancy(g.id, g.capacity)).status_for_newcomer()
    r = await regs.register(gathering_id=g.id, member_id=member_id, status=status, needs=needs, now=now)
    if r.status == RegistrationStatus.CONFIRMED:
        await emitter.emit(conn, g.id, [notices.confirmed(g, member_id)])
    else:
        await emitter.emit(conn, g.id, [notices.waitlisted(g, member_id, r.position or 0)])
    return r


async def get_mine(conn: asyncpg.Connection, gathering_id: str, member_id: str) -> Registration:
    """The member's own registration."""
    registration = await RegistrationRepository(conn).get(gathering_id, member_id)
    if registration is None:
        raise GatheringNotFound("you are not registered for this gathering")
    return registration


async def withdraw(
    conn: asyncpg.Connection,
    emitter: Emitter,
    gathering_id: str,
    member_id: str,
    *,
    now: datetime,
    ttl: timedelta,
) -> None:
    """Withdraw before the deadline; a freed place is offered to the first waiting member."""
    g = await _visible_gathering(conn, gathering_id)
    g.check_withdrawal_allowed(now=now)
    r = await _mine(conn, g.id, member_id)
    await RegistrationRepository(conn).set_status(r.id, RegistrationStatus.WITHDRAWN)
    await timers.cancel(conn, timer_keys.PLACE_OFFER_EXPIRY, timer_keys.offer_key(g.id, r.id))
    await emitter.emit(conn, g.id, [t.RegistrationWithdrawn(gathering_id=g.id, member_id=member_id)])
    await offer_free_places(conn, emitter, g, now=now, ttl=ttl)


async def accept_offer(
    conn: asyncpg.Connection, emitter: Emitter, gathering_id: str, member_id: str, *, now: datetime
) -> Registration:
    """Take the place offered before the offer lapses."""
    g = await _visible_gathering(conn, gathering_id)
    regs = RegistrationRepository(conn)
    r = await _mine(conn, g.id, member_id)
    check_may_accept(r, now=now)
    await regs.set_status(r.id, RegistrationStatus.CONFIRMED)
    await timers.cancel(conn, timer_keys.PLACE_OFFER_EXPIRY, timer_keys.offer_key(g.id, r.id))
    await emitter.emit(conn, g.id, [notices.confirmed(g, member_id)])
    return await get_mine(conn, g.id, member_id)


async def lapse_offer(
    conn: asyncpg.Connection,
    emitter: Emitter,
    gathering_id: str,
    registration_id: str,
    *,
    now: datetime,
    ttl: timedelta,
) -> None:
    """The offer was not accepted in time: it lapses and the next waiting member is offered the place."""
    g = await GatheringRepository(conn).get(gathering_id, lock=True)
    regs = RegistrationRepository(conn)
    r = await regs.get_by_id(registration_id)
    if r is None or r.status != RegistrationStatus.OFFERED:
        return  # accepted or withdrawn meanwhile
    await regs.set_status(r.id, RegistrationStatus.LAPSED)
    await emitter.emit(conn, g.id, [t.PlaceOfferLapsed(gathering_id=g.id, member_id=r.member_id)])
    await offer_free_places(conn, emitter, g, now=now, ttl=ttl)


async def offer_free_places(
    conn: asyncpg.Connection, emitter: Emitter, g: Gathering, *, now: datetime, ttl: timedelta
) -> int:
    """Offer every free place to the first waiting members, each until a durable timer lapses it."""
    if not g.offers_places(now=now):
        return 0
    regs = RegistrationRepository(conn)
    count = (await regs.occupancy(g.id, g.capacity)).places_to_offer()
    if count == 0:
        return 0
    expires_at = g.offer_expiry(now=now, ttl=ttl)
    offered = await regs.first_waiting(g.id, count)
    for r in offered:
        await regs.set_status(r.id, RegistrationStatus.OFFERED, offer_expires_at=expires_at)
        await timers.schedule(
            conn,
            timer_keys.PLACE_OFFER_EXPIRY,
            timer_keys.offer_key(g.id, r.id),
            expires_at,
            {"gathering_id": g.id, "registration_id": r.id},
        )
    await emitter.emit(conn, g.id, (notices.place_offered(g, r.member_id, expires_at) for r in offered))
    return len(offered)


async def participants(conn: asyncpg.Connection, gathering_id: str) -> list[Registration]:
    """Everyone holding or waiting for a place (and anyone checked in), places first."""
    g = await GatheringRepository(conn).get(gathering_id)
    rows = await RegistrationRepository(conn).list_for(g.id)
    return [r for r in rows if r.is_active or r.checked_in_at is not None]
