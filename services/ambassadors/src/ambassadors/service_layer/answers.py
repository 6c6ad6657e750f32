"""Members answering offers, and offers expiring unanswered."""

from ambassadors.domain.offers import Answer, Offer
from ambassadors.service_layer.staffing import OFFER_EXPIRY, offer_timer_key, settle_team, staff_visit
from ambassadors.service_layer.unit_of_work import Work
from outreach_shared import timers
from outreach_shared.contracts.ambassadors import OfferAccepted, OfferDeclined, OfferExpired
from outreach_shared.errors import NotFound


async def answer_offer(
    work: Work, *, offer_id: str, member_id: str, answer: Answer, reason: str | None = None
) -> Offer:
    """Accept or decline an offer; a repeated answer changes nothing; a decline looks for a replacement."""
    found = await work.offers.get(offer_id)
    if found is None or found.member_id != member_id:  # someone else's offer is not found: ids cannot be probed
        raise NotFound(f"no offer {offer_id}")
    visit = await work.visits.get(found.visit_id, for_update=True)  # one decision per visit at a time
    offer = await work.offers.get(offer_id, for_update=True)
    assert visit is not None and offer is not None
    answered = offer.answer(member_id, answer, work.now, reason)
    if answered == offer:
        return offer
    await work.offers.save(answered, answered=True)
    await timers.cancel(work.conn, OFFER_EXPIRY, offer_timer_key(offer))
    ids = {"offer_id": offer.id, "visit_id": offer.visit_id, "member_id": offer.member_id}
    if answer == "accepted":
        await work.emit(OfferAccepted(**ids), key=offer.visit_id)
        await settle_team(work, visit)
    else:
        await work.emit(OfferDeclined(**ids, reason=reason), key=offer.visit_id)
        await staff_visit(work, visit)
    return answered


async def expire_offer(work: Work, offer_id: str) -> None:
    """The offer's deadline passed: expire it if still unanswered, and look for a replacement."""
    found = await work.offers.get(offer_id)
    if found is None:
        return
    visit = await work.visits.get(found.visit_id, for_update=True)
    offer = await work.offers.get(offer_id, for_update=True)
    if visit is None or offer is None or offer.status != "offered":
        return
    await work.offers.save(offer.close("expired"))
    await work.emit(
        OfferExpired(offer_id=offer.id, visit_id=offer.visit_id, member_id=offer.member_id), key=offer.visit_id
    )
    await staff_visit(work, visit)


async def search_again(work: Work, visit_id: str) -> None:
    """A later search for seats a first match could not fill."""
    visit = await work.visits.get(visit_id, for_update=True)
    if visit is not None:
        await staff_visit(work, visit)
