"""HTTP routes: the organiser API and the members' registration API."""

from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, Query, Response, status

from outreach_shared.http import text_response
from training.domain.gathering import GatheringStatus
from training.domain.registration import Needs
from training.entrypoints.csv_export import participants_csv
from training.entrypoints.deps import (
    EmitterDep,
    MemberIdDep,
    NowDep,
    OfferTtlDep,
    OrganiserDep,
    RuntimeDep,
    TimeRulesDep,
)
from training.entrypoints.schemas import (
    CancelIn,
    CheckInIn,
    GatheringIn,
    GatheringOut,
    GatheringPatch,
    RegistrationIn,
    RegistrationOut,
)
from training.service_layer import attendance, gatherings, registrations

organiser_router = APIRouter(prefix="/v1/gatherings", tags=["gatherings (organiser)"])
member_router = APIRouter(prefix="/v1/gatherings/{gathering_id}/registrations", tags=["registrations (member)"])


@organiser_router.post("", status_code=status.HTTP_201_CREATED, summary="Schedule a gathering (draft)")
async def create_gathering(
    body: GatheringIn, runtime: RuntimeDep, _: OrganiserDep, now: NowDep, rules: TimeRulesDep
) -> GatheringOut:
    """Create a draft gathering; every date is checked."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        g = await gatherings.create(conn, body.to_domain(str(uuid4())), now=now, rules=rules)
    return GatheringOut.of(g)


@organiser_router.get("", summary="List gatherings with counts")
async def list_gatherings(
    runtime: RuntimeDep, _: OrganiserDep, status: Annotated[GatheringStatus | None, Query()] = None
) -> list[GatheringOut]:
    """Every gathering, soonest first."""
    async with runtime.pool.acquire() as conn:
        return [GatheringOut.of(g, c) for g, c in await gatherings.list_all(conn, status=status)]


@organiser_router.get("/{gathering_id}", summary="A gathering with counts")
async def get_gathering(gathering_id: str, runtime: RuntimeDep, _: OrganiserDep) -> GatheringOut:
    """One gathering."""
    async with runtime.pool.acquire() as conn:
        return GatheringOut.of(*await gatherings.get(conn, gathering_id))


@organiser_router.patch("/{gathering_id}", summary="Change a draft")
async def patch_gathering(
    gathering_id: str, body: GatheringPatch, runtime: RuntimeDep, _: OrganiserDep, now: NowDep, rules: TimeRulesDep
) -> GatheringOut:
    """Change a draft gathering; dates are checked again."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        await gatherings.revise(conn, gathering_id, body.changes(), now=now, rules=rules)
        return GatheringOut.of(*await gatherings.get(conn, gathering_id))


@organiser_router.post("/{gathering_id}/publish", summary="Publish and invite every eligible member")
async def publish_gathering(
    gathering_id: str, runtime: RuntimeDep, _: OrganiserDep, now: NowDep, emitter: EmitterDep
) -> GatheringOut:
    """Publish the draft; eligible members are invited."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        await gatherings.publish(conn, emitter, gathering_id, now=now)
        return GatheringOut.of(*await gatherings.get(conn, gathering_id))


@organiser_router.post("/{gathering_id}/cancel", summary="Cancel; every registered or waiting member is told")
async def cancel_gathering(
    gathering_id: str, body: CancelIn, runtime: RuntimeDep, _: OrganiserDep, emitter: EmitterDep
) -> GatheringOut:
    """Cancel the gathering."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        await gatherings.cancel(conn, emitter, gathering_id, body.reason)
        return GatheringOut.of(*await gatherings.get(conn, gathering_id))


@organiser_router.post("/{gathering_id}/complete", summary="Complete: everyone checked in is trained")
async def complete_gathering(
    gathering_id: str, runtime: RuntimeDep, _: OrganiserDep, now: NowDep, emitter: EmitterDep
) -> GatheringOut:
    """Complete the gathering and publish who was trained."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        await gatherings.complete(conn, emitter, gathering_id, now=now)
        return GatheringOut.of(*await gatherings.get(conn, gathering_id))


@organiser_router.post(
    "/{gathering_id}/check-ins",
    summary="Check a member in (idempotent)",
    responses={
        200: {"description": "Already checked in", "model": RegistrationOut},
        201: {"description": "Checked in now", "model": RegistrationOut},
    },
)
async def check_in(
    gathering_id: str,
    body: CheckInIn,
    response: Response,
    runtime: RuntimeDep,
    _: OrganiserDep,
    now: NowDep,
    emitter: EmitterDep,
) -> RegistrationOut:
    """Record a member's arrival; repeating it changes nothing."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        registration, recorded = await attendance.check_in(conn, emitter, gathering_id, body.member_id, now=now)
    response.status_code = status.HTTP_201_CREATED if recorded else status.HTTP_200_OK
    return RegistrationOut.of(registration)


@organiser_router.get("/{gathering_id}/participants", summary="Participants with their needs")
async def list_participants(gathering_id: str, runtime: RuntimeDep, _: OrganiserDep) -> list[RegistrationOut]:
    """Everyone holding or waiting for a place, with dietary and accessibility needs."""
    async with runtime.pool.acquire() as conn:
        return [RegistrationOut.of(r) for r in await registrations.participants(conn, gathering_id)]


@organiser_router.get(
    "/{gathering_id}/participants.csv",
    summary="Participants as CSV",
    response_class=Response,
    responses=text_response("text/csv", "The participants, a line each"),
)
async def export_participants(gathering_id: str, runtime: RuntimeDep, _: OrganiserDep) -> Response:
    """The participant list as a CSV file."""
    async with runtime.pool.acquire() as conn:
        rows = await registrations.participants(conn, gathering_id)
    headers = {"Content-Disposition": f'attachment; filename="participants-{gathering_id}.csv"'}
    return Response(participants_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)


@member_router.post("", status_code=status.HTTP_201_CREATED, summary="Register (confirmed or waitlisted)")
async def register(
    gathering_id: str,
    body: RegistrationIn,
    runtime: RuntimeDep,
    member_id: MemberIdDep,
    now: NowDep,
    emitter: EmitterDep,
) -> RegistrationOut:
    """Register the calling member."""
    needs = Needs(body.dietary, body.accessibility, body.needs_accommodation)
    async with runtime.pool.acquire() as conn, conn.transaction():
        r = await registrations.register(conn, emitter, gathering_id, member_id, needs, now=now)
    return RegistrationOut.of(r)


@member_router.get("/me", summary="My registration")
async def get_my_registration(gathering_id: str, runtime: RuntimeDep, member_id: MemberIdDep) -> RegistrationOut:
    """The calling member's registration."""
    async with runtime.pool.acquire() as conn:
        return RegistrationOut.of(await registrations.get_mine(conn, gathering_id, member_id))


@member_router.delete("/me", status_code=status.HTTP_204_NO_CONTENT, summary="Withdraw")
async def withdraw(
    gathering_id: str,
    runtime: RuntimeDep,
    member_id: MemberIdDep,
    now: NowDep,
    ttl: OfferTtlDep,
    emitter: EmitterDep,
) -> None:
    """Withdraw until the deadline; the place goes to the first on the waiting list."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        await registrations.withdraw(conn, emitter, gathering_id, member_id, now=now, ttl=ttl)


@member_router.post("/me/accept-offer", summary="Accept the place offered")
async def accept_offer(
    gathering_id: str, runtime: RuntimeDep, member_id: MemberIdDep, now: NowDep, emitter: EmitterDep
) -> RegistrationOut:
    """Take the offered place before it lapses."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        return RegistrationOut.of(await registrations.accept_offer(conn, emitter, gathering_id, member_id, now=now))
