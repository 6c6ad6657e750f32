"""HTTP routes: the organiser API and the members' registration API."""

from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, Depends, Query, Response, status

from outreach_shared.exports import downloads, export_format, export_response
from outreach_shared.skeleton import OrganiserCaller
from training.domain.gathering import GatheringStatus
from training.domain.registration import Needs
from training.entrypoints.csv_export import COLUMNS, participant_rows
from training.entrypoints.dependencies import Begin, MemberId
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

GATHERING_ID = r"^[A-Za-z0-9_.:-]+$"
"""What a gathering id can look like (ids are UUIDs)."""

organiser_router = APIRouter(prefix="/v1/gatherings", tags=["gatherings (organiser)"])
member_router = APIRouter(prefix="/v1/gatherings/{gathering_id}/registrations", tags=["registrations (member)"])


@organiser_router.post("", status_code=status.HTTP_201_CREATED, summary="Schedule a gathering (draft)")
async def create_gathering(body: GatheringIn, caller: OrganiserCaller, begin: Begin) -> GatheringOut:
    """Create a draft gathering; every date is checked."""
    async with begin() as uow:
        created = await gatherings.create(uow, body.to_domain(str(uuid4())), region=caller.region)
    return GatheringOut.of(created)


@organiser_router.get("", summary="List gatherings with counts")
async def list_gatherings(
    caller: OrganiserCaller,
    begin: Begin,
    status: Annotated[GatheringStatus | None, Query()] = None,
    after: Annotated[
        str | None,
        Query(
            max_length=100,
            pattern=GATHERING_ID,
            description="Pages newest first: the id of the last gathering "
            "of the previous page (its keyset); one unknown gives an empty page",
        ),
    ] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=100, description="Pages newest first, this many at most (20 when only `after`)")
    ] = None,
) -> list[GatheringOut]:
    """Every gathering in my region, soonest first; with `limit` or `after`, a page of them newest first (ask for one
    more than you show to know whether there is a next page)."""
    async with begin() as uow:
        if limit is None and after is None:
            found = await gatherings.list_all(uow, status=status, region=caller.region)
        else:
            found = await gatherings.page(uow, status=status, region=caller.region, after=after, limit=limit or 20)
    return [GatheringOut.of(view) for view in found]


@organiser_router.get("/{gathering_id}", summary="A gathering with counts")
async def get_gathering(gathering_id: str, caller: OrganiserCaller, begin: Begin) -> GatheringOut:
    """One gathering."""
    async with begin() as uow:
        view = await gatherings.get(uow, gathering_id, region=caller.region)
    return GatheringOut.of(view)


@organiser_router.patch("/{gathering_id}", summary="Change a draft")
async def patch_gathering(
    gathering_id: str, body: GatheringPatch, caller: OrganiserCaller, begin: Begin
) -> GatheringOut:
    """Change a draft gathering; dates are checked again."""
    async with begin() as uow:
        revised = await gatherings.revise(uow, gathering_id, body.changes(), region=caller.region)
    return GatheringOut.of(revised)


@organiser_router.post("/{gathering_id}/publish", summary="Publish and invite every eligible member")
async def publish_gathering(gathering_id: str, caller: OrganiserCaller, begin: Begin) -> GatheringOut:
    """Publish the draft; eligible members are invited."""
    async with begin() as uow:
        published = await gatherings.publish(uow, gathering_id, region=caller.region)
    return GatheringOut.of(published)


@organiser_router.post("/{gathering_id}/cancel", summary="Cancel; every registered or waiting member is told")
async def cancel_gathering(gathering_id: str, body: CancelIn, caller: OrganiserCaller, begin: Begin) -> GatheringOut:
    """Cancel the gathering."""
    async with begin() as uow:
        cancelled = await gatherings.cancel(uow, gathering_id, body.reason, region=caller.region)
    return GatheringOut.of(cancelled)


@organiser_router.post("/{gathering_id}/complete", summary="Complete: everyone checked in is trained")
async def complete_gathering(gathering_id: str, caller: OrganiserCaller, begin: Begin) -> GatheringOut:
    """Complete the gathering and publish who was trained."""
    async with begin() as uow:
        completed = await gatherings.complete(uow, gathering_id, region=caller.region)
    return GatheringOut.of(completed)


@organiser_router.post(
    "/{gathering_id}/check-ins",
    summary="Check a member in (idempotent)",
    responses={
        200: {"description": "Already checked in", "model": RegistrationOut},
        201: {"description": "Checked in now", "model": RegistrationOut},
    },
)
async def check_in(
    gathering_id: str, body: CheckInIn, response: Response, caller: OrganiserCaller, begin: Begin
) -> RegistrationOut:
    """Record a member's arrival by their `member_id` or the check-in `code` they show (exactly one); repeating it
    changes nothing. An unknown code: 404 naming `code`."""
    by, value = body.who()
    async with begin() as uow:
        if by == "code":
            checked = await attendance.check_in_by_code(uow, gathering_id, value, region=caller.region)
        else:
            checked = await attendance.check_in(uow, gathering_id, value, region=caller.region)
    response.status_code = status.HTTP_201_CREATED if checked.recorded else status.HTTP_200_OK
    return RegistrationOut.of(checked.registration)


@organiser_router.get("/{gathering_id}/participants", summary="Participants with their needs")
async def list_participants(gathering_id: str, caller: OrganiserCaller, begin: Begin) -> list[RegistrationOut]:
    """Everyone holding or waiting for a place, with dietary and accessibility needs."""
    async with begin() as uow:
        found = await registrations.participants(uow, gathering_id, region=caller.region)
    return [RegistrationOut.of(r) for r in found]


@downloads(organiser_router, "/{gathering_id}/participants", "Participants", "The participants, a row each")
async def export_participants(
    gathering_id: str, caller: OrganiserCaller, begin: Begin, fmt: Annotated[str, Depends(export_format)]
) -> Response:
    """The participant list as a CSV or XLSX file."""
    async with begin() as uow:
        found = await registrations.participants(uow, gathering_id, region=caller.region)
    return export_response(fmt, f"participants-{gathering_id}", COLUMNS, participant_rows(found))


@member_router.post("", status_code=status.HTTP_201_CREATED, summary="Register (confirmed or waitlisted)")
async def register(gathering_id: str, body: RegistrationIn, member_id: MemberId, begin: Begin) -> RegistrationOut:
    """Register the calling member."""
    needs = Needs(body.dietary, body.accessibility, body.needs_accommodation)
    async with begin() as uow:
        registered = await registrations.register(uow, gathering_id, member_id, needs)
    return RegistrationOut.of(registered)


@member_router.get("/me", summary="My registration")
async def get_my_registration(gathering_id: str, member_id: MemberId, begin: Begin) -> RegistrationOut:
    """The calling member's registration."""
    async with begin() as uow:
        mine = await registrations.get_mine(uow, gathering_id, member_id)
    return RegistrationOut.of(mine)


@member_router.delete("/me", status_code=status.HTTP_204_NO_CONTENT, summary="Withdraw")
async def withdraw(gathering_id: str, member_id: MemberId, begin: Begin) -> None:
    """Withdraw until the deadline; the place goes to the first on the waiting list."""
    async with begin() as uow:
        await registrations.withdraw(uow, gathering_id, member_id)


@member_router.post("/me/accept-offer", summary="Accept the place offered")
async def accept_offer(gathering_id: str, member_id: MemberId, begin: Begin) -> RegistrationOut:
    """Take the offered place before it lapses."""
    async with begin() as uow:
        accepted = await registrations.accept_offer(uow, gathering_id, member_id)
    return RegistrationOut.of(accepted)
