"""Who may be what (national organisers): the organisers' allow-list with each one's scope, schools' contacts, and
people's requests to become a school's contact (anyone may ask; it makes nobody a contact until approved). The
portal does not know a school's municipality, so regional organisers manage none of this."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response

from outreach_shared.errors import Invalid
from outreach_shared.regions import Region, UnknownArea
from outreach_shared.skeleton import NationalOrganiser
from portal.domain.people import RequestStatus
from portal.entrypoints.browser import client_address
from portal.entrypoints.dependencies import Begin
from portal.entrypoints.people_schemas import (
    ContactIn,
    ContactOut,
    ContactRequestIn,
    ContactRequestOut,
    ContactRequestReceived,
    OrganiserIn,
    OrganiserOut,
    ScopeIn,
)
from portal.service_layer import people

router = APIRouter(tags=["who may be what"])
Orgnr = Annotated[str, Path(pattern=r"^[0-9]{9}$", description="The school's organisation number")]
AUTH: dict[int | str, dict[str, str]] = {401: {"description": "No valid token"},
                                         403: {"description": "Not a national organiser"}}  # fmt: skip


def _actor(caller: NationalOrganiser) -> str:
    return f"organiser:{caller.subject}"


def _region(fylker: list[str], kommuner: list[str]) -> Region:
    try:
        return Region.of(fylker, kommuner)
    except UnknownArea as exc:
        raise Invalid(str(exc), field="fylker" if "fylke" in str(exc) else "kommuner") from None


@router.get("/v1/organisers", response_model=list[OrganiserOut], responses=AUTH)
async def list_organisers(caller: NationalOrganiser, begin: Begin) -> list[OrganiserOut]:
    """The organisers' allow-list, with each one's scope."""
    async with begin() as uow:
        return [OrganiserOut.of(o) for o in await people.organisers(uow)]


@router.post("/v1/organisers", status_code=201, response_model=OrganiserOut, responses=AUTH)
async def add_organiser(body: OrganiserIn, caller: NationalOrganiser, request: Request, begin: Begin) -> OrganiserOut:
    """Allow an address to sign in as an organiser, nationally or for counties and municipalities."""
    region = _region(body.fylker, body.kommuner)
    async with begin() as uow:
        added = await people.add_organiser(uow, str(body.email), region, actor=_actor(caller),
                                           client=client_address(request))  # fmt: skip
    return OrganiserOut.of(added)


@router.patch("/v1/organisers/{organiser_id}", response_model=OrganiserOut, responses=AUTH)
async def change_scope(organiser_id: UUID, body: ScopeIn, caller: NationalOrganiser, request: Request,
                       begin: Begin) -> OrganiserOut:  # fmt: skip
    """Give an organiser another scope; their sessions end."""
    region = _region(body.fylker, body.kommuner)
    async with begin() as uow:
        changed = await people.change_scope(uow, str(organiser_id), region, actor=_actor(caller),
                                            client=client_address(request))  # fmt: skip
    return OrganiserOut.of(changed)


@router.delete("/v1/organisers/{organiser_id}", status_code=204, responses=AUTH)
async def remove_organiser(organiser_id: UUID, caller: NationalOrganiser, request: Request, begin: Begin) -> Response:
    """Take an organiser off the allow-list; their sessions end."""
    async with begin() as uow:
        await people.remove_organiser(uow, str(organiser_id), actor=_actor(caller), client=client_address(request))
    return Response(status_code=204)


@router.get("/v1/schools/{orgnr}/contacts", response_model=list[ContactOut], responses=AUTH)
async def list_contacts(orgnr: Orgnr, caller: NationalOrganiser, begin: Begin) -> list[ContactOut]:
    """A school's contacts."""
    async with begin() as uow:
        return [ContactOut.of(c) for c in await people.contacts(uow, orgnr)]


@router.post("/v1/schools/{orgnr}/contacts", status_code=201, response_model=ContactOut, responses=AUTH)
async def invite_contact(orgnr: Orgnr, body: ContactIn, caller: NationalOrganiser, request: Request,
                         begin: Begin) -> ContactOut:  # fmt: skip
    """Make an address the school's contact (by invitation): it signs in as that school from now on."""
    async with begin() as uow:
        added = await people.invite_contact(uow, orgnr, str(body.email), actor=_actor(caller),
                                            client=client_address(request))  # fmt: skip
    return ContactOut.of(added)


@router.delete("/v1/schools/{orgnr}/contacts/{contact_id}", status_code=204, responses=AUTH)
async def remove_contact(orgnr: Orgnr, contact_id: UUID, caller: NationalOrganiser, request: Request,
                         begin: Begin) -> Response:  # fmt: skip
    """Untie a contact from the school."""
    async with begin() as uow:
        await people.remove_contact(uow, orgnr, str(contact_id), actor=_actor(caller), client=client_address(request))
    return Response(status_code=204)


@router.post(
    "/v1/school-contact-requests",
    status_code=202,
    response_model=ContactRequestReceived,
    responses={429: {"description": "Too many requests"}},
)
async def ask_to_be_contact(body: ContactRequestIn, request: Request, begin: Begin) -> ContactRequestReceived:
    """Ask to become a school's contact (no sign-in needed). It makes nobody a contact: an organiser approves or
    rejects it. The answer says nothing about the school or the address."""
    async with begin() as uow:
        await people.ask_to_be_contact(uow, body.orgnr, str(body.email), body.message, client=client_address(request))
    return ContactRequestReceived()


@router.get("/v1/school-contact-requests", response_model=list[ContactRequestOut], responses=AUTH)
async def list_requests(caller: NationalOrganiser, begin: Begin, status: RequestStatus = "pending",
                        limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ContactRequestOut]:  # fmt: skip
    """Requests to become a school's contact, oldest first."""
    async with begin() as uow:
        return [ContactRequestOut.of(r) for r in await people.requests(uow, status, limit)]


@router.post("/v1/school-contact-requests/{request_id}/approve", response_model=ContactRequestOut, responses=AUTH)
async def approve(request_id: UUID, caller: NationalOrganiser, request: Request, begin: Begin) -> ContactRequestOut:
    """Approve a request: the person becomes the school's contact."""
    async with begin() as uow:
        decided = await people.decide(uow, str(request_id), True, actor=_actor(caller), client=client_address(request))
    return ContactRequestOut.of(decided)


@router.post("/v1/school-contact-requests/{request_id}/reject", response_model=ContactRequestOut, responses=AUTH)
async def reject(request_id: UUID, caller: NationalOrganiser, request: Request, begin: Begin) -> ContactRequestOut:
    """Reject a request."""
    async with begin() as uow:
        decided = await people.decide(uow, str(request_id), False, actor=_actor(caller), client=client_address(request))
    return ContactRequestOut.of(decided)
