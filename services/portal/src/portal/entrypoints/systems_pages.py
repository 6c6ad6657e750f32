"""Our systems (school contacts): the school's API clients for its own systems. `GET /school/systems` lists them
with a form to make one; `POST /school/systems` makes one and shows its id and secret this once, with a curl example
of `POST /oauth/token` and booking's `POST /v1/visit-requests` at this deployment's addresses; revoking asks first
(`GET /school/systems/{client_id}/revoke`) and then revokes (`POST` there). The clients are the portal's own data:
the pages call its service layer as the school's account (`school:<orgnr>`), not its HTTP API."""

import re
from datetime import timedelta
from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal import i18n
from portal.domain.clients import ApiClient
from portal.entrypoints.browser import client_address, problem_page, settings_of
from portal.entrypoints.pages import page_language, render
from portal.entrypoints.security_headers import secure
from portal.entrypoints.web import Acting, SchoolForm, SchoolPage, web_router
from portal.i18n import N_
from portal.service_layer import clients

router = web_router()
ClientId = Annotated[str, Path(pattern=r"^oc_[A-Za-z0-9_-]{20,64}$", max_length=67)]
NAME = re.compile(r"[^\x00-\x1f\x7f]{1,100}")
"""A client's name, as the portal's API takes it: 1 to 100 characters, no control characters."""
RESENT_WITHIN = timedelta(minutes=1)
"""A form making a client with the name of one made this recently is taken as sent twice (a double click, a
reload of the page that showed the secret): no second client."""
MADE_ALREADY = N_(
    "A client with this name was made a moment ago; its secret was shown then. Revoke it and make a new one if the "
    "secret was lost."
)


def _actor(person: Acting) -> str:
    return f"school:{person.account.subject}"


async def _clients(person: Acting) -> list[ApiClient]:
    async with person.begin() as uow:
        return await clients.of_school(uow, person.account.subject)


async def _list_page(request: Request, person: Acting, *, name: str = "", error: str = "", status: str = "",
                     status_code: int = 200) -> HTMLResponse:  # fmt: skip
    found = await _clients(person)
    active = [c for c in found if not c.revoked]
    revoked = [c for c in found if c.revoked]
    with i18n.speaking(page_language(request)):
        said = i18n.gettext(status) if status else ""
        shown_error = i18n.gettext(error) if error else ""
    return render(request, "school_systems.html", {"active": active, "revoked": revoked, "name": name,
                                                   "error": shown_error, "status": said},
                  status_code=status_code)  # fmt: skip


@router.get("/school/systems", response_class=HTMLResponse)
async def systems(request: Request, person: SchoolPage) -> Response:
    """The school's clients, and a form to make one."""
    revoked = request.query_params.get("revoked") == "1"
    return await _list_page(request, person, status=N_("The client is revoked.") if revoked else "")


@router.post("/school/systems", response_class=HTMLResponse)
async def create(request: Request, person: SchoolForm) -> Response:
    """Make a client and show its secret this once (never stored but hashed, never in an address)."""
    given = (await request.form()).get("client-name")
    name = given.strip() if isinstance(given, str) else ""
    if not NAME.fullmatch(name):
        return await _list_page(request, person, name=name[:100], error=N_("Write a name of 1 to 100 characters, "
                                "so you know which system uses it."), status_code=422)  # fmt: skip
    now = person.clock.now()
    if any(c.name == name and not c.revoked and now - c.created_at < RESENT_WITHIN for c in await _clients(person)):
        return await _list_page(request, person, status=MADE_ALREADY)
    async with person.begin() as uow:
        made = await clients.create(uow, person.account.subject, name, actor=_actor(person),
                                    client=client_address(request))  # fmt: skip
    settings = settings_of(request)
    response = render(request, "school_systems_created.html", {
        "client": made.client, "secret": made.secret, "portal_url": settings.public_url.rstrip("/"),
        "booking_url": settings.booking_url.rstrip("/"), "orgnr": person.account.subject,
    })  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response


async def _one(person: Acting, client_id: str) -> ApiClient | None:
    return next((c for c in await _clients(person) if c.client_id == client_id), None)


@router.get("/school/systems/{client_id}/revoke", response_class=HTMLResponse)
async def confirm_revoke(request: Request, client_id: ClientId, person: SchoolPage) -> Response:
    """Ask before revoking: the system using it stops getting tokens at once."""
    found = await _one(person, client_id)
    if found is None:
        return problem_page(request, 404)
    if found.revoked:
        return await _list_page(request, person, status=N_("The client is revoked."))
    return render(request, "school_systems_revoke.html", {"client": found})


@router.post("/school/systems/{client_id}/revoke", response_class=HTMLResponse)
async def revoke(request: Request, client_id: ClientId, person: SchoolForm) -> Response:
    """Revoke the client (revoking one already revoked is fine), then back to the list saying so."""
    if await _one(person, client_id) is not None:
        async with person.begin() as uow:
            await clients.revoke(uow, person.account.subject, client_id, actor=_actor(person),
                                 client=client_address(request))  # fmt: skip
    return secure(RedirectResponse("/school/systems?revoked=1", status_code=303))
