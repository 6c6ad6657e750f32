"""The booking HTTP API: schools' visit requests, team reports, calendars and organisers' figures."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from booking.domain.listing import PageKey, VisitFilter
from booking.domain.values import Contact, School, VisitDetails
from booking.entrypoints.dependencies import (
    BookingBegin,
    NewVisitUnitDep,
    OrganiserCaller,
    RateLimitedCaller,
    SchoolCaller,
    SchoolOrOrganiserCaller,
    new_visit_unit,
    school_caller,
)
from booking.entrypoints.filters import visit_filter
from booking.entrypoints.schemas import (
    CancelIn,
    CompleteIn,
    Created,
    RatingIn,
    ReportIn,
    RescheduleIn,
    StatsOut,
    VisitOut,
    VisitPage,
    VisitRequestIn,
)
from booking.service_layer import lifecycle, queries
from booking.service_layer.create import CreateVisitRequest, create_visit_request
from booking.service_layer.unit_of_work import NewVisitUnit
from outreach_shared.auth import Principal
from outreach_shared.bounds.text import NO_CONTROLS
from outreach_shared.errors import Invalid
from outreach_shared.fast_route import HeaderParam, JsonBody, fast_router
from outreach_shared.http import Offset, problem_response, text_response
from outreach_shared.skeleton import bearer_credentials

RATE_LIMITED = problem_response(
    429,
    "Too many requests from this school's token; wait for Retry-After seconds",
    headers={"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
)
router = APIRouter(prefix="/v1", tags=["visit requests"], responses={429: RATE_LIMITED})
FilterDep = Annotated[VisitFilter, Depends(visit_filter)]
KEY_BOUNDS: dict[str, Any] = {"min_length": 1, "max_length": 200, "pattern": NO_CONTROLS.pattern}
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", **KEY_BOUNDS)]


def _command(body: VisitRequestIn) -> CreateVisitRequest:
    s, c, a = body.school, body.contact, body.audience
    return CreateVisitRequest(
        school=School(orgnr=s.orgnr, name=s.name, kommunenummer=s.kommunenummer, address=s.address),
        contact=Contact(name=c.name, email=str(c.email), phone=c.phone),
        details=VisitDetails(
            kind=body.kind,
            audience_description=a.description,
            pupils=a.pupils,
            professions=tuple(body.professions),
            language=body.language,
            team_size=body.team_size,
            notes=body.notes or None,
        ),
        windows=list(body.windows),
        canonical=body.model_dump_json().encode(),  # fields in the model's order: key order and spacing vanish
    )


@router.post("/visit-requests", status_code=201, response_model=Created, summary="Ask for a visit")
async def create(body: VisitRequestIn, key: IdempotencyKey, caller: SchoolCaller, uow: NewVisitUnitDep) -> JSONResponse:
    """Create a visit request; a retry with the same Idempotency-Key returns the first response."""
    return await _created(uow, body, key, caller)


async def _created(uow: NewVisitUnit, body: VisitRequestIn, key: str, caller: Principal) -> JSONResponse:
    created = await create_visit_request(uow, _command(body), caller=caller, idempotency_key=key)
    headers = {"Location": f"/v1/visit-requests/{created.body['id']}"}
    if created.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(created.body, status_code=created.status_code, headers=headers)


CREATE_BODY = JsonBody(VisitRequestIn)
CREATE_KEY = HeaderParam.text("Idempotency-Key", **KEY_BOUNDS)


async def create_fast(request: Request) -> Response:
    """`create` as a plain Starlette endpoint (`outreach_shared.fast_route`: why, and the figure): what FastAPI
    does for `create`, in its order, without its dependency solving. `create` stays for the OpenAPI document."""
    received = await CREATE_BODY.read(request)  # 400, or 422 for JSON that does not parse
    caller = await school_caller(request, await bearer_credentials(request))  # 401, 403, 429
    uow = await new_visit_unit(request)
    errors: list[Any] = []
    key = CREATE_KEY.read(request, errors)
    body = CREATE_BODY.validated(received, errors)  # 422 with the header's and the body's errors together
    return await _created(uow, body, key, caller)


fast_create_router = fast_router("/v1/visit-requests", create_fast)
"""Include before `router`: the first route matching `POST /v1/visit-requests` answers it."""


@router.get("/visit-requests", response_model=VisitPage, summary="List visit requests")
async def list_requests(
    caller: SchoolOrOrganiserCaller,
    begin: BookingBegin,
    f: FilterDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
    after: Annotated[
        str | None,
        Query(max_length=100, pattern=r"^[A-Za-z0-9_-]+$",
              description="Keyset pagination: the `next` cursor of the previous page (the visits after it)"),
    ] = None,  # fmt: skip
    count: Annotated[
        bool,
        Query(description="false: do not count the matching visits (`total` is null); counting reads every "
                          "matching row, which a keyset page does not need"),
    ] = True,  # fmt: skip
) -> VisitPage:
    """A school sees its own visits only, an organiser all; filtered (`status` repeatable, `from`/`to` dates in
    Oslo), oldest request first, paginated by `limit` and either `offset` or the keyset cursor `after` (the
    previous page's `next`; null on the last page). Each visit shows its team (first names and professions) once it
    is confirmed or completed."""
    key = None
    if after is not None:
        try:
            key = PageKey.of_cursor(after)
        except ValueError as exc:
            raise Invalid(str(exc), field="after") from None
    async with begin() as uow:
        items, total, following = await queries.list_for(uow, f, caller=caller, limit=limit, offset=offset,
                                                         after=key, count=count)  # fmt: skip
    return VisitPage.of(items, total, limit, offset, following.cursor() if following else None)


@router.get("/visit-requests/{visit_id}", response_model=VisitOut, summary="One visit request")
async def get_request(visit_id: str, caller: RateLimitedCaller, begin: BookingBegin) -> VisitOut:
    """Status, scheduled time, team (first names and professions) and status history."""
    async with begin() as uow:
        shown = await queries.get_visit(uow, visit_id, caller=caller)
    return VisitOut.of(shown)


@router.post("/visit-requests/{visit_id}/cancel", response_model=VisitOut, summary="Cancel")
async def cancel(visit_id: str, body: CancelIn, caller: RateLimitedCaller, begin: BookingBegin) -> VisitOut:
    """Cancel; a confirmed visit less than 48 h ahead is cancelled but flagged late."""
    async with begin() as uow:
        shown = await lifecycle.cancel(uow, visit_id, caller=caller, reason=body.reason)
    return VisitOut.of(shown)


@router.post("/visit-requests/{visit_id}/reschedule", response_model=VisitOut, summary="Reschedule")
async def reschedule(visit_id: str, body: RescheduleIn, caller: RateLimitedCaller, begin: BookingBegin) -> VisitOut:
    """New preferred windows: the team is released and matching starts again."""
    async with begin() as uow:
        shown = await lifecycle.reschedule(uow, visit_id, caller=caller, windows=list(body.windows))
    return VisitOut.of(shown)


@router.get(
    "/visit-requests/{visit_id}/calendar.ics",
    response_class=Response,
    responses={
        **text_response("text/calendar", "The visit as an iCalendar object (its latest state)"),
        409: problem_response(409, "The visit was never confirmed: it has no calendar event yet"),
    },
    summary="The visit as an iCalendar event",
)
async def calendar(visit_id: str, caller: RateLimitedCaller, begin: BookingBegin) -> Response:
    """What the school's calendar should hold for the visit now, always in its latest state.

    - Confirmed (or completed): `METHOD:PUBLISH`, `STATUS:CONFIRMED`, the scheduled time and the team.
    - Cancelled: `METHOD:CANCEL`, `STATUS:CANCELLED`, the time it was last confirmed for.
    - Rescheduled and not yet confirmed again: the earlier time withdrawn (`METHOD:CANCEL`, `STATUS:CANCELLED`),
      as the school was told by mail; the new time follows as a new SEQUENCE of the same event once confirmed.
    - Never confirmed: 409.

    The UID (`visit-<id>@outreach.jobbvinner.no`) and SEQUENCE are those of the mailed invitations; SEQUENCE rises
    with every confirmation, team change, reschedule and cancellation. Times are in UTC (`...Z`).
    """
    async with begin() as uow:
        ics = await queries.calendar_for(uow, visit_id, caller=caller)
    return Response(
        ics,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="visit-{visit_id}.ics"'},
    )


@router.post("/visit-requests/{visit_id}/report", response_model=VisitOut, summary="Report the visit")
async def report(visit_id: str, body: ReportIn, caller: RateLimitedCaller, begin: BookingBegin) -> VisitOut:
    """A member of the confirmed team reports pupils reached after the start: the visit is completed."""
    async with begin() as uow:
        shown = await lifecycle.report(uow, visit_id, caller=caller, pupils_reached=body.pupils_reached,
                                       notes=body.notes)  # fmt: skip
    return VisitOut.of(shown)


@router.post("/visit-requests/{visit_id}/complete", response_model=VisitOut, summary="Mark completed (organisers)")
async def complete(
    visit_id: str, caller: OrganiserCaller, begin: BookingBegin, body: CompleteIn | None = None
) -> VisitOut:
    """An organiser marks a confirmed visit whose window has started completed, on the team's behalf (409 else)."""
    body = body or CompleteIn()
    async with begin() as uow:
        shown = await lifecycle.complete(uow, visit_id, caller=caller, pupils_reached=body.pupils_reached,
                                         notes=body.notes)  # fmt: skip
    return VisitOut.of(shown)


@router.post("/visit-requests/{visit_id}/rating", response_model=VisitOut, summary="Rate the visit")
async def rate(visit_id: str, body: RatingIn, caller: RateLimitedCaller, begin: BookingBegin) -> VisitOut:
    """The school rates its visit 1–5 after it took place."""
    async with begin() as uow:
        shown = await lifecycle.rate(uow, visit_id, caller=caller, score=body.rating, comment=body.comment)
    return VisitOut.of(shown)


@router.delete("/visit-requests/{visit_id}/contact", status_code=204, summary="Erase the contact person")
async def erase_contact(visit_id: str, caller: RateLimitedCaller, begin: BookingBegin) -> Response:
    """Organisers only: remove the contact's name, e-mail and phone and tell notify to do the same."""
    async with begin() as uow:
        await lifecycle.erase_contact(uow, visit_id, caller=caller)
    return Response(status_code=204)


@router.get("/stats", response_model=StatsOut, tags=["statistics"], summary="Impact figures")
async def stats(
    caller: OrganiserCaller,
    begin: BookingBegin,
    f: FilterDep,
    totals_only: Annotated[bool, Query(description="only the totals: every `by_...` list empty (cheaper)")] = False,
) -> StatsOut:
    """Organisers: visits requested, confirmed, unfulfilled, completed, pupils reached, and pupils' survey answers
    (`survey`: null for a group with fewer than 5); by place and year."""
    async with begin() as uow:
        figures = await queries.stats_for(uow, f, caller=caller, totals_only=totals_only)
    return StatsOut.of(figures)
