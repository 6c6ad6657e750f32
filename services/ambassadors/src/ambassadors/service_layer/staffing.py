"""Staffing a visit: choose members for its open seats, offer them the visit, and settle the team."""

import uuid
from collections.abc import Sequence
from dataclasses import replace

from ambassadors.adapters.candidates import CandidateQuery
from ambassadors.domain.availability import Candidate, Policy, local_dates
from ambassadors.domain.matching import TeamChoice, TeamRequest, choose_team, same_from_everyone
from ambassadors.domain.offers import Offer
from ambassadors.domain.visits import Visit
from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from outreach_shared.contracts.ambassadors import (
    MemberReleased,
    NoTeamAvailable,
    OfferMade,
    OfferWithdrawn,
    TeamChanged,
    TeamConfirmed,
)
from outreach_shared.contracts.common import Profession, TeamMember
from outreach_shared.municipalities import load_register

OFFER_EXPIRY = "offer-expiry"
TEAM_SEARCH = "team-search"
MAX_ATTEMPTS = 5
TOP_CANDIDATES = 60
"""Best-ranked candidates loaded first; a full team is almost always among them."""


def offer_timer_key(offer: Offer) -> str:
    """The expiry timer's key: visit first, so a visit's timers can be cancelled together."""
    return f"{offer.visit_id}/{offer.id}"


def team_request(visit: Visit, offers: Sequence[Offer], covered: frozenset[Profession]) -> TeamRequest:
    """What the visit's open seats need, ruling out everyone already asked in this round."""
    r = visit.request
    current = [o for o in offers if o.round == visit.round]
    return TeamRequest(
        visit_id=visit.id,
        municipality_name=load_register().get(r.kommunenummer).name,
        professions=tuple(dict.fromkeys(r.professions)),
        language=r.language,
        windows=(visit.window,) if visit.window else tuple(r.windows),
        seats=visit.open_seats(current),
        covered=covered,
        excluded=frozenset(o.member_id for o in current),
    )


def candidate_query(
    visit: Visit, request: TeamRequest, policy: Policy, limit: int | None, radius_km: int | None = None
) -> CandidateQuery:
    """Who could take any of the request's windows, in the domain's rank order."""
    windows = request.windows
    return CandidateQuery(
        kommunenummer=visit.request.kommunenummer,
        professions=request.professions,
        language=request.language,
        weekdays=sorted({d.isoweekday() for w in windows for d in local_dates(w, policy.tz)}),
        windows=[(w.start, w.end) for w in windows],
        distance_band_km=policy.distance_band_km,
        travel_buffer=policy.travel_buffer,
        tz=policy.tz,
        limit=limit,
        radius_floor_km=radius_km or 0,
    )


async def _choose(
    uow: AmbassadorsUnit, visit: Visit, request: TeamRequest, radius_km: int | None = None
) -> TeamChoice | None:
    """Rank the best few in SQL first; load everyone only when the choice could differ with everyone."""
    policy = uow.config.policy
    query = candidate_query(visit, request, policy, TOP_CANDIDATES, radius_km)
    best = widened(await uow.candidates.load(query, now=uow.now), radius_km)
    choice = choose_team(request, best, now=uow.now, policy=policy)
    if len(best) < TOP_CANDIDATES or same_from_everyone(request, choice, now=uow.now):
        return choice
    query = candidate_query(visit, request, policy, None, radius_km)
    everyone = widened(await uow.candidates.load(query, now=uow.now), radius_km)
    return choose_team(request, everyone, now=uow.now, policy=policy)


def widened(candidates: Sequence[Candidate], radius_km: int | None) -> list[Candidate]:
    """The candidates with each travel radius at least `radius_km` (an organiser's wider search)."""
    if not radius_km:
        return list(candidates)
    return [c if c.travel_radius_km >= radius_km else replace(c, travel_radius_km=radius_km) for c in candidates]


async def _insert_offers(uow: AmbassadorsUnit, visit: Visit, choice: TeamChoice) -> list[Offer] | None:
    """The choice's offers, or None when the database refused one (someone else booked a member meanwhile)."""
    expires_at = min(uow.now + uow.config.offer_ttl, choice.window.start)
    offers = [
        Offer(str(uuid.uuid4()), visit.id, p.member_id, visit.round, "offered", choice.window, expires_at, p.reason)
        for p in sorted(choice.picks, key=lambda p: p.member_id)
    ]
    held = await uow.offers.hold(offers, travel_buffer=uow.config.policy.travel_buffer)
    return offers if held else None


async def announce_offers(
    uow: AmbassadorsUnit, visit: Visit, offers: Sequence[Offer], *, by: str | None = None
) -> None:
    """Tell the members (one event each) and start each offer's expiry timer; `by`: the organiser of an override."""
    r = visit.request
    for offer in offers:
        await uow.emit(
            OfferMade(
                offer_id=offer.id,
                visit_id=visit.id,
                member_id=offer.member_id,
                window=offer.window,
                expires_at=offer.expires_at,
                reason=offer.reason,
                kind=r.kind,
                school_name=r.school_name,
                kommunenummer=r.kommunenummer,
                language=r.language,
                override=offer.override,
                by=by,
                round=offer.round,
            ),
            key=visit.id,
        )
    expiries = [
        (
            offer_timer_key(o),
            o.expires_at,
            {"offer_id": o.id, "visit_id": visit.id, "correlation_id": uow.correlation_id},
        )
        for o in offers
    ]
    await uow.timers.schedule_many(OFFER_EXPIRY, expiries)


async def staff_visit(uow: AmbassadorsUnit, visit: Visit, *, radius_km: int | None = None) -> Visit:
    """Offer the visit's open seats to the best free members (each travelling at least `radius_km`, when given);
    tell booking when nobody can be found."""
    if not visit.is_live:
        return visit
    offers = await uow.offers.for_visit(visit.id, visit.round)
    request = team_request(visit, offers, await covered_professions(uow, offers, visit))
    if request.seats <= 0:
        return visit
    for _ in range(MAX_ATTEMPTS):
        choice = await _choose(uow, visit, request, radius_km)
        if choice is None:
            break
        made = await _insert_offers(uow, visit, choice)
        if made is None:  # someone else booked one of them meanwhile: choose again
            continue
        visit = replace(visit, window=choice.window, unfulfilled=None)
        await uow.visits.save(visit)
        await announce_offers(uow, visit, made)
        if not choice.complete:
            due = min(uow.now + uow.config.search_retry, choice.window.start)
            await uow.timers.schedule(TEAM_SEARCH, visit.id, due, {"correlation_id": uow.correlation_id})
        return visit
    if visit.confirmed_once:  # no replacement: booking gives the visit up and asks to release the rest of the team
        await release(uow, visit, [o for o in offers if o.status == "offered"], "no replacement could be found")
        await uow.timers.cancel(TEAM_SEARCH, visit.id)
    reason = _nobody_reason(visit, request)
    if visit.unfulfilled == reason:  # a later search found nobody again: booking and the school were told already
        return visit
    visit = replace(visit, unfulfilled=reason)
    await uow.visits.save(visit)
    await uow.emit(NoTeamAvailable(visit_id=visit.id, reason=reason), key=visit.id)
    return visit


async def covered_professions(uow: AmbassadorsUnit, offers: Sequence[Offer], visit: Visit) -> frozenset[Profession]:
    """The professions of the members holding a seat on the visit this round."""
    holders = [o.member_id for o in offers if o.round == visit.round and o.holds_seat]
    members = await uow.members.get_many(holders) if holders else {}
    return frozenset(m.fields.profession for m in members.values())


def _nobody_reason(visit: Visit, request: TeamRequest) -> str:
    wanted = " or ".join(request.professions)
    if visit.window is None:
        return (
            f"no free {wanted} speaking {request.language} within reach for any of the "
            f"{len(request.windows)} requested window(s)"
        )
    return (
        f"no replacement found: {request.seats} of {visit.team_size} seat(s) open for the window "
        f"starting {visit.window.start.isoformat()}"
    )


async def release(uow: AmbassadorsUnit, visit: Visit, offers: Sequence[Offer], reason: str) -> None:
    """Withdraw open offers and release accepted members (one event each), cancelling their timers."""
    for offer in offers:
        if offer.status == "offered":
            await uow.offers.save(offer.close("withdrawn"))
            await uow.emit(
                OfferWithdrawn(offer_id=offer.id, visit_id=visit.id, member_id=offer.member_id, reason=reason),
                key=visit.id,
            )
        elif offer.status == "accepted":
            await uow.offers.save(offer.close("released"))
            await uow.emit(
                MemberReleased(visit_id=visit.id, member_id=offer.member_id, reason=reason, window=offer.window),
                key=visit.id,
            )
        await uow.timers.cancel(OFFER_EXPIRY, offer_timer_key(offer))


async def refill(uow: AmbassadorsUnit, visit: Visit) -> Visit:
    """After a member left the team: the visit is open again (a confirmed one stays confirmed at booking while a
    replacement is sought) and the free seat is offered to the next best member, or given up (`staff_visit`)."""
    offers = await uow.offers.for_visit(visit.id, visit.round)
    visit, _ = visit.after_answers(offers)
    await uow.visits.save(visit)
    return await staff_visit(uow, visit)


async def settle_team(uow: AmbassadorsUnit, visit: Visit) -> Visit:
    """Confirm the team once every seat is accepted (or announce the change of a confirmed team)."""
    offers = await uow.offers.for_visit(visit.id, visit.round)
    settled, event = visit.after_answers(offers)
    if settled != visit:
        await uow.visits.save(settled)
    if event is None or settled.window is None:
        return settled
    accepted = [o.member_id for o in offers if o.status == "accepted"]
    members = await uow.members.get_many(accepted)
    team = [
        TeamMember(member_id=m.id, profession=m.fields.profession)
        for m in (members[i] for i in accepted if i in members)
    ]
    model = TeamConfirmed if event == "confirmed" else TeamChanged
    await uow.emit(model(visit_id=visit.id, window=settled.window, members=team, round=settled.round), key=visit.id)
    await uow.timers.cancel(TEAM_SEARCH, visit.id)
    return settled
