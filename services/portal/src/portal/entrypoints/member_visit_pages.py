"""My visits (members): upcoming and past; withdrawing from one (a page to confirm, with a reason) and reporting the
pupils reached once it has started (booking takes the report from a member of the confirmed team)."""

import re
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from portal.adapters.service_apis import Refused
from portal.domain import member_forms, member_views
from portal.entrypoints.browser import problem_page, redirect
from portal.entrypoints.member_texts import DONE, Done, explained, field_problems, texts
from portal.entrypoints.pages import render
from portal.entrypoints.web import Acting, MemberForm, MemberPage, web_router

router = web_router()
VISIT_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")
"""What a visit id can look like; anything else is not found without asking a service."""


@router.get("/me/visits", response_class=HTMLResponse)
async def my_visits(request: Request, person: MemberPage, done: Done = None) -> Response:
    """The visits the member said yes to: upcoming (soonest first), then past ones (latest first)."""
    ambassadors = await person.api("ambassadors")
    me, visits = await ambassadors.get("/v1/me"), await ambassadors.get("/v1/me/visits")
    upcoming, past = member_views.my_visits(visits, now=person.clock.now(), home=me.get("kommunenummer"),
                                            me=member_views.myself(me))  # fmt: skip
    context = {"upcoming": upcoming, "past": past, "done": DONE.get(done or ""), **texts()}
    return render(request, "member_visits.html", context)


@router.get("/me/visits/{visit_id}/withdraw", response_class=HTMLResponse)
async def withdraw_form(request: Request, visit_id: str, person: MemberPage) -> Response:
    """Are you sure? The visit, a box for the reason (the organisers read it) and the button."""
    return await _page(request, person, visit_id, "member_withdraw.html")


@router.post("/me/visits/{visit_id}/withdraw", response_class=HTMLResponse)
async def withdraw(request: Request, visit_id: str, person: MemberForm) -> Response:
    """Give the seat back (before the visit starts); someone else is asked."""
    raw = str((await request.form()).get("reason") or "")
    reason = member_forms.text(raw, required=True, limit=member_forms.MAX_REASON)
    found = await _visit(person, visit_id)
    if found is None:
        return problem_page(request, 404)
    if reason.problem:
        return await _page(request, person, visit_id, "member_withdraw.html", {"reason": reason.problem}, raw=raw)
    ambassadors = await person.api("ambassadors")
    try:
        await ambassadors.post(f"/v1/offers/{found.offer_id}/withdraw", {"reason": reason.value})
    except Refused as exc:
        if exc.status == 409:  # not accepted any more, or the visit has started
            return await _page(request, person, visit_id, "member_withdraw.html", raw=raw, too_late=True)
        if exc.status != 422:
            raise
        return await _page(request, person, visit_id, "member_withdraw.html", field_problems(exc, "reason"), raw=raw)
    return redirect("/me/visits?done=withdrawn")


@router.get("/me/visits/{visit_id}/report", response_class=HTMLResponse)
async def report_form(request: Request, visit_id: str, person: MemberPage) -> Response:
    """How many pupils did the team meet? (Only once the visit has started.)"""
    return await _page(request, person, visit_id, "member_report.html")


@router.post("/me/visits/{visit_id}/report", response_class=HTMLResponse)
async def report(request: Request, visit_id: str, person: MemberForm) -> Response:
    """Send booking the number of pupils reached (and notes): the visit is completed."""
    form = await request.form()
    raw = {"pupils_reached": str(form.get("pupils_reached") or ""), "notes": str(form.get("notes") or "")}
    pupils = member_forms.pupils(raw["pupils_reached"])
    notes = member_forms.text(raw["notes"], required=False, limit=member_forms.MAX_NOTES)
    problems = {k: c.problem for k, c in (("pupils_reached", pupils), ("notes", notes)) if c.problem}
    if problems:
        return await _page(request, person, visit_id, "member_report.html", problems, raw=raw)
    if not VISIT_ID.fullmatch(visit_id):
        return problem_page(request, 404)
    booking = await person.api("booking")
    try:
        await booking.post(f"/v1/visit-requests/{visit_id}/report", {"pupils_reached": pupils.value,
                                                                     "notes": notes.value})  # fmt: skip
    except Refused as exc:
        if exc.status == 409:  # reported already, or not started yet
            return await _page(request, person, visit_id, "member_report.html", raw=raw, too_late=True)
        if exc.status != 422:
            raise
        errors = field_problems(exc, "pupils_reached", "notes")
        return await _page(request, person, visit_id, "member_report.html", errors, raw=raw)
    return redirect("/me/visits?done=reported")


async def _visit(person: Acting, visit_id: str) -> member_views.VisitView | None:
    """The member's visit with this id (a seat they hold or held), or None."""
    if not VISIT_ID.fullmatch(visit_id):
        return None
    ambassadors = await person.api("ambassadors")
    me, visits = await ambassadors.get("/v1/me"), await ambassadors.get("/v1/me/visits")
    found = member_views.find_visit(visits, visit_id)
    if found is None:
        return None
    team = member_views.teams(visits, me=member_views.myself(me)).get(visit_id, ())
    return member_views.visit_view(found, now=person.clock.now(), home=me.get("kommunenummer"), team=team)


async def _page(request: Request, person: Acting, visit_id: str, template: str, errors: dict[str, str] | None = None,
                *, raw: Any = "", too_late: bool = False) -> Response:  # fmt: skip
    """A visit's form page (withdraw, report): the visit, the form as it was sent and what is wrong with it."""
    visit = await _visit(person, visit_id)
    if visit is None:
        return problem_page(request, 404)
    lang, shown = explained(request, errors)
    context = {"visit": visit, "errors": shown, "raw": raw, "too_late": too_late, **texts()}
    return render(request, template, context, status_code=422 if errors else 200, lang=lang)
