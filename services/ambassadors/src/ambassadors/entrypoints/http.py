"""HTTP routes: the organiser's roster API and the member's offers API."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from ambassadors.entrypoints.dependencies import Begin, MemberId
from ambassadors.entrypoints.roster_filters import Filters
from ambassadors.entrypoints.schemas import (
    AnswerOut,
    DeclineIn,
    ImportOut,
    MemberIn,
    MemberOut,
    MemberPatch,
    MePatch,
    MyVisitsOut,
    OfferOut,
    StatsOut,
    WithdrawIn,
)
from ambassadors.service_layer import answers, self_service
from ambassadors.service_layer import members as roster
from ambassadors.service_layer.roster_import import RosterRejected, decode_csv, import_roster, preview_roster
from outreach_shared.http import Offset, problem, raw_body
from outreach_shared.skeleton import OrganiserCaller

roster_router = APIRouter(prefix="/v1/members", tags=["roster"])
offers_router = APIRouter(prefix="/v1", tags=["offers"])
me_router = APIRouter(prefix="/v1/me", tags=["me"])

CSV_BODY = raw_body("text/csv", "The roster: a header line, then a member a line (UTF-8)")


@roster_router.post("", status_code=201, summary="Register a member")
async def create_member(body: MemberIn, caller: OrganiserCaller, begin: Begin) -> MemberOut:
    async with begin() as uow:
        return MemberOut.of(await roster.register_member(uow, body, region=caller.region))


@roster_router.get("", summary="List the roster")
async def list_members(
    caller: OrganiserCaller,
    begin: Begin,
    filters: Filters,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
    after: Annotated[
        UUID | None,
        Query(
            description="Keyset pagination by name: the id of the last member of the previous page (ask for "
            "one more than you show to know whether there is a next page); an unknown id: an empty page"
        ),
    ] = None,
) -> list[MemberOut]:
    """The members in my region matching every filter given, by name."""
    query = filters.query(limit=limit, offset=offset, after=str(after) if after else None)
    async with begin() as uow:
        return [MemberOut.of(m) for m in await roster.list_members(uow, query, region=caller.region)]


@roster_router.post(
    "/import",
    summary="Import a roster CSV (all rows or none; matched by e-mail); `dry_run=true`: what it would do, row by "
    "row, with nothing written",
    openapi_extra=CSV_BODY,
    response_model=ImportOut,
    responses={422: {"description": "Bad rows, each with its line and reason; nothing imported"}},
)
async def import_members(
    request: Request, caller: OrganiserCaller, begin: Begin, dry_run: bool = False
) -> ImportOut | JSONResponse:
    text = decode_csv(await request.body())
    try:
        if dry_run:
            return ImportOut.of(await preview_roster(begin, text, region=caller.region))
        async with begin() as uow:
            return ImportOut.of(await import_roster(uow, text, region=caller.region))
    except RosterRejected as exc:
        errors = [{"line": p.line, "reason": p.reason} for p in exc.problems]
        return problem(422, exc.title, exc.detail, instance=request.url.path, errors=errors)


@roster_router.get("/{member_id}", summary="One member")
async def get_member(member_id: UUID, caller: OrganiserCaller, begin: Begin) -> MemberOut:
    async with begin() as uow:
        return MemberOut.of(await roster.get_member(uow, str(member_id), region=caller.region))


@roster_router.get("/{member_id}/visits", summary="A member's upcoming and past visits")
async def member_visits(
    member_id: UUID,
    caller: OrganiserCaller,
    begin: Begin,
    past_limit: Annotated[int, Query(ge=0, le=500)] = 20,
) -> MyVisitsOut:
    """The visits the member holds a seat on (offered or accepted) and the last ones they were on, as the member's
    own page shows them (404 for a member outside my region)."""
    async with begin() as uow:
        member = await roster.get_member(uow, str(member_id), region=caller.region)
        return MyVisitsOut.of(await self_service.my_visits(uow, member.id, past_limit=past_limit), uow.now)


@roster_router.patch("/{member_id}", summary="Change a member's details")
async def patch_member(member_id: UUID, body: MemberPatch, caller: OrganiserCaller, begin: Begin) -> MemberOut:
    async with begin() as uow:
        changes = body.model_dump(exclude_unset=True)
        return MemberOut.of(await roster.update_member(uow, str(member_id), changes, region=caller.region))


@roster_router.post("/{member_id}/deactivate", summary="Deactivate (releases their future visits)")
async def deactivate_member(member_id: UUID, caller: OrganiserCaller, begin: Begin) -> MemberOut:
    async with begin() as uow:
        return MemberOut.of(await roster.set_active(uow, str(member_id), False, region=caller.region))


@roster_router.post("/{member_id}/reactivate", summary="Reactivate")
async def reactivate_member(member_id: UUID, caller: OrganiserCaller, begin: Begin) -> MemberOut:
    async with begin() as uow:
        return MemberOut.of(await roster.set_active(uow, str(member_id), True, region=caller.region))


@roster_router.delete("/{member_id}", status_code=204, summary="Erase the person (here and everywhere)")
async def erase_member(member_id: UUID, caller: OrganiserCaller, begin: Begin) -> Response:
    async with begin() as uow:
        await roster.erase_member(uow, str(member_id), region=caller.region)
    return Response(status_code=204)


@offers_router.get("/me/offers", summary="My offers and their visits")
async def my_offers(me: MemberId, begin: Begin) -> list[OfferOut]:
    async with begin() as uow:
        seen = await answers.offers_of(uow, me)
    return [OfferOut.of(s) for s in seen]


@offers_router.post("/offers/{offer_id}/accept", summary="Accept an offer")
async def accept_offer(offer_id: UUID, me: MemberId, begin: Begin) -> AnswerOut:
    async with begin() as uow:
        offer = await answers.accept(uow, str(offer_id), member_id=me)
    return AnswerOut.of(offer)


@offers_router.post("/offers/{offer_id}/decline", summary="Decline an offer")
async def decline_offer(offer_id: UUID, me: MemberId, begin: Begin, body: DeclineIn | None = None) -> AnswerOut:
    async with begin() as uow:
        offer = await answers.decline(uow, str(offer_id), member_id=me, reason=body.reason if body else None)
    return AnswerOut.of(offer)


@offers_router.post(
    "/offers/{offer_id}/withdraw",
    summary="Give back a seat I accepted (before the visit starts)",
    responses={409: {"description": "The offer is not accepted, or the visit has started"}},
)
async def withdraw_offer(offer_id: UUID, body: WithdrawIn, me: MemberId, begin: Begin) -> AnswerOut:
    """The seat is offered to the next best member; less than 48 hours ahead the organisers are told."""
    async with begin() as uow:
        offer = await answers.withdraw(uow, str(offer_id), member_id=me, reason=body.reason)
    return AnswerOut.of(offer)


@me_router.get("", summary="My profile and availability")
async def get_me(me: MemberId, begin: Begin) -> MemberOut:
    async with begin() as uow:
        return MemberOut.of(await self_service.get_me(uow, me))


@me_router.patch("", summary="Change my profile and availability (fields left out stay)")
async def patch_me(body: MePatch, me: MemberId, begin: Begin) -> MemberOut:
    async with begin() as uow:
        return MemberOut.of(await self_service.update_me(uow, me, body.model_dump(exclude_unset=True)))


@me_router.get("/visits", summary="My upcoming and past visits, and what is expected of me")
async def my_visits(me: MemberId, begin: Begin, past_limit: Annotated[int, Query(ge=0, le=500)] = 50) -> MyVisitsOut:
    async with begin() as uow:
        visits = await self_service.my_visits(uow, me, past_limit=past_limit)
        return MyVisitsOut.of(visits, uow.now)


@me_router.get("/stats", summary="My visits done and pupils reached: this school year and all time")
async def my_stats(me: MemberId, begin: Begin) -> StatsOut:
    async with begin() as uow:
        return StatsOut.of(await self_service.my_stats(uow, me))
