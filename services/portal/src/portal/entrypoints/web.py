"""What every signed-in page of the web app needs: a router of pages, the role it is for, and the other services'
APIs acting as the person.

A page of the app is written like this (members' pages in `member_pages.py`, schools' in `school_pages.py`, ...):

    router = web_router()

    @router.get("/me/visits", response_class=HTMLResponse)
    async def my_visits(request: Request, person: MemberPage) -> Response:
        visits = await (await person.api("ambassadors")).get("/v1/me/visits")
        return render(request, "member_visits.html", {"visits": visits})

    @router.post("/me/visits/{visit_id}/withdraw", response_class=HTMLResponse)
    async def withdraw(request: Request, visit_id: VisitId, person: MemberForm) -> Response:
        ...

`MemberPage`/`SchoolPage`/`OrganiserPage` give the signed-in person acting in that role (anyone else: the 403 page;
no session: to sign in, then back). The `...Form` forms are for POSTs: the CSRF token and origin are checked first.
A service's refusal the page does not handle (401/403/404/409/410) and a service that does not answer become pages
saying so (`browser.PageRoute`). A GET never changes anything.
"""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from outreach_shared.auth import Role
from outreach_shared.skeleton import Clock
from portal.adapters.service_apis import Caller, ServiceApis
from portal.domain.accounts import Account
from portal.domain.sessions import Session
from portal.entrypoints.browser import PageError, PageRoute, SignedIn, SignedInForm, problem_page
from portal.entrypoints.dependencies import Begin
from portal.service_layer import web_tokens


def web_router(**options: Any) -> APIRouter:
    """A router of the app's pages: dependencies may answer with a page, and they stay out of the OpenAPI."""
    return APIRouter(route_class=PageRoute, include_in_schema=False, **options)


@dataclass
class Acting:
    """The signed-in person acting as their account: the other services' APIs called with their token."""

    session: Session
    apis: ServiceApis
    begin: Any
    correlation_id: str
    clock: Clock

    @property
    def account(self) -> Account:
        """The account the person acts as (member id, orgnr or organiser id in `subject`)."""
        assert self.session.account is not None  # the role dependencies only make an Acting with one
        return self.session.account

    async def api(self, service: str) -> Caller:
        """`service`'s public API (booking, ambassadors, training, notify) acting as this person; the token is
        minted once per session and service and reused until a minute before it expires."""
        token = web_tokens.cached(self.session, service, self.clock.now())
        if token is None:
            async with self.begin() as uow:
                token = await web_tokens.access_token_for(uow, self.session, service)
        return self.apis.caller(service, token, self.correlation_id)


def _acting(request: Request, session: Session, begin: Any, role: Role) -> Acting:
    if session.account is None or session.account.role != role:
        raise PageError(problem_page(request, 403))
    runtime = request.app.state.runtime
    correlation_id = str(getattr(request.state, "correlation_id", "") or "")
    return Acting(session, runtime.ports.apis, begin, correlation_id, runtime.clock)


def _page(role: Role) -> Any:
    async def dependency(request: Request, session: SignedIn, begin: Begin) -> Acting:
        return _acting(request, session, begin, role)

    return dependency


def _form(role: Role) -> Any:
    async def dependency(request: Request, session: SignedInForm, begin: Begin) -> Acting:
        return _acting(request, session, begin, role)

    return dependency


MemberPage = Annotated[Acting, Depends(_page("member"))]
MemberForm = Annotated[Acting, Depends(_form("member"))]
SchoolPage = Annotated[Acting, Depends(_page("school"))]
SchoolForm = Annotated[Acting, Depends(_form("school"))]
OrganiserPage = Annotated[Acting, Depends(_page("organiser"))]
OrganiserForm = Annotated[Acting, Depends(_form("organiser"))]
