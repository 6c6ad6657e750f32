"""A school's API clients: create (the secret shown once), list, revoke. A school's own contact (a school token for
that orgnr) or a national organiser; regional organisers are refused (the portal does not know a school's
municipality)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from outreach_shared.errors import Forbidden
from outreach_shared.skeleton import Caller, CallerDep
from portal.domain.clients import ApiClient
from portal.entrypoints.browser import client_address
from portal.entrypoints.dependencies import Begin
from portal.service_layer import clients

router = APIRouter(tags=["api clients"])
Orgnr = Annotated[str, Path(pattern=r"^[0-9]{9}$", description="The school's organisation number")]
ClientId = Annotated[str, Path(pattern=r"^oc_[A-Za-z0-9_-]{20,64}$", max_length=67)]
AUTH_RESPONSES: dict[int | str, dict[str, str]] = {401: {"description": "No valid token"},
                                                   403: {"description": "Not this school's contact nor a national "
                                                         "organiser"}}  # fmt: skip


class ClientIn(BaseModel):
    """A new client: a name that tells the school's people which system uses it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$",
                      description="1..100 characters, no control characters")  # fmt: skip


class ClientOut(BaseModel):
    """An API client (never its secret)."""

    client_id: str
    name: str
    created_at: datetime
    created_by: str = Field(description="The account that made it (e.g. `school:974760673`)")
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, client: ApiClient) -> "ClientOut":
        """The client as shown."""
        return cls(client_id=client.client_id, name=client.name, created_at=client.created_at,
                   created_by=client.created_by, revoked_at=client.revoked_at,
                   last_used_at=client.last_used_at)  # fmt: skip


class ClientCreatedOut(BaseModel):
    """A new client with its secret: shown this once, stored only hashed."""

    client_id: str
    client_secret: str
    name: str
    created_at: datetime


class ClientsOut(BaseModel):
    """A school's clients, oldest first, revoked ones too."""

    clients: list[ClientOut]


def _for_school(caller: Caller, orgnr: str) -> str:
    """The caller's account key, if it may manage `orgnr`'s clients (403 otherwise)."""
    if caller.role == "school" and caller.orgnr == orgnr:
        return f"school:{orgnr}"
    if caller.role == "organiser" and caller.region.national:
        return f"organiser:{caller.subject}"
    raise Forbidden("only the school's own contact or a national organiser manages its API clients")


@router.post("/v1/schools/{orgnr}/clients", status_code=201, response_model=ClientCreatedOut,
             summary="Create an API client for a school (the secret is shown once)",
             responses={**AUTH_RESPONSES, 422: {"description": "Invalid name or orgnr"}})  # fmt: skip
async def create_client(orgnr: Orgnr, body: ClientIn, caller: CallerDep, request: Request,
                        begin: Begin) -> ClientCreatedOut:  # fmt: skip
    """A client id and secret the school's own system exchanges at `POST /oauth/token` for 15-minute tokens."""
    actor = _for_school(caller, orgnr)
    async with begin() as uow:
        made = await clients.create(uow, orgnr, body.name, actor=actor, client=client_address(request))
    return ClientCreatedOut(client_id=made.client.client_id, client_secret=made.secret, name=made.client.name,
                            created_at=made.client.created_at)  # fmt: skip


@router.get("/v1/schools/{orgnr}/clients", response_model=ClientsOut, summary="A school's API clients",
            responses={**AUTH_RESPONSES, 422: {"description": "Invalid orgnr"}})  # fmt: skip
async def list_clients(orgnr: Orgnr, caller: CallerDep, begin: Begin) -> ClientsOut:
    """The school's clients (no secrets)."""
    _for_school(caller, orgnr)
    async with begin() as uow:
        found = await clients.of_school(uow, orgnr)
    return ClientsOut(clients=[ClientOut.of(c) for c in found])


@router.delete("/v1/schools/{orgnr}/clients/{client_id}", status_code=204, response_class=Response,
               summary="Revoke a school's API client at once",
               responses={**AUTH_RESPONSES, 404: {"description": "No such client of this school"},
                          422: {"description": "Invalid orgnr or client id"}})  # fmt: skip
async def revoke_client(orgnr: Orgnr, client_id: ClientId, caller: CallerDep, request: Request,
                        begin: Begin) -> Response:  # fmt: skip
    """The client gets no new token from now on (tokens already issued expire within 15 minutes)."""
    actor = _for_school(caller, orgnr)
    async with begin() as uow:
        await clients.revoke(uow, orgnr, client_id, actor=actor, client=client_address(request))
    return Response(status_code=204)
