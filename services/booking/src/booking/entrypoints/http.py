"""The booking HTTP API: schools' visit requests, team reports, calendars and organisers' figures."""

from typing import Annotated
from uuid import uuid4

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from booking.adapters.contacts import Contact
from booking.adapters.queries import VisitFilter
from booking.domain.values import School, VisitDetails
from booking.entrypoints import views
from booking.entrypoints.dependencies import (
    CallerDep,
    OrganiserDep,
    RuntimeDep,
    SchoolOrOrganiserDep,
    clock_of,
    event_wrapper,
    new_visit_writer,
    runtime_of,
    unit_of_work,
    window_policy_of,
)
from booking.entrypoints.filters import visit_filter
from booking.entrypoints.lean_route import LeanRoute
from booking.entrypoints.schemas import CancelIn, RatingIn, ReportIn, RescheduleIn, VisitRequestIn
from booking.service_layer import lifecycle, queries
from booking.service_layer.create import CreateVisitRequest, create_visit_request
from outreach_shared.bounds.text import NO_CONTROLS
from outreach_shared.db import stateless_connection
from outreach_shared.http import Offset, problem_response, require_role, text_response

RATE_LIMITED = problem_response(
    429,
    "Too many requests from this school's token; wait for Retry-After seconds",
    headers={"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
)
router = APIRouter(prefix="/v1", tags=["visit requests"], responses={429: RATE_LIMITED})
FilterDep = Annotated[VisitFilter, Depends(visit_filter)]
IdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=NO_CONTROLS.pattern)
]


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


async def create(body: VisitRequestIn, key: IdempotencyKey, request: Request, caller: CallerDep) -> JSONResponse:
    """Create a visit request; a retry with the same Idempotency-Key returns the first response."""
    require_role(caller, "school")
    runtime = runtime_of(request)
    created = await create_visit_request(
        _command(body), writer=new_visit_writer(runtime), connect=lambda: stateless_connection(runtime.pool),
        caller=caller, idempotency_key=key, visit_id=str(uuid4()), now=clock_of(runtime)(),
        policy=window_policy_of(runtime), wrap=event_wrapper(runtime, request),
    )  # fmt: skip
    headers = {"Location": f"/v1/visit-requests/{created.body['id']}"}
    if created.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(created.body, status_code=created.status_code, headers=headers)


router.add_api_route(  # the busiest route: LeanRoute serves requests that validate without FastAPI's generic handler
    "/visit-requests", create, methods=["POST"], status_code=201, response_model=views.Created,
    summary="Ask for a visit", route_class_override=LeanRoute,
)  # fmt: skip


@router.get("/visit-requests", response_model=views.VisitPage, summary="List visit requests")
async def list_requests(
    runtime: RuntimeDep,
    caller: SchoolOrOrganiserDep,
    f: FilterDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> views.VisitPage:
    """A school sees its own visits, an organiser all; filtered and paginated."""
    async with runtime.pool.acquire() as conn:
        items, total = await queries.list_for(conn, f, caller=caller, limit=limit, offset=offset)
    return views.page_out(items, total, limit, offset)


@router.get("/visit-requests/{visit_id}", response_model=views.VisitOut, summary="One visit request")
async def get_request(visit_id: str, runtime: RuntimeDep, caller: CallerDep) -> views.VisitOut:
    """Status, scheduled time, team (first names and professions) and status history."""
    async with runtime.pool.acquire() as conn:
        visit, contact = await queries.get_visit(conn, visit_id, caller=caller)
    return views.visit_out(visit, contact)


@router.post("/visit-requests/{visit_id}/cancel", response_model=views.VisitOut, summary="Cancel")
async def cancel(
    visit_id: str, body: CancelIn, request: Request, runtime: RuntimeDep, caller: CallerDep
) -> views.VisitOut:
    """Cancel; a confirmed visit less than 48 h ahead is cancelled but flagged late."""
    async with unit_of_work(runtime, request) as (conn, emit):
        visit = await lifecycle.cancel_visit(
            conn, visit_id, caller=caller, reason=body.reason, now=clock_of(runtime)(), emit=emit
        )
        contact = await queries.contact_for(conn, visit_id, caller=caller)
    return views.visit_out(visit, contact)


@router.post("/visit-requests/{visit_id}/reschedule", response_model=views.VisitOut, summary="Reschedule")
async def reschedule(
    visit_id: str, body: RescheduleIn, request: Request, runtime: RuntimeDep, caller: CallerDep
) -> views.VisitOut:
    """New preferred windows: the team is released and matching starts again."""
    policy = window_policy_of(runtime)
    async with unit_of_work(runtime, request) as (conn, emit):
        visit = await lifecycle.reschedule_visit(
            conn, visit_id, caller=caller, windows=list(body.windows), now=clock_of(runtime)(),
            policy=policy, emit=emit,
        )  # fmt: skip
        contact = await queries.contact_for(conn, visit_id, caller=caller)
    return views.visit_out(visit, contact)


@router.get(
    "/visit-requests/{visit_id}/calendar.ics",
    response_class=Response,
    responses={
        **text_response("text/calendar", "The visit as an iCalendar object (its latest state)"),
        409: problem_response(409, "The visit was never confirmed: it has no calendar event yet"),
    },
    summary="The visit as an iCalendar event",
)
async def calendar(visit_id: str, runtime: RuntimeDep, caller: CallerDep) -> Response:
    """What the school's calendar should hold for the visit now, always in its latest state.

    - Confirmed (or completed): `METHOD:PUBLISH`, `STATUS:CONFIRMED`, the scheduled time and the team.
    - Cancelled: `METHOD:CANCEL`, `STATUS:CANCELLED`, the time it was last confirmed for.
    - Rescheduled and not yet confirmed again: the earlier time withdrawn (`METHOD:CANCEL`, `STATUS:CANCELLED`),
      as the school was told by mail; the new time follows as a new SEQUENCE of the same event once confirmed.
    - Never confirmed: 409.

    The UID (`visit-<id>@outreach.jobbvinner.no`) and SEQUENCE are those of the mailed invitations; SEQUENCE rises
    with every confirmation, team change, reschedule and cancellation. Times are in UTC (`...Z`).
    """
    async with runtime.pool.acquire() as conn:
        ics = await queries.calendar_for(conn, visit_id, caller=caller, now=clock_of(runtime)())
    return Response(
        ics,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="visit-{visit_id}.ics"'},
    )


@router.post("/visit-requests/{visit_id}/report", response_model=views.VisitOut, summary="Report the visit")
async def report(
    visit_id: str, body: ReportIn, request: Request, runtime: RuntimeDep, caller: CallerDep
) -> views.VisitOut:
    """A member of the confirmed team reports pupils reached after the start: the visit is completed."""
    async with unit_of_work(runtime, request) as (conn, emit):
        visit = await lifecycle.report_visit(
            conn, visit_id, caller=caller, pupils_reached=body.pupils_reached, notes=body.notes,
            now=clock_of(runtime)(), emit=emit,
        )  # fmt: skip
        contact = await queries.contact_for(conn, visit_id, caller=caller)
    return views.visit_out(visit, contact)


@router.post("/visit-requests/{visit_id}/rating", response_model=views.VisitOut, summary="Rate the visit")
async def rate(
    visit_id: str, body: RatingIn, request: Request, runtime: RuntimeDep, caller: CallerDep
) -> views.VisitOut:
    """The school rates its visit 1–5 after it took place."""
    async with unit_of_work(runtime, request) as (conn, emit):
        visit = await lifecycle.rate_visit(
            conn, visit_id, caller=caller, score=body.rating, comment=body.comment,
            now=clock_of(runtime)(), emit=emit,
        )  # fmt: skip
        contact = await queries.contact_for(conn, visit_id, caller=caller)
    return views.visit_out(visit, contact)


@router.delete("/visit-requests/{visit_id}/contact", status_code=204, summary="Erase the contact person")
async def erase_contact(visit_id: str, request: Request, runtime: RuntimeDep, caller: CallerDep) -> Response:
    """Organisers only: remove the contact's name, e-mail and phone and tell notify to do the same."""
    async with unit_of_work(runtime, request) as (conn, emit):
        await lifecycle.erase_contact(conn, visit_id, caller=caller, emit=emit)
    return Response(status_code=204)


@router.get("/stats", response_model=views.StatsOut, tags=["statistics"], summary="Impact figures")
async def stats(runtime: RuntimeDep, caller: OrganiserDep, f: FilterDep) -> views.StatsOut:
    """Organisers: visits requested, confirmed, unfulfilled, completed, pupils reached; by place and year."""
    async with runtime.pool.acquire() as conn:
        figures = await queries.stats_for(conn, f, caller=caller)
    return views.stats_out(figures)
