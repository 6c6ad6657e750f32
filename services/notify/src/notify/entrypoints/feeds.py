"""HTTP: personal calendar feeds. Owners rotate, inspect and revoke theirs; calendar apps poll them by secret."""

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from notify.adapters.calendar import feed_ics
from notify.entrypoints.dependencies import Begin, FeedBaseUrl, Owner
from notify.entrypoints.schemas import CalendarFeedLinkOut, CalendarFeedOut
from notify.service_layer import feeds

router = APIRouter(tags=["calendar feeds"])

Secret = Annotated[str, Path(min_length=32, max_length=128, pattern=r"^[A-Za-z0-9_-]+$",
                             description="The feed's secret (url-safe base64): the only credential")]  # fmt: skip
ICS = "text/calendar; charset=utf-8"
CACHE = "private, max-age=300"


@router.post("/v1/me/calendar-feed/rotate", response_model=CalendarFeedLinkOut, summary="New calendar feed address")
async def rotate_feed(owner: Owner, base_url: FeedBaseUrl, begin: Begin) -> CalendarFeedLinkOut:
    """Create the caller's calendar feed, or give it a new secret: the old address stops working at once. The new
    address is shown only now."""
    async with begin() as uow:
        secret, info = await feeds.rotate(uow, owner)
    return CalendarFeedLinkOut.of(info, base_url=base_url, secret=secret)


@router.get("/v1/me/calendar-feed", response_model=CalendarFeedOut, summary="My calendar feed")
async def my_feed(owner: Owner, begin: Begin) -> CalendarFeedOut:
    """Whether the caller has a calendar feed, and since when its address works (never the address again)."""
    async with begin() as uow:
        info = await feeds.describe(uow, owner)
    return CalendarFeedOut.of(info)


@router.delete("/v1/me/calendar-feed", status_code=204, summary="Revoke my calendar feed")
async def revoke_feed(owner: Owner, begin: Begin) -> Response:
    """Revoke the caller's calendar feed: its address stops working at once (204 also when there was none)."""
    async with begin() as uow:
        await feeds.revoke(uow, owner)
    return Response(status_code=204)


@router.get(
    "/v1/calendar/{secret}.ics",
    response_class=Response,
    summary="A personal calendar feed (webcal)",
    responses={
        200: {"content": {"text/calendar": {"schema": {"type": "string"}}}, "description": "The feed (iCalendar)"},
        304: {"description": "Not modified since the ETag or date given"},
        404: {"description": "No such feed (unknown or revoked: the same answer)",
              "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
    },
)
async def calendar_feed(secret: Secret, request: Request, begin: Begin) -> Response:
    """The events of the feed the secret opens, with the mailed invitations' UIDs and SEQUENCEs; no token needed.
    Answers If-None-Match and If-Modified-Since with 304."""
    async with begin() as uow:
        found = await feeds.read(uow, secret)
    headers = {"ETag": f'"{found.version}"', "Last-Modified": http_date(found.last_modified), "Cache-Control": CACHE}
    if not_modified(request, headers["ETag"], found.last_modified):
        return Response(status_code=304, headers=headers)
    return Response(content=feed_ics(found.entries), media_type=ICS, headers=headers)


def http_date(moment: datetime) -> str:
    """An HTTP date (RFC 9110), whole seconds in GMT."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def not_modified(request: Request, current: str, last_modified: datetime) -> bool:
    """If-None-Match (weak comparison, as for GET) decides when given; else If-Modified-Since."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or current in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        given = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False  # a date we cannot read is ignored (RFC 9110 13.1.3)
    if given.tzinfo is None:
        return False
    return last_modified.replace(microsecond=0) <= given
