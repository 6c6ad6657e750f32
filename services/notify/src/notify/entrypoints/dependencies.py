"""The service's FastAPI dependencies: a unit of work per request, the calling member's id, and whose calendar feed a
caller may manage."""

from typing import Annotated, cast

from fastapi import Depends, Request

from notify.domain.feeds import FeedOwner, FeedScope
from notify.service_layer.unit_of_work import NotifyUnit
from notify.settings import NotifySettings
from outreach_shared.skeleton import Begin as BeginUnit
from outreach_shared.skeleton import CallerDep, MemberCaller, begin

Begin = Annotated[BeginUnit[NotifyUnit], Depends(begin)]
"""Opens notify's unit of work: `async with begin() as uow:` is one transaction."""


async def calling_member(caller: MemberCaller) -> str:
    """The calling member's id (the kit's caller refuses a member token without a valid one with 403)."""
    return str(caller.member_id)


MemberId = Annotated[str, Depends(calling_member)]


async def feed_owner(caller: CallerDep) -> FeedOwner:
    """The caller as a feed's owner: a member by member id, a school by orgnr, an organiser by subject and region
    (the region's visits; a regional organiser's feed is not the national one's). The kit's caller has checked the
    token names them (401/403 otherwise)."""
    if caller.role == "member":
        return FeedOwner("member", str(caller.member_id), FeedScope.of_member(str(caller.member_id)))
    if caller.role == "school":
        return FeedOwner("school", str(caller.orgnr), FeedScope.of_school(str(caller.orgnr)))
    region = caller.region
    areas = ",".join([*sorted(region.fylker), *sorted(region.kommuner)])
    ref = caller.subject if region.national else f"{caller.subject}/{areas}"
    return FeedOwner("organiser", ref, FeedScope.of_region(region))


Owner = Annotated[FeedOwner, Depends(feed_owner)]


async def feed_base_url(request: Request) -> str:
    """Where calendar apps reach this API: NOTIFY_FEED_BASE_URL, else the address the request came to."""
    settings = cast(NotifySettings, request.app.state.runtime.settings)
    return settings.feed_base_url or str(request.base_url)


FeedBaseUrl = Annotated[str, Depends(feed_base_url)]
