"""Who is calling: one dependency for every service, from the bearer token, checked, never asserted.

A token without a valid subject for its role is refused with 403 problem+json naming the claim, never a 500.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeAlias
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from outreach_shared.auth import Principal, Role
from outreach_shared.errors import Forbidden, Unauthorized
from outreach_shared.http import principal_from, require_role

Caller: TypeAlias = Principal
_bearer = HTTPBearer(auto_error=False, description="A bearer token signed by the portal (or `outreach token ...`)")


def checked(caller: Caller) -> Caller:
    """The caller, if its token names whom it acts for: a school its orgnr, a member a valid member id."""
    if caller.role == "school" and not caller.orgnr:
        raise Forbidden("the school token carries no orgnr")
    if caller.role == "member":
        try:
            member_id = str(UUID(caller.member_id or ""))
        except ValueError:
            raise Forbidden("the member token carries no valid member id") from None
        if member_id != caller.member_id:
            return Principal(role="member", subject=caller.subject, member_id=member_id)
    return caller


Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
"""The request's bearer credentials (documented in OpenAPI as the bearer scheme), for a dependency that calls
`current_caller` itself: one dependency level fewer for FastAPI to solve on every request."""


async def bearer_credentials(request: Request) -> HTTPAuthorizationCredentials | None:
    """The request's bearer credentials as `Bearer` gives them to a route, for an endpoint that is not a FastAPI
    route (`outreach_shared.fast_route`): None without a bearer token."""
    return await _bearer(request)


async def current_caller(request: Request, credentials: Bearer) -> Caller:
    """The caller of this request (401 without a valid token, 403 for a token naming no one)."""
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is None:
        raise Unauthorized("this service verifies no tokens")
    return checked(await principal_from(credentials, runtime))


CallerDep = Annotated[Caller, Depends(current_caller)]


def caller_in_role(*roles: Role) -> Callable[..., Awaitable[Caller]]:
    """A caller dependency that refuses other roles (403) before the route's own parameters are checked."""

    async def in_role(request: Request, credentials: Bearer) -> Caller:
        return require_role(await current_caller(request, credentials), *roles)

    return in_role


async def national_organiser(caller: Annotated[Caller, Depends(caller_in_role("organiser"))]) -> Caller:
    """An organiser whose region is the whole country (403 for a regional one): for what is national by nature,
    such as dead letters and the operations pages."""
    if not caller.region.national:
        raise Forbidden(f"this needs a national organiser; this token covers {caller.region.describe()}")
    return caller


OrganiserCaller = Annotated[Caller, Depends(caller_in_role("organiser"))]
NationalOrganiser = Annotated[Caller, Depends(national_organiser)]
SchoolCaller = Annotated[Caller, Depends(caller_in_role("school"))]
MemberCaller = Annotated[Caller, Depends(caller_in_role("member"))]
