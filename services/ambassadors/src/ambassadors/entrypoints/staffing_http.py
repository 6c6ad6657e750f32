"""HTTP routes for organisers: the attention list, and staffing a visit by hand (candidates, offers, rematch)."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from ambassadors.entrypoints.dependencies import Begin
from ambassadors.entrypoints.staffing_schemas import (
    AttentionOut,
    CandidatesOut,
    OfferIn,
    RadiusKm,
    RematchIn,
    RematchOut,
    StaffOfferOut,
    VisitOffersOut,
)
from ambassadors.service_layer import manual_staffing
from ambassadors.service_layer.attention import attention
from outreach_shared.skeleton import OrganiserCaller

visits_router = APIRouter(prefix="/v1/visits", tags=["staffing"])


@visits_router.get("/attention", summary="What needs a person now, in my region")
async def attention_list(
    caller: OrganiserCaller, begin: Begin, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[AttentionOut]:
    """Unfulfilled visits, offers expiring unanswered within 24 h, confirmed teams short a member less than 48 h
    ahead, visits ended over 24 h ago without a report (up to `limit` of each), soonest first. Gatherings' places
    offered and unanswered are training's `GET /v1/gatherings/attention` (same item shape): clients merge both."""
    async with begin() as uow:
        return [AttentionOut.of(a) for a in await attention(uow, region=caller.region, limit=limit)]


@visits_router.get("/{visit_id}/candidates", summary="A visit's candidates and exclusions, with reasons")
async def visit_candidates(
    visit_id: UUID,
    caller: OrganiserCaller,
    begin: Begin,
    travel_radius_km: Annotated[RadiusKm | None, Query()] = None,
) -> CandidatesOut:
    """Members of my region near the visit: ranked as matching ranks them (and whom it would choose now), and the
    others with the reason each is ruled out."""
    async with begin() as uow:
        found = await manual_staffing.candidates(uow, str(visit_id), region=caller.region, radius_km=travel_radius_km)
    return CandidatesOut.of(found)


@visits_router.get("/{visit_id}/offers", summary="A visit's offers and answers (every round)")
async def visit_offers(visit_id: UUID, caller: OrganiserCaller, begin: Begin) -> VisitOffersOut:
    """Whom the visit was offered to, round by round (oldest first), each offer's state and the member's reason
    when they declined or withdrew; 404 for a visit outside my region."""
    async with begin() as uow:
        return VisitOffersOut.of(await manual_staffing.offers_of(uow, str(visit_id), region=caller.region))


@visits_router.post("/{visit_id}/offers", status_code=201, summary="Offer a seat to a named member (override)")
async def offer_seat(visit_id: UUID, body: OfferIn, caller: OrganiserCaller, begin: Begin) -> StaffOfferOut:
    """Offer an open seat to this member even where matching would not (recorded as an override); 409 for an
    unknown or inactive member, one already on the visit, no open seat, or a clash with their other visits."""
    async with begin() as uow:
        offer = await manual_staffing.offer_to(uow, str(visit_id), member_id=str(body.member_id), note=body.note,
                                               region=caller.region, by=f"organiser:{caller.subject}")  # fmt: skip
    return StaffOfferOut.of(offer)


@visits_router.post("/{visit_id}/rematch", summary="Search again now, optionally wider")
async def rematch_visit(
    visit_id: UUID, caller: OrganiserCaller, begin: Begin, body: RematchIn | None = None
) -> RematchOut:
    """For an unfulfilled visit (a new round: everyone may be asked again) or one with open seats; 409 otherwise."""
    radius = body.travel_radius_km if body else None
    async with begin() as uow:
        done = await manual_staffing.rematch(uow, str(visit_id), radius_km=radius, region=caller.region)
    return RematchOut.of(done)
