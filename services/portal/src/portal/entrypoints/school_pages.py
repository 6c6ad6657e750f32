"""Schools' visits (desktop first, works on a phone): the list of the school's visits with their statuses, one
visit with its history, cancel (with a reason, after a confirmation page), reschedule (new windows, booking's rules
and errors beside the fields), the calendar file, the school's calendar feed (notify), and the rating after the
visit. The mails' links `/visits/{id}/rating` and `/besok/{id}/vurdering` open the rating form signed in;
`/feedback/{token}` rates without signing in (booking's feedback link is the credential).

Every call is booking's (or notify's) public API acting as the signed-in school; the pages only read and show.
"""

from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from portal.adapters.booking_feedback import feedback
from portal.adapters.service_apis import Refused
from portal.domain import school_visits as sv
from portal.entrypoints.browser import PreSessionForm, PreSessionPage, problem_page, redirect
from portal.entrypoints.pages import render
from portal.entrypoints.security_headers import page_router, secure
from portal.entrypoints.web import Acting, SchoolForm, SchoolPage, web_router
from portal.i18n import N_

router = web_router()
public_router = page_router()
"""The feedback link's page: no sign-in."""

VisitId = Annotated[str, Path(max_length=64, description="A visit's id (booking's)")]
PageNumber = Annotated[int, Query(ge=1, le=sv.MAX_PAGE)]
Done = Annotated[str | None, Query(max_length=20)]
REASON_MAX, COMMENT_MAX = 300, 2000
"""Booking's bounds of a cancellation's reason (one line) and a rating's comment."""


def _texts() -> dict[str, Any]:
    """The texts of statuses, kinds, professions and ratings, for the templates (translated there)."""
    return {"statuses": sv.STATUSES, "kinds": sv.KINDS, "professions": sv.PROFESSIONS, "ratings": sv.RATINGS}


def _done(done: str | None) -> str | None:
    """The message id of what a form did (translated by the page)."""
    return sv.DONE[done] if done in sv.DONE else None


def _ours(message: str, **values: str) -> dict[str, Any]:
    """An error of the portal's own (a message id and its values, translated by the page)."""
    return {"text": message, "lang": None, "values": values}


def _theirs(reason: str) -> dict[str, Any]:
    """An error in booking's words: said in the page's language where the portal knows it, else shown in booking's
    words (English) after a translated lead."""
    known = sv.explained(reason)
    if known is not None:
        return _ours(known[0], **known[1])
    return {"text": sv.without_field(reason), "lang": "en", "values": {}}


async def _visit(person: Acting, visit_id: str) -> dict[str, Any]:
    """The visit as booking shows it to the school (a malformed id is not found without asking)."""
    if not sv.VISIT_ID.fullmatch(visit_id):
        raise Refused(404, "no such visit")
    booking = await person.api("booking")
    visit: dict[str, Any] = await booking.get(f"/v1/visit-requests/{visit_id}")
    return visit


def _after(request: Request, url: str) -> Response:
    """Where a form that did its work goes: 303 to `url`, or for htmx a full load of it (`HX-Redirect`)."""
    if request.headers.get("hx-request") == "true":
        return secure(Response(status_code=200, headers={"HX-Redirect": url}))
    return secure(redirect(url))


# --- the list ------------------------------------------------------------------------------------------------


@router.get("/school", response_class=HTMLResponse)
async def our_visits(request: Request, person: SchoolPage, page: PageNumber = 1) -> Response:
    """The school's visits, newest first, a page at a time; htmx refreshes the statuses every 30 seconds."""
    booking = await person.api("booking")
    first = await booking.get("/v1/visit-requests", params={"limit": sv.PER_PAGE, "offset": 0})
    total = int(first["total"])
    wanted = sv.newest_first(total, page)
    if total <= sv.PER_PAGE:
        items = first["items"] if wanted.limit else []
    elif wanted.limit:
        items = (await booking.get("/v1/visit-requests",
                                   params={"limit": wanted.limit, "offset": wanted.offset}))["items"]  # fmt: skip
    else:
        items = []
    rows = [sv.row(item) for item in reversed(items)]
    pages = sv.page_count(total)
    return render(request, "school_visits.html", {
        "rows": rows, "total": total, "page": page, "pages": pages, "now": person.clock.now(), **_texts(),
    })  # fmt: skip


# --- one visit -----------------------------------------------------------------------------------------------


def _visit_context(visit: dict[str, Any], person: Acting) -> dict[str, Any]:
    scheduled = visit.get("scheduled") or None
    return {
        "visit": visit,
        "actions": sv.actions(visit, person.clock.now()),
        "explanation": sv.explanation(visit, person.clock.now()),
        "team": sv.first_names(visit.get("team") or []),
        "scheduled": scheduled and {"start": sv.moment(scheduled["start"]), "end": sv.moment(scheduled["end"])},
        "windows": [{"start": sv.moment(w["start"]), "end": sv.moment(w["end"])} for w in visit.get("windows") or []],
        "history": [
            {"status": h["status"], "at": sv.moment(h["at"]), "note": h.get("note")}
            for h in reversed(visit.get("history") or [])
        ],  # fmt: skip
        "unfulfilled_reason": sv.unfulfilled_reason(visit) if visit["status"] == "unfulfilled" else None,
        "rating": visit.get("rating"),
        "cancellation": visit.get("cancellation"),
        **_texts(),
    }


@router.get("/school/visits/{visit_id}", response_class=HTMLResponse)
async def one_visit(request: Request, visit_id: VisitId, person: SchoolPage, done: Done = None) -> Response:
    """The visit: status and what it means, time, team, what was asked for, history, and what can be done."""
    visit = await _visit(person, visit_id)
    return render(request, "school_visit.html", {**_visit_context(visit, person), "done": _done(done)})


@router.get("/school/visits/{visit_id}/cancel", response_class=HTMLResponse)
async def cancel_page(request: Request, visit_id: VisitId, person: SchoolPage) -> Response:
    """Are you sure? The reason, and the button that cancels."""
    visit = await _visit(person, visit_id)
    return _cancel_form(request, visit, person, reason="", errors={})


def _cancel_form(request: Request, visit: dict[str, Any], person: Acting, *, reason: str, errors: dict[str, Any],
                 status_code: int = 200) -> Response:  # fmt: skip
    context = {**_visit_context(visit, person), "reason": reason, "errors": errors}
    return render(request, "school_visit_cancel.html", context, status_code=status_code)


@router.post("/school/visits/{visit_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, visit_id: VisitId, person: SchoolForm) -> Response:
    """Cancel the visit with the reason given (booking refuses a visit that has started or ended: a 409 page)."""
    visit = await _visit(person, visit_id)
    reason = sv.one_line(str((await request.form()).get("reason") or ""), REASON_MAX)
    if not reason:
        errors = {"reason": _ours(N_("Tell us why the visit is cancelled."))}
        return _cancel_form(request, visit, person, reason=reason, errors=errors, status_code=422)
    booking = await person.api("booking")
    try:
        await booking.post(f"/v1/visit-requests/{visit['id']}/cancel", {"reason": reason})
    except Refused as refused:
        if refused.status != 422:
            raise
        errors = {"reason": _theirs(next(iter(refused.fields.values()), refused.detail))}
        return _cancel_form(request, visit, person, reason=reason, errors=errors, status_code=422)
    return _after(request, f"/school/visits/{visit['id']}?done=cancelled")


@router.get("/school/visits/{visit_id}/reschedule", response_class=HTMLResponse)
async def reschedule_page(request: Request, visit_id: VisitId, person: SchoolPage) -> Response:
    """New times for the visit: up to three windows (date, from, to)."""
    visit = await _visit(person, visit_id)
    given = [{"date": "", "start": "", "end": ""} for _ in range(sv.MAX_WINDOWS)]
    return _reschedule_form(request, visit, person, given=given, errors={})


def _reschedule_form(request: Request, visit: dict[str, Any], person: Acting, *, given: list[dict[str, str]],
                     errors: dict[str, Any], status_code: int = 200) -> Response:  # fmt: skip
    context = {**_visit_context(visit, person), "given": given, "errors": errors}
    return render(request, "school_visit_reschedule.html", context, status_code=status_code)


@router.post("/school/visits/{visit_id}/reschedule", response_class=HTMLResponse)
async def reschedule(request: Request, visit_id: VisitId, person: SchoolForm) -> Response:
    """Send the new windows; booking's refusals (too soon, outside school hours, ...) are shown beside the field."""
    visit = await _visit(person, visit_id)
    form = await request.form()
    read = sv.read_windows({k: v for k, v in form.items() if isinstance(v, str)})
    if read.errors:
        errors = {field: _ours(message) for field, message in read.errors.items()}
        return _reschedule_form(request, visit, person, given=read.given, errors=errors, status_code=422)
    booking = await person.api("booking")
    try:
        await booking.post(f"/v1/visit-requests/{visit['id']}/reschedule", {"windows": read.windows})
    except Refused as refused:
        if refused.status != 422:
            raise
        errors = {sv.window_field(field, read.windows, read.given): _theirs(reason)
                  for field, reason in (refused.fields or {"windows": refused.detail}).items()}  # fmt: skip
        return _reschedule_form(request, visit, person, given=read.given, errors=errors, status_code=422)
    return _after(request, f"/school/visits/{visit['id']}?done=rescheduled")


@router.get("/school/visits/{visit_id}/calendar.ics")
async def calendar_file(request: Request, visit_id: VisitId, person: SchoolPage) -> Response:
    """The visit's calendar event as booking writes it (its latest state), to download."""
    if not sv.VISIT_ID.fullmatch(visit_id):
        return problem_page(request, 404)
    booking = await person.api("booking")
    try:
        answer = await booking.call("GET", f"/v1/visit-requests/{visit_id}/calendar.ics")
    except Refused as refused:
        if refused.status != 409:
            raise
        context = {"heading": N_("There is no calendar event yet"),
                   "message": N_("The visit gets one when a team has confirmed it.")}  # fmt: skip
        return render(request, "problem.html", context, status_code=409)
    return secure(Response(answer.content, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="visit-{visit_id}.ics"', "Cache-Control": "private, no-store",
    }))  # fmt: skip


# --- the rating ----------------------------------------------------------------------------------------------


def _rating_form(request: Request, visit: dict[str, Any], person: Acting, *, chosen: int | None, comment: str,
                 errors: dict[str, Any], status_code: int = 200) -> Response:  # fmt: skip
    context = {**_visit_context(visit, person), "chosen": chosen, "comment": comment, "errors": errors,
               "action": f"/school/visits/{visit['id']}/rating"}  # fmt: skip
    return render(request, "school_visit_rating.html", context, status_code=status_code)


@router.get("/school/visits/{visit_id}/rating", response_class=HTMLResponse)
async def rating_page(request: Request, visit_id: VisitId, person: SchoolPage) -> Response:
    """Rate the visit 1–5 with a comment (or why it cannot be rated yet, or the rating given)."""
    visit = await _visit(person, visit_id)
    return _rating_form(request, visit, person, chosen=None, comment="", errors={})


@router.get("/visits/{visit_id}/rating", response_class=HTMLResponse)
async def rating_from_mail(request: Request, visit_id: VisitId, person: SchoolPage) -> Response:
    """The thank-you mail's link (English)."""
    return await rating_page(request, visit_id, person)


@router.get("/besok/{visit_id}/vurdering", response_class=HTMLResponse)
async def rating_from_mail_nb(request: Request, visit_id: VisitId, person: SchoolPage) -> Response:
    """The thank-you mail's link (Norwegian)."""
    return await rating_page(request, visit_id, person)


@router.post("/school/visits/{visit_id}/rating", response_class=HTMLResponse)
async def rate(request: Request, visit_id: VisitId, person: SchoolForm) -> Response:
    """Send the rating (once; booking refuses a second, or one before the visit has ended: a 409 page)."""
    visit = await _visit(person, visit_id)
    form = await request.form()
    chosen = sv.rating_value(str(form.get("rating") or ""))
    comment = sv.clean_text(str(form.get("comment") or ""), COMMENT_MAX)
    if chosen is None:
        errors = {"rating": _ours(N_("Choose a rating from 1 to 5."))}
        return _rating_form(request, visit, person, chosen=None, comment=comment, errors=errors, status_code=422)
    booking = await person.api("booking")
    try:
        await booking.post(f"/v1/visit-requests/{visit['id']}/rating", {"rating": chosen, "comment": comment or None})
    except Refused as refused:
        if refused.status != 422:
            raise
        errors = {("comment" if field == "comment" else "rating"): _theirs(reason)
                  for field, reason in refused.fields.items()}  # fmt: skip
        return _rating_form(request, visit, person, chosen=chosen, comment=comment,
                            errors=errors or {"rating": _theirs(refused.detail)}, status_code=422)  # fmt: skip
    return _after(request, f"/school/visits/{visit['id']}?done=rated")


# --- the school's calendar feed (notify) -----------------------------------------------------------------------


@router.get("/school/calendar", response_class=HTMLResponse)
async def calendar_feed(request: Request, person: SchoolPage) -> Response:
    """Whether the school has a calendar feed (its address is shown only when made)."""
    notify = await person.api("notify")
    feed = await notify.get("/v1/me/calendar-feed")
    return render(request, "school_visit_feed.html", {"feed": feed, "created_at": sv.moment(feed.get("created_at")),
                                                      "link": None})  # fmt: skip


@router.post("/school/calendar", response_class=HTMLResponse)
async def new_calendar_feed(request: Request, person: SchoolForm) -> Response:
    """A new feed address (the old one stops working): shown on this answer only, never stored by the portal."""
    notify = await person.api("notify")
    link = await notify.post("/v1/me/calendar-feed/rotate")
    response = render(request, "school_visit_feed.html", {"feed": {"exists": True},
                                                          "created_at": sv.moment(link.get("created_at")),
                                                          "link": link})  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/school/calendar/off", response_class=HTMLResponse)
async def calendar_feed_off(request: Request, person: SchoolForm) -> Response:
    """Turn the feed off: its address stops working."""
    notify = await person.api("notify")
    await notify.delete("/v1/me/calendar-feed")
    return _after(request, "/school/calendar")


# --- the feedback link (no sign-in) ------------------------------------------------------------------------------

CLOSED = {
    404: (N_("We could not find this link"), N_("Check that the whole address from the mail is there, or sign in "
                                               "and rate the visit under Our visits.")),
    410: (N_("This link has expired"), N_("A rating link works for 30 days after the visit. Sign in to see your "
                                         "visits.")),
    409: (N_("The visit has been rated already"), N_("Thank you! The first rating given stands.")),
}  # fmt: skip
"""Why a feedback link cannot be used, in words for the school."""


def _feedback_closed(request: Request, status: int) -> Response:
    heading, message = CLOSED.get(status, CLOSED[404])
    return render(request, "feedback_closed.html", {"heading": heading, "message": message}, status_code=status)


async def _feedback(request: Request, token: str, answer: dict[str, Any] | None = None) -> dict[str, Any]:
    return await feedback(request.app.state.runtime.ports.apis.clients["booking"], token, answer)


def _feedback_form(request: Request, shown: dict[str, Any], token: str, *, chosen: int | None, comment: str,
                   errors: dict[str, Any], done: str | None = None, status_code: int = 200) -> Response:  # fmt: skip
    scheduled = shown.get("scheduled") or {}
    context = {"shown": shown, "starts": sv.moment(scheduled.get("start")), "ends": sv.moment(scheduled.get("end")),
               "expires": sv.moment(shown.get("expires_at")), "chosen": chosen, "comment": comment, "errors": errors,
               "action": f"/feedback/{token}", "done": _done(done), **_texts()}  # fmt: skip
    response = render(request, "feedback.html", context, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


@public_router.get("/feedback/{token}", response_class=HTMLResponse)
async def feedback_page(request: Request, token: Annotated[str, Path(max_length=444)], pre: PreSessionPage,
                        done: Done = None) -> Response:  # fmt: skip
    """What the link rates and the form (or the rating given, or why the link cannot be used)."""
    if not sv.FEEDBACK_TOKEN.fullmatch(token):
        return _feedback_closed(request, 404)
    try:
        shown = await _feedback(request, token)
    except Refused as refused:
        return _feedback_closed(request, refused.status)
    return pre.keep(request, _feedback_form(request, shown, token, chosen=None, comment="", errors={}, done=done))


@public_router.post("/feedback/{token}", response_class=HTMLResponse)
async def give_feedback(request: Request, token: Annotated[str, Path(max_length=444)], pre: PreSessionForm) -> Response:
    """Send the rating through the link (once; a second is refused and the first stands)."""
    if not sv.FEEDBACK_TOKEN.fullmatch(token):
        return _feedback_closed(request, 404)
    form = await request.form()
    chosen = sv.rating_value(str(form.get("rating") or ""))
    comment = sv.clean_text(str(form.get("comment") or ""), COMMENT_MAX)
    try:
        shown = await _feedback(request, token)
    except Refused as refused:
        return _feedback_closed(request, refused.status)
    if shown.get("answered"):
        return _feedback_closed(request, 409)
    if chosen is None:
        errors = {"rating": _ours(N_("Choose a rating from 1 to 5."))}
        return _feedback_form(request, shown, token, chosen=None, comment=comment, errors=errors, status_code=422)
    try:
        await _feedback(request, token, {"rating": chosen, "comment": comment or None})
    except Refused as refused:
        if refused.status != 422:
            return _feedback_closed(request, refused.status)
        errors = {("comment" if field == "comment" else "rating"): _theirs(reason)
                  for field, reason in refused.fields.items()}  # fmt: skip
        return _feedback_form(request, shown, token, chosen=chosen, comment=comment,
                              errors=errors or {"rating": _theirs(refused.detail)}, status_code=422)  # fmt: skip
    return _after(request, f"/feedback/{token}?done=rated")
