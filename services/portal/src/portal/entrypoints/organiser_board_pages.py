"""The organisers' board (what needs a person now in their scope, and this week's and this school year's counts) and
a visit's page (its history, offers and answers, ranked candidates and why, and the overrides: offer to a named
member, search again wider, mark completed). Every call is made as the organiser: the services keep to their scope.
The board makes four bounded calls at once (attention of each service capped, two stats totals)."""

import asyncio
import re
from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from portal import i18n
from portal.adapters.service_apis import Refused
from portal.domain import organiser_board as board
from portal.entrypoints.browser import problem_page, redirect
from portal.entrypoints.member_texts import KINDS, PROFESSIONS
from portal.entrypoints.pages import page_language, render
from portal.entrypoints.web import Acting, OrganiserForm, OrganiserPage, web_router
from portal.i18n import N_

router = web_router()
VISIT_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
"""A visit id (a UUID); anything else is not found without asking a service."""
MAX_RADIUS_KM = 2000
MAX_NOTE = 300
MAX_PUPILS = 10_000

DONE = {
    "rematched": N_("Matching ran again: offers are on their way."),
    "nobody": N_(
        "Matching ran again, but nobody could be found. Try a wider radius or offer a seat to a named member."
    ),
    "no_seat": N_("Nothing was changed: the visit has no open seat any more."),
    "offered": N_("The seat is offered to the member."),
    "completed": N_("The visit is marked completed."),
}
"""What just happened, by the `done` a page was sent to with after a form."""
KIND_NAMES = {
    "unfulfilled": N_("No team found"),
    "offer_expiring": N_("Offer about to expire"),
    "team_short": N_("Late withdrawal: team short"),
    "report_missing": N_("Not reported"),
    "place_offer_unanswered": N_("Gathering place unanswered"),
}
STATUS_NAMES = {
    "requested": N_("Requested"), "offered": N_("Offered to members"), "confirmed": N_("Confirmed"),
    "unfulfilled": N_("No team found"), "cancelled": N_("Cancelled"), "completed": N_("Completed"),
}  # fmt: skip
OFFER_NAMES = {
    "offered": N_("Waiting for an answer"), "accepted": N_("Said yes"), "declined": N_("Said no"),
    "expired": N_("Did not answer in time"), "withdrawn": N_("Withdrew"), "released": N_("Released"),
}  # fmt: skip
PROBLEMS = {
    "member": N_("Choose a member"),
    "refused": N_("This member cannot take the seat: already on the visit, inactive, busy then, or at their limit"),
    "radius": N_("Write a whole number of kilometres from 1 to 2000"),
    "note": N_("Write at most 300 characters, without special characters"),
    "pupils": N_("Write a whole number up to 10 000, or leave it empty"),
}
Done = Annotated[str | None, Query(max_length=20, description="What just happened (others are ignored)")]
T = TypeVar("T")


def _texts() -> dict[str, Any]:
    return {"kind_names": KIND_NAMES, "status_names": STATUS_NAMES, "offer_names": OFFER_NAMES, "kinds": KINDS,
            "professions": PROFESSIONS}  # fmt: skip


async def _maybe(call: Awaitable[T]) -> T | None:
    """The answer, or None when the service does not know the visit (yet) or has nothing to say about it."""
    try:
        return await call
    except Refused as exc:
        if exc.status in (404, 409):
            return None
        raise


@router.get("/organiser", response_class=HTMLResponse)
async def organiser_board(request: Request, person: OrganiserPage, done: Done = None) -> Response:
    """What needs a person now in the organiser's scope, soonest first, with the counts of the week and year."""
    ambassadors, training, booking = [await person.api(s) for s in ("ambassadors", "training", "booking")]
    today = person.clock.now().astimezone(i18n.OSLO).date()
    monday, sunday = board.this_week(today)
    year = board.school_year(today)
    visits, gatherings, week, school_year = await asyncio.gather(
        ambassadors.get("/v1/visits/attention", params={"limit": board.ATTENTION_LIMIT}),
        training.get("/v1/gatherings/attention"),
        booking.get("/v1/stats", params={"from": monday.isoformat(), "to": sunday.isoformat(), "totals_only": "true"}),
        booking.get("/v1/stats", params={"school_year": year, "totals_only": "true"}),
    )
    context = {"rows": board.attention_rows(visits, gatherings), "week": board.counts(week), "monday": monday,
               "sunday": sunday, "year": year, "year_counts": board.counts(school_year), "done": DONE.get(done or ""),
               **_texts()}  # fmt: skip
    return render(request, "organiser/board_page.html", context)


@router.post("/organiser/visits/{visit_id}/rematch", response_class=HTMLResponse)
async def rematch(request: Request, visit_id: str, person: OrganiserForm) -> Response:
    """Search again now (wider when a radius is given); back to the board or the visit with what happened."""
    if not VISIT_ID.fullmatch(visit_id):
        return problem_page(request, 404)
    form = await request.form()
    back = "/organiser" if form.get("back") == "board" else f"/organiser/visits/{visit_id}"
    raw = str(form.get("travel_radius_km") or "").strip()
    radius = _whole(raw, 1, MAX_RADIUS_KM)
    if raw and radius is None:
        return await _visit_page(request, person, visit_id, {"travel_radius_km": "radius"}, raw={"radius": raw})
    body = {"travel_radius_km": radius} if radius else {}
    try:
        done = await (await person.api("ambassadors")).post(f"/v1/visits/{visit_id}/rematch", body)
    except Refused as exc:
        if exc.status != 409:
            raise
        return redirect(f"{back}?done=no_seat")
    return redirect(f"{back}?done={'rematched' if done.get('offers') else 'nobody'}")


@router.get("/organiser/visits/{visit_id}", response_class=HTMLResponse)
async def visit_page(request: Request, visit_id: str, person: OrganiserPage, done: Done = None) -> Response:
    """The visit, its history, offers and answers, ranked candidates and exclusions, and the overrides."""
    return await _visit_page(request, person, visit_id, done=done)


@router.post("/organiser/visits/{visit_id}/offer", response_class=HTMLResponse)
async def offer(request: Request, visit_id: str, person: OrganiserForm) -> Response:
    """Offer an open seat to the member chosen, whatever matching thinks (an override, with an optional note)."""
    if not VISIT_ID.fullmatch(visit_id):
        return problem_page(request, 404)
    form = await request.form()
    raw = {"member_id": str(form.get("member_id") or ""), "note": str(form.get("note") or "").strip()}
    errors = {}
    if not VISIT_ID.fullmatch(raw["member_id"]):
        errors["member_id"] = "member"
    if len(raw["note"]) > MAX_NOTE or any(ord(c) < 32 for c in raw["note"]):
        errors["note"] = "note"
    if errors:
        return await _visit_page(request, person, visit_id, errors, raw=raw)
    body = {"member_id": raw["member_id"], **({"note": raw["note"]} if raw["note"] else {})}
    try:
        await (await person.api("ambassadors")).post(f"/v1/visits/{visit_id}/offers", body)
    except Refused as exc:
        if exc.status not in (409, 422):
            raise
        if exc.status == 409 and "member_id" not in exc.fields:
            return redirect(f"/organiser/visits/{visit_id}?done=no_seat")
        return await _visit_page(request, person, visit_id, {"member_id": "refused"}, raw=raw)
    return redirect(f"/organiser/visits/{visit_id}?done=offered")


@router.get("/organiser/visits/{visit_id}/complete", response_class=HTMLResponse)
async def complete_form(request: Request, visit_id: str, person: OrganiserPage) -> Response:
    """Are you sure? Marking completed cannot be undone: the pupils reached (the school's count when left empty)."""
    return await _complete_page(request, person, visit_id)


@router.post("/organiser/visits/{visit_id}/complete", response_class=HTMLResponse)
async def complete(request: Request, visit_id: str, person: OrganiserForm) -> Response:
    """Mark the visit completed on the team's behalf; back to the visit."""
    if not VISIT_ID.fullmatch(visit_id):
        return problem_page(request, 404)
    raw = str((await request.form()).get("pupils_reached") or "").strip()
    pupils = _whole(raw, 0, MAX_PUPILS)
    if raw and pupils is None:
        return await _complete_page(request, person, visit_id, {"pupils_reached": "pupils"}, raw=raw)
    try:
        await (await person.api("booking")).post(f"/v1/visit-requests/{visit_id}/complete",
                                                 {"pupils_reached": pupils} if pupils is not None else {})  # fmt: skip
    except Refused as exc:
        if exc.status != 409:
            raise
        return await _complete_page(request, person, visit_id, raw=raw, too_late=True)
    return redirect(f"/organiser/visits/{visit_id}?done=completed")


def _whole(raw: str, low: int, high: int) -> int | None:
    """A whole number from low to high, or None."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _explained(errors: dict[str, str] | None) -> dict[str, str]:
    return {field: i18n.gettext(PROBLEMS[problem]) for field, problem in (errors or {}).items()}


async def _visit_page(request: Request, person: Acting, visit_id: str, errors: dict[str, str] | None = None, *,
                      raw: dict[str, str] | None = None, done: str | None = None) -> Response:  # fmt: skip
    if not VISIT_ID.fullmatch(visit_id):
        return problem_page(request, 404)
    booking, ambassadors = await person.api("booking"), await person.api("ambassadors")
    visit, offers, candidates = await asyncio.gather(
        booking.get(f"/v1/visit-requests/{visit_id}"),
        _maybe(ambassadors.get(f"/v1/visits/{visit_id}/offers")),
        _maybe(ambassadors.get(f"/v1/visits/{visit_id}/candidates")),
    )
    now = person.clock.now()
    context = {"visit": visit, "scheduled": board.window(visit.get("scheduled")), "history": board.history(visit),
               "windows": [board.window(w) for w in visit.get("windows") or []], "offers": board.offer_rows(offers),
               "candidates": candidates, "offerable": board.offerable(candidates),
               "can_complete": board.can_complete(visit, now), "can_staff": board.can_staff(visit),
               "errors": errors or {}, "raw": raw or {}, "done": DONE.get(done or ""), **_texts()}  # fmt: skip
    return _rendered(request, "organiser/board_visit.html", context, errors)


async def _complete_page(request: Request, person: Acting, visit_id: str, errors: dict[str, str] | None = None, *,
                         raw: str = "", too_late: bool = False) -> Response:  # fmt: skip
    if not VISIT_ID.fullmatch(visit_id):
        return problem_page(request, 404)
    visit = await (await person.api("booking")).get(f"/v1/visit-requests/{visit_id}")
    too_late = too_late or not board.can_complete(visit, person.clock.now())
    context = {"visit": visit, "scheduled": board.window(visit.get("scheduled")), "raw": raw, "too_late": too_late,
               **_texts()}  # fmt: skip
    return _rendered(request, "organiser/board_complete.html", context, errors)


def _rendered(request: Request, template: str, context: dict[str, Any], errors: dict[str, str] | None) -> Response:
    lang = page_language(request)
    with i18n.speaking(lang):
        shown = _explained(errors)
    return render(request, template, {**context, "errors": shown}, status_code=422 if errors else 200, lang=lang)
