"""Members seeing and answering their offers, and offers expiring unanswered."""

from ambassadors.domain.offers import Answer, Offer
from ambassadors.domain.visits import OfferOfVisit
from ambassadors.service_layer.staffing import OFFER_EXPIRY, offer_timer_key, refill, settle_team, staff_visit
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from outreach_shared.contracts.ambassadors import (
    MemberReleased,
    OfferAccepted,
    OfferDeclined,
    OfferExpired,
    OfferWithdrawn,
)
from outreach_shared.errors import NotFound


async def offers_of(uow: AmbassadorsUnit, member_id: str) -> list[OfferOfVisit]:
    """The member's offers with their visits, newest window first."""
    return await uow.offers.for_member_view(member_id)


async def accept(uow: AmbassadorsUnit, offer_id: str, *, member_id: str) -> Offer:
    """The member takes the seat offered; the team is confirmed when its last seat is taken."""
    return await _answer(uow, offer_id=offer_id, member_id=member_id, answer="accepted")


async def decline(uow: AmbassadorsUnit, offer_id: str, *, member_id: str, reason: str | None = None) -> Offer:
    """The member turns the seat down (saying why, if they like); someone else is offered it."""
    return await _answer(uow, offer_id=offer_id, member_id=member_id, answer="declined", reason=reason)


async def _answer(
    uow: AmbassadorsUnit, *, offer_id: str, member_id: str, answer: Answer, reason: str | None = None
) -> Offer:
    """Accept or decline an offer; a repeated answer changes nothing; a decline looks for a replacement."""
    found = await uow.offers.get(offer_id)
    if found is None or found.member_id != member_id:  # someone else's offer is not found: ids cannot be probed
        raise NotFound(f"no offer {offer_id}")
    visit = await uow.visits.get(found.visit_id, for_update=True)  # one decision per visit at a time
    offer = await uow.offers.get(offer_id, for_update=True)
    assert visit is not None and offer is not None
    answered = offer.answer(member_id, answer, uow.now, reason)
    if answered == offer:
        return offer
    await uow.offers.save(answered, answered=True)
    await uow.timers.cancel(OFFER_EXPIRY, offer_timer_key(offer))
    ids = {"offer_id": offer.id, "visit_id": offer.visit_id, "member_id": offer.member_id}
    if answer == "accepted":
        await uow.emit(OfferAccepted(**ids), key=offer.visit_id)
        await settle_team(uow, visit)
    else:
        await uow.emit(OfferDeclined(**ids, reason=reason), key=offer.visit_id)
        await staff_visit(uow, visit)
    return answered


async def withdraw(uow: AmbassadorsUnit, offer_id: str, *, member_id: str, reason: str) -> Offer:
    """The member gives back a seat they accepted (409 once the visit started): they are released from the visit
    (a CANCEL reaches them if they hold its invitation) and the seat is offered to the next best member, as when
    a member leaves; less than 48 hours ahead the organisers are told."""
    found = await uow.offers.get(offer_id)
    if found is None or found.member_id != member_id:  # someone else's offer is not found: ids cannot be probed
        raise NotFound(f"no offer {offer_id}")
    visit = await uow.visits.get(found.visit_id, for_update=True)  # one decision per visit at a time
    offer = await uow.offers.get(offer_id, for_update=True)
    assert visit is not None and offer is not None
    withdrawn = offer.withdraw(member_id, reason, uow.now)
    await uow.offers.save(withdrawn, answered=True)
    ids = {"visit_id": offer.visit_id, "member_id": offer.member_id}
    late = offer.is_late_withdrawal(uow.now)
    await uow.emit(
        OfferWithdrawn(**ids, offer_id=offer.id, reason=reason, by_member=True, late=late, window=offer.window),
        key=offer.visit_id,
    )
    await uow.emit(MemberReleased(**ids, reason="you withdrew", window=offer.window), key=offer.visit_id)
    await refill(uow, visit)
    return withdrawn


async def expire_offer(uow: AmbassadorsUnit, offer_id: str) -> None:
    """The offer's deadline passed: expire it if still unanswered, and look for a replacement."""
    found = await uow.offers.get(offer_id)
    if found is None:
        return
    visit = await uow.visits.get(found.visit_id, for_update=True)
    offer = await uow.offers.get(offer_id, for_update=True)
    if visit is None or offer is None or offer.status != "offered":
        return
    await uow.offers.save(offer.close("expired"))
    await uow.emit(
        OfferExpired(offer_id=offer.id, visit_id=offer.visit_id, member_id=offer.member_id), key=offer.visit_id
    )
    await staff_visit(uow, visit)


async def search_again(uow: AmbassadorsUnit, visit_id: str) -> None:
    """A later search for seats a first match could not fill."""
    visit = await uow.visits.get(visit_id, for_update=True)
    if visit is not None:
        await staff_visit(uow, visit)
