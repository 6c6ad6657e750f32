"""The organisers' roster: search and filter the members of their scope (50 at a time, by name, the next page after
the last), download them as CSV or XLSX, a member's page (details, availability, visits, gatherings; deactivate,
reactivate and erase, each destructive one confirmed first), and a roster import that shows what it would create,
change and refuse, line by line, before anything is written. Every call is made as the organiser."""

import asyncio
import re
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from outreach_shared.municipalities import load_register
from portal import i18n
from portal.adapters.service_apis import Refused
from portal.domain import organiser_roster as roster
from portal.entrypoints.browser import problem_page, redirect
from portal.entrypoints.member_texts import KINDS, PROFESSIONS
from portal.entrypoints.pages import page_language, render
from portal.entrypoints.security_headers import secure
from portal.entrypoints.settings_pages import LANGUAGE_NAMES, TIME_NAMES, WEEKDAY_NAMES
from portal.entrypoints.web import Acting, OrganiserForm, OrganiserPage, web_router
from portal.i18n import N_

router = web_router()
MEMBER_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
"""A member id (a UUID); anything else is not found without asking a service."""
DOWNLOADS = {"csv": "/v1/members.csv", "xlsx": "/v1/members.xlsx"}
DONE = {
    "deactivated": N_("The member is deactivated: their future visits are released and offered to others."),
    "reactivated": N_("The member is active again and can be offered visits."),
    "erased": N_("The member is erased."),
    "imported": N_("The roster is imported."),
}
"""What just happened, by the `done` a page was sent to with after a form."""
FIELD_NAMES = {
    "name": N_("name"), "profession": N_("profession"), "kommunenummer": N_("municipality"), "email": N_("e-mail"),
    "phone": N_("mobile"), "languages": N_("languages"), "employer": N_("employer"),
    "max_visits_per_month": N_("visits a month"), "travel_radius_km": N_("travel radius"),
    "weekdays": N_("weekdays"), "unavailable_dates": N_("days off"), "times_of_day": N_("times of day"),
}  # fmt: skip
STATE_NAMES = {
    "invited": N_("Invited"), "registered": N_("Registered"), "waitlisted": N_("On the waiting list"),
    "offered": N_("Offered a place"), "withdrawn": N_("Withdrew"), "checked_in": N_("Checked in"),
    "trained": N_("Trained"),
}  # fmt: skip
Short = Annotated[str, Query(max_length=100)]
Done = Annotated[str | None, Query(max_length=20, description="What just happened (others are ignored)")]
Cursor = Annotated[str | None, Query(max_length=36, description="The id of the last member of the previous page")]


def roster_filter(
    q: Short = "",
    kommunenummer: Short = "",
    county: Short = "",
    profession: Short = "",
    language: Short = "",
    trained: Short = "",
    active: Short = "",
) -> roster.RosterFilter:
    """The roster's filters from the query string (the list and its downloads take the same)."""
    return roster.RosterFilter.of({"q": q, "kommunenummer": kommunenummer, "county": county, "profession": profession,
                                   "language": language, "trained": trained, "active": active})  # fmt: skip


Filters = Annotated[roster.RosterFilter, Depends(roster_filter)]


def _texts() -> dict[str, Any]:
    return {"professions": PROFESSIONS, "language_names": LANGUAGE_NAMES, "weekdays": WEEKDAY_NAMES,
            "times": TIME_NAMES, "states": STATE_NAMES}  # fmt: skip


def _this_year(person: Acting) -> int:
    return person.clock.now().astimezone(i18n.OSLO).year


@router.get("/organiser/members", response_class=HTMLResponse)
async def members(
    request: Request,
    person: OrganiserPage,
    f: Filters,
    after: Cursor = None,
    done: Done = None,
) -> Response:
    """The members in the organiser's scope matching the filters, by name, 50 at a time."""
    params: dict[str, Any] = {**f.api_params(this_year=_this_year(person)), "limit": roster.PAGE_SIZE + 1}
    if after and MEMBER_ID.fullmatch(after):
        params["after"] = after
    errors: dict[str, str] = {}
    found: list[dict[str, Any]] = []
    try:
        found = await (await person.api("ambassadors")).get("/v1/members", params=params)
    except Refused as refused:
        if refused.status != 422:
            raise
        with i18n.speaking(page_language(request)):
            errors = {"q": i18n.gettext("The search could not be used. Check the filters and try again.")}
    shown, next_after = roster.page_of(found)
    register = load_register().by_number
    rows = [{**m, "kommune": register[m["kommunenummer"]].name if m["kommunenummer"] in register else ""}
            for m in shown]  # fmt: skip
    counties = sorted({(m.county_number, m.county) for m in register.values()})
    return render(request, "organiser/roster_list.html", {
        "rows": rows, "filters": f, "errors": errors, "counties": counties, "paged": bool(params.get("after")),
        "next_url": f"/organiser/members?{f.query(after=next_after)}" if next_after else None,
        "first_url": f"/organiser/members?{f.query()}", "download_query": f.query(), "done": DONE.get(done or ""),
        **_texts(),
    })  # fmt: skip


@router.get("/organiser/members.{fmt}", response_class=Response)
async def members_download(
    request: Request,
    fmt: str,
    person: OrganiserPage,
    f: Filters,
) -> Response:
    """The members matching the filters as ambassadors' CSV or XLSX, fetched as the organiser."""
    if fmt not in DOWNLOADS:
        return problem_page(request, 404)
    ambassadors = await person.api("ambassadors")
    content, content_type = await ambassadors.get_bytes(DOWNLOADS[fmt], params=f.api_params(
        this_year=_this_year(person)))  # fmt: skip
    name = f"roster-{person.clock.now().astimezone(i18n.OSLO).date().isoformat()}.{fmt}"
    return secure(Response(content, media_type=content_type,
                           headers={"Content-Disposition": f'attachment; filename="{name}"'}))  # fmt: skip


@router.get("/organiser/members/import", response_class=HTMLResponse)
async def import_form(request: Request, person: OrganiserPage) -> Response:
    """Choose a roster file (CSV, UTF-8): nothing is written before the preview is confirmed."""
    return render(request, "organiser/roster_import.html", {"errors": {}})


@router.post("/organiser/members/import", response_class=HTMLResponse)
async def import_preview(request: Request, person: OrganiserForm) -> Response:
    """What importing the file would do, line by line (a dry run); with nothing refused, a button that imports it."""
    form = await request.form()
    upload = form.get("file")
    text = ""
    if isinstance(upload, UploadFile):
        raw = await upload.read(roster.MAX_IMPORT_BYTES + 1)
        if len(raw) > roster.MAX_IMPORT_BYTES:
            return _import_problem(request, N_("The file is larger than 2 MB. Split it and import each part."))
        text = raw.decode("utf-8-sig", errors="replace")
        if "\ufffd" in text:
            return _import_problem(request, N_("The file is not UTF-8: in Excel, save it as 'CSV UTF-8'."))
    if not text.strip():
        return _import_problem(request, N_("Choose a CSV file with a header line and a member a line."))
    preview = await _dry_run(request, person, text)
    return render(request, "organiser/roster_preview.html", {"preview": preview, "csv": text},
                  status_code=422 if preview.refused else 200)  # fmt: skip


@router.post("/organiser/members/import/confirm", response_class=HTMLResponse)
async def import_confirm(request: Request, person: OrganiserForm) -> Response:
    """Import the file previewed (all or nothing: if it is refused now, the new preview says why)."""
    text = str((await request.form()).get("csv") or "")
    if not text.strip() or len(text.encode()) > roster.MAX_IMPORT_BYTES:
        return _import_problem(request, N_("Choose a CSV file with a header line and a member a line."))
    try:
        await (await person.api("ambassadors")).post_content("/v1/members/import", text.encode(), "text/csv")
    except Refused as exc:
        if exc.status != 422:
            raise
        preview = await _dry_run(request, person, text)
        return render(request, "organiser/roster_preview.html", {"preview": preview, "csv": text}, status_code=422)
    return redirect("/organiser/members?done=imported")


async def _dry_run(request: Request, person: Acting, text: str) -> roster.Preview:
    ambassadors = await person.api("ambassadors")
    try:
        answer = await ambassadors.post_content("/v1/members/import", text.encode(), "text/csv",
                                                params={"dry_run": "true"})  # fmt: skip
    except Refused as exc:
        if exc.status != 422:
            raise
        return roster.refusal_of(exc.body.get("errors") or [{"line": 0, "reason": exc.detail}])
    with i18n.speaking(page_language(request)):  # the changed fields in the page's language
        names = {k: i18n.gettext(v) for k, v in FIELD_NAMES.items()}
    return roster.preview_of(answer, names)


def _import_problem(request: Request, message: str) -> Response:
    with i18n.speaking(page_language(request)):
        shown = {"file": i18n.gettext(message)}
    return render(request, "organiser/roster_import.html", {"errors": shown}, status_code=422)


@router.get("/organiser/members/{member_id}", response_class=HTMLResponse)
async def member_page(request: Request, member_id: str, person: OrganiserPage, done: Done = None) -> Response:
    """The member's details, availability, visits and gatherings, with the actions on them."""
    if not MEMBER_ID.fullmatch(member_id):
        return problem_page(request, 404)
    ambassadors, training = await person.api("ambassadors"), await person.api("training")
    member, visits, gatherings = await asyncio.gather(
        ambassadors.get(f"/v1/members/{member_id}"),
        ambassadors.get(f"/v1/members/{member_id}/visits", params={"past_limit": 10}),
        training.get(f"/v1/members/{member_id}/gatherings"),
    )
    today = person.clock.now().astimezone(i18n.OSLO).date()
    register = load_register().by_number
    context = {"member": member, "kommune": register[k].name if (k := member["kommunenummer"]) in register else k,
               "away": roster.away_ranges(member, today), "days_off": roster.days_off(member, today),
               "upcoming": roster.visit_rows(visits["upcoming"]), "past": roster.visit_rows(visits["past"]),
               "gatherings": roster.gathering_rows(gatherings), "kinds": KINDS, "done": DONE.get(done or ""),
               **_texts()}  # fmt: skip
    return render(request, "organiser/roster_member.html", context)


@router.get("/organiser/members/{member_id}/{action}", response_class=HTMLResponse)
async def confirm_page(request: Request, member_id: str, action: str, person: OrganiserPage) -> Response:
    """Are you sure? What deactivating or erasing the member does."""
    if action not in ("deactivate", "erase") or not MEMBER_ID.fullmatch(member_id):
        return problem_page(request, 404)
    member = await (await person.api("ambassadors")).get(f"/v1/members/{member_id}")
    return render(request, "organiser/roster_confirm.html", {"member": member, "action": action})


@router.post("/organiser/members/{member_id}/{action}", response_class=HTMLResponse)
async def member_action(request: Request, member_id: str, action: str, person: OrganiserForm) -> Response:
    """Deactivate, reactivate or erase the member; back to the member (or the roster, once erased)."""
    if action not in ("deactivate", "reactivate", "erase") or not MEMBER_ID.fullmatch(member_id):
        return problem_page(request, 404)
    ambassadors = await person.api("ambassadors")
    if action == "erase":
        await ambassadors.delete(f"/v1/members/{member_id}")
        return redirect("/organiser/members?done=erased")
    await ambassadors.post(f"/v1/members/{member_id}/{action}")
    return redirect(f"/organiser/members/{member_id}?done={action}d")
