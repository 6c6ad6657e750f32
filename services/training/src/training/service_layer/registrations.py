"""Member use cases: register, withdraw, accept an offered place; the waiting list moves on."""

from dataclasses import replace

from outreach_shared.contracts import training as t
from outreach_shared.regions import NATIONAL, Region
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
from training.service_layer.unit_of_work import TrainingUnit


async def _visible_gathering(uow: TrainingUnit, gathering_id: str) -> Gathering:
    """The gathering locked for the change; drafts do not exist for members."""
    g = await uow.gatherings.get(gathering_id, lock=True)
    if g.status == GatheringStatus.DRAFT:
        raise GatheringNotFound(f"no gathering {gathering_id!r}")
    return g


async def _mine(uow: TrainingUnit, gathering_id: str, member_id: str) -> Registration:
    registration = await uow.registrations.get(gathering_id, member_id)
    if registration is None or not registration.is_active:
        raise GatheringNotFound("you are not registered for this gathering")
    return registration


async def register(uow: TrainingUnit, gathering_id: str, member_id: str, needs: Needs) -> Registration:
    """Register an invited member: a place while any remain, otherwise the waiting list."""
    g = await _visible_gathering(uow, gathering_id)  # the row lock keeps capacity under concurrency
    g.check_registration_open(now=uow.now)
    invited = await uow.invitations.is_invited(g.id, member_id)
    check_may_register(invited=invited, existing=await uow.registrations.get(g.id, member_id))
    status = (await uow.registrations.occupancy(g.id, g.capacity)).status_for_newcomer()
    r = await uow.registrations.register(gathering_id=g.id, member_id=member_id, status=status, needs=needs,
                                         now=uow.now)  # fmt: skip
    if r.status == RegistrationStatus.CONFIRMED:
        await uow.emit(notices.confirmed(g, member_id), key=g.id)
    else:
        await uow.emit(notices.waitlisted(g, member_id, r.position or 0), key=g.id)
    return r


async def get_mine(uow: TrainingUnit, gathering_id: str, member_id: str) -> Registration:
    """The member's own registration."""
    registration = await uow.registrations.get(gathering_id, member_id)
    if registration is None:
        raise GatheringNotFound("you are not registered for this gathering")
    return registration


async def withdraw(uow: TrainingUnit, gathering_id: str, member_id: str) -> Registration:
    """Withdraw before the deadline; a freed place is offered to the first waiting member."""
    g = await _visible_gathering(uow, gathering_id)
    g.check_withdrawal_allowed(now=uow.now)
    r = await _mine(uow, g.id, member_id)
    await uow.registrations.set_status(r.id, RegistrationStatus.WITHDRAWN)
    await uow.timers.cancel(timer_keys.PLACE_OFFER_EXPIRY, timer_keys.offer_key(g.id, r.id))
    await uow.emit(t.RegistrationWithdrawn(gathering_id=g.id, member_id=member_id), key=g.id)
    await offer_free_places(uow, g)
    return replace(r, status=RegistrationStatus.WITHDRAWN, position=None, offer_expires_at=None)


async def accept_offer(uow: TrainingUnit, gathering_id: str, member_id: str) -> Registration:
    """Take the place offered before the offer lapses."""
    g = await _visible_gathering(uow, gathering_id)
    r = await _mine(uow, g.id, member_id)
    check_may_accept(r, now=uow.now)
    await uow.registrations.set_status(r.id, RegistrationStatus.CONFIRMED)
    await uow.timers.cancel(timer_keys.PLACE_OFFER_EXPIRY, timer_keys.offer_key(g.id, r.id))
    await uow.emit(notices.confirmed(g, member_id), key=g.id)
    return await get_mine(uow, g.id, member_id)


async def lapse_offer(uow: TrainingUnit, gathering_id: str, registration_id: str) -> Registration | None:
    """The offer was not accepted in time: it lapses and the next waiting member is offered the place; returns the
    lapsed registration (None if it was accepted or withdrawn meanwhile)."""
    g = await uow.gatherings.get(gathering_id, lock=True)
    r = await uow.registrations.get_by_id(registration_id)
    if r is None or r.status != RegistrationStatus.OFFERED:
        return None
    await uow.registrations.set_status(r.id, RegistrationStatus.LAPSED)
    await uow.emit(t.PlaceOfferLapsed(gathering_id=g.id, member_id=r.member_id), key=g.id)
    await offer_free_places(uow, g)
    return replace(r, status=RegistrationStatus.LAPSED, offer_expires_at=None)


async def offer_free_places(uow: TrainingUnit, g: Gathering) -> list[Registration]:
    """Offer every free place to the first waiting members, each until a durable timer lapses it; returns the
    registrations offered a place."""
    if not g.offers_places(now=uow.now):
        return []
    count = (await uow.registrations.occupancy(g.id, g.capacity)).places_to_offer()
    if count == 0:
        return []
    expires_at = g.offer_expiry(now=uow.now, ttl=uow.offer_ttl)
    waiting = await uow.registrations.first_waiting(g.id, count)
    for r in waiting:
        await uow.registrations.set_status(r.id, RegistrationStatus.OFFERED, offer_expires_at=expires_at)
    await uow.timers.schedule_many(timer_keys.PLACE_OFFER_EXPIRY, [
        (timer_keys.offer_key(g.id, r.id), expires_at, {"gathering_id": g.id, "registration_id": r.id})
        for r in waiting
    ])  # fmt: skip
    for r in waiting:
        await uow.emit(notices.place_offered(g, r.member_id, expires_at), key=g.id)
    return [replace(r, status=RegistrationStatus.OFFERED, position=None, offer_expires_at=expires_at) for r in waiting]


async def participants(uow: TrainingUnit, gathering_id: str, *, region: Region = NATIONAL) -> list[Registration]:
    """Everyone holding or waiting for a place (and anyone checked in), places first."""
    g = await uow.gatherings.get(gathering_id)
    if not g.within(region):
        raise GatheringNotFound(f"no gathering {gathering_id!r}")
    rows = await uow.registrations.list_for(g.id)
    return [r for r in rows if r.is_active or r.checked_in_at is not None]
