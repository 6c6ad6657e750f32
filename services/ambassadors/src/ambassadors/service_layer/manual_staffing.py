"""Organisers staffing a visit by hand: its candidates and why, an offer to a named member, a wider search."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ambassadors.adapters.nearby import Nearby
from ambassadors.domain.matching import open_windows
from ambassadors.domain.offers import Offer
from ambassadors.domain.review import Review, review
from ambassadors.domain.visits import Visit
from ambassadors.service_layer.staffing import (
    announce_offers,
    candidate_query,
    covered_professions,
    staff_visit,
    team_request,
)
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from outreach_shared.errors import Conflict, NotFound
from outreach_shared.regions import NATIONAL, Region


@dataclass(frozen=True)
class CandidateReview:
    """A visit's candidates and exclusions, with the members' names and the radius searched with."""

    visit: Visit
    review: Review
    names: dict[str, str]
    radius_km: int | None


@dataclass(frozen=True)
class VisitOffers:
    """A visit's offers of every round, oldest first, with the members' names (empty for one erased)."""

    visit: Visit
    offers: list[Offer]
    names: dict[str, str]


@dataclass(frozen=True)
class Rematch:
    """What a rematch did: the visit now, and the offers it made (none: still nobody)."""

    visit: Visit
    offers: list[Offer]


async def _visit_in(uow: AmbassadorsUnit, visit_id: str, region: Region, *, for_update: bool = False) -> Visit:
    """The visit, if it is in the organiser's region (else 404, as if it did not exist)."""
    visit = await uow.visits.get(visit_id, for_update=for_update)
    if visit is None or not region.covers(visit.request.kommunenummer):
        raise NotFound(f"no visit {visit_id}")
    return visit


def staffable(visit: Visit, offers: Sequence[Offer]) -> Visit:
    """The visit ready for more offers: an unfulfilled visit holding no seat starts a new round (everyone may be
    asked again, and its first full team confirms it again); a cancelled or released one cannot be staffed."""
    holding = any(o.holds_seat for o in offers if o.round == visit.round)
    if visit.unfulfilled and visit.status in ("open", "released") and not holding:
        return visit.reopened()
    if not visit.is_live:
        raise Conflict(f"the visit is {visit.status}; it cannot be staffed")
    return visit


async def candidates(
    uow: AmbassadorsUnit, visit_id: str, *, region: Region = NATIONAL, radius_km: int | None = None
) -> CandidateReview:
    """Members of the region near the visit: those matching could offer an open seat to, ranked with the reasons,
    and the others with the reason each is ruled out (each travelling at least `radius_km`, when given)."""
    visit = await _visit_in(uow, visit_id, region)
    offers = await uow.offers.for_visit(visit.id, visit.round)
    request = team_request(visit, offers, await covered_professions(uow, offers, visit))
    on_team = frozenset(o.member_id for o in offers if o.holds_seat)
    policy = uow.config.policy
    query = candidate_query(visit, request, policy, None, radius_km)
    nearby: Nearby = await uow.nearby.load(visit.id, query, now=uow.now, region=region)
    seen = review(request, nearby.candidates, on_team=on_team, now=uow.now, policy=policy)
    return CandidateReview(visit, seen, nearby.names, radius_km)


async def offers_of(uow: AmbassadorsUnit, visit_id: str, *, region: Region = NATIONAL) -> VisitOffers:
    """Every offer of the visit (all rounds) and what each member answered, for an organiser of its region."""
    visit = await _visit_in(uow, visit_id, region)
    offers = await uow.offers.for_visit(visit.id)
    members = await uow.members.get_many(sorted({o.member_id for o in offers}))
    return VisitOffers(visit, offers, {k: m.fields.name for k, m in members.items()})


async def offer_to(
    uow: AmbassadorsUnit,
    visit_id: str,
    *,
    member_id: str,
    note: str | None,
    region: Region = NATIONAL,
    by: str | None = None,
) -> Offer:
    """The organiser's override: offer an open seat to a named member of the region, whatever matching thinks;
    refused (409) for an unknown or inactive member, one already holding a seat, no open seat or window, or a
    clash the roster forbids for everyone (a double booking, the member's own monthly limit)."""
    visit = await _visit_in(uow, visit_id, region, for_update=True)
    member = await uow.members.get(member_id)
    if member is None or not region.covers(member.fields.kommunenummer):
        raise Conflict(f"no member {member_id} on the roster", field="member_id")
    if not member.active:
        raise Conflict("the member is inactive", field="member_id")
    visit = staffable(visit, await uow.offers.for_visit(visit.id, visit.round))
    offers = await uow.offers.for_visit(visit.id, visit.round)
    if any(o.member_id == member_id and o.holds_seat for o in offers):
        raise Conflict("the member already holds a seat on this visit", field="member_id")
    if visit.open_seats(offers) <= 0:
        raise Conflict("the visit has no open seat")
    window = visit.window if visit.window and visit.window.start > uow.now else None
    if window is None and (starts := open_windows(team_request(visit, offers, frozenset()), uow.now)):
        window = starts[0]
    if window is None:
        raise Conflict("every window of the visit has started")
    reason = "Offered by an organiser" + (f": {note}" if note else "")
    expires_at = min(uow.now + uow.config.offer_ttl, window.start)
    offer = Offer(str(uuid.uuid4()), visit.id, member_id, visit.round, "offered", window, expires_at, reason,
                  override=True)  # fmt: skip
    if not await uow.offers.hold([offer], travel_buffer=uow.config.policy.travel_buffer):
        raise Conflict("the member holds another visit at that time or has reached their monthly limit",
                       field="member_id")  # fmt: skip
    visit = replace(visit, window=window, unfulfilled=None)
    await uow.visits.save(visit)
    await announce_offers(uow, visit, [offer], by=by)
    return offer


async def rematch(
    uow: AmbassadorsUnit, visit_id: str, *, radius_km: int | None = None, region: Region = NATIONAL
) -> Rematch:
    """Search again now for an unfulfilled visit (a new round) or one with open seats, each member travelling at
    least `radius_km` when given; booking is told as after any search (offers made, or nobody found)."""
    visit = await _visit_in(uow, visit_id, region, for_update=True)
    before = await uow.offers.for_visit(visit.id, visit.round)
    staffed = staffable(visit, before)
    if staffed.round != visit.round:
        before = []
        await uow.visits.save(staffed)
    elif staffed.open_seats(before) <= 0:
        raise Conflict("the visit has no open seat")
    after = await staff_visit(uow, staffed, radius_km=radius_km)
    known = {o.id for o in before}
    made = [o for o in await uow.offers.for_visit(after.id, after.round) if o.id not in known]
    return Rematch(after, made)
