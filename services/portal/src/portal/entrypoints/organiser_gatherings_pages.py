"""Organisers' gatherings (desktop first; the check-in page phone first): the list by status, newest first, a page at
a time; a draft created and edited (every field training's API takes, its refusals beside the fields); publish,
cancel and complete after a confirmation; one gathering with its registrations, offered places and waiting list
(htmx refreshes them every few seconds; a reload does the same); the participants as CSV/XLSX; and check-in on the day
by typing the member's code or scanning their QR code with the phone's camera (`organiser_check_in.js`).

Every call is training's API acting as the signed-in organiser: its region rules decide what they see (a gathering
outside it is not found). The check-in's name comes from ambassadors' roster (the organiser's own view of it).
"""

import asyncio
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from outreach_shared.municipalities import load_register
from portal.adapters.service_apis import Refused
from portal.domain import organiser_gatherings as og
from portal.entrypoints.browser import redirect
from portal.entrypoints.pages import render
from portal.entrypoints.security_headers import secure
from portal.entrypoints.web import Acting, OrganiserForm, OrganiserPage, web_router
from portal.i18n import N_

router = web_router()

GatheringId = Annotated[str, Path(max_length=100, pattern=og.GATHERING_ID.pattern)]
Done = Annotated[str | None, Query(max_length=20)]
Status = Annotated[str | None, Query(max_length=20, pattern="^(draft|published|completed|cancelled)$")]
After = Annotated[str | None, Query(max_length=100, pattern=og.GATHERING_ID.pattern)]
Seen = Annotated[str | None, Query(max_length=32)]
Format = Annotated[str, Path(pattern="^(csv|xlsx)$")]


def _texts() -> dict[str, Any]:
    register = load_register()
    counties = sorted({(m.county_number, m.county) for m in register.by_number.values()})
    return {"county_names": dict(counties),
            "statuses": og.STATUSES, "professions": og.PROFESSIONS, "kinds": og.KINDS, "counties": counties,
            "participant_statuses": og.PARTICIPANT_STATUSES}  # fmt: skip


async def _gathering(person: Acting, gathering_id: str) -> dict[str, Any]:
    training = await person.api("training")
    found: dict[str, Any] = await training.get(f"/v1/gatherings/{gathering_id}")
    return og.timed(found)


def _after(request: Request, url: str) -> Response:
    """303 to `url`, or for htmx a full load of it (`HX-Redirect`)."""
    if request.headers.get("hx-request") == "true":
        return secure(Response(status_code=200, headers={"HX-Redirect": url}))
    return secure(redirect(url))


# --- the list ------------------------------------------------------------------------------------------------


@router.get("/organiser/gatherings", response_class=HTMLResponse)
async def gatherings(request: Request, person: OrganiserPage, status: Status = None, after: After = None) -> Response:
    """The gatherings of the organiser's region, newest first, of one status or all, a page at a time."""
    training = await person.api("training")
    params: dict[str, Any] = {"limit": og.PER_PAGE + 1}
    if status:
        params["status"] = status
    if after:
        params["after"] = after
    found = await training.get("/v1/gatherings", params=params)
    page = og.page_of([og.timed(g) for g in found])
    return render(request, "organiser/gatherings_list.html",
                  {"page": page, "status": status, "after": after, **_texts()})  # fmt: skip


# --- create and edit a draft ---------------------------------------------------------------------------------


def _draft_page(request: Request, draft: og.DraftForm, gathering: dict[str, Any] | None, *,
                status_code: int = 200) -> Response:  # fmt: skip
    return render(request, "organiser/gatherings_form.html",
                  {"draft": draft, "v": draft.values, "errors": draft.errors, "gathering": gathering, **_texts()},
                  status_code=status_code)  # fmt: skip


async def _posted(request: Request) -> og.DraftForm:
    form = await request.form()
    values: dict[str, Any] = {}
    for key in form:
        many = [str(x) for x in form.getlist(key)][:50]
        values[key[:40]] = many if key in ("region", "audience") else many[0]
    return og.typed_form(values)


def _refused(draft: og.DraftForm, refused: Refused) -> None:
    for name, reason in refused.fields.items():
        draft.errors[og.form_field(name)] = reason
    if not refused.fields:
        draft.errors["title"] = refused.detail


@router.get("/organiser/gatherings/new", response_class=HTMLResponse)
async def new_gathering(request: Request, person: OrganiserPage) -> Response:
    """An empty draft form."""
    del person
    return _draft_page(request, og.form_of(None), None)


@router.post("/organiser/gatherings/new", response_class=HTMLResponse)
async def create_gathering(request: Request, person: OrganiserForm) -> Response:
    """Save the new draft; problems beside their fields."""
    draft = await _posted(request)
    body = og.api_body(draft)
    if not draft.errors:
        try:
            created = await (await person.api("training")).post("/v1/gatherings", body)
            return _after(request, f"/organiser/gatherings/{created['id']}?done=created")
        except Refused as refused:
            _refused(draft, refused)
    return _draft_page(request, draft, None, status_code=422)


@router.get("/organiser/gatherings/{gathering_id}/edit", response_class=HTMLResponse)
async def edit_gathering(request: Request, gathering_id: GatheringId, person: OrganiserPage) -> Response:
    """The draft's form, filled."""
    training = await person.api("training")
    gathering = await training.get(f"/v1/gatherings/{gathering_id}")
    return _draft_page(request, og.form_of(gathering), gathering)


@router.post("/organiser/gatherings/{gathering_id}/edit", response_class=HTMLResponse)
async def save_gathering(request: Request, gathering_id: GatheringId, person: OrganiserForm) -> Response:
    """Save the draft's changes (every field, as the form shows them all)."""
    gathering = await _gathering(person, gathering_id)
    draft = await _posted(request)
    body = og.api_body(draft)
    if not draft.errors:
        try:
            await (await person.api("training")).patch(f"/v1/gatherings/{gathering_id}", body)
            return _after(request, f"/organiser/gatherings/{gathering_id}?done=saved")
        except Refused as refused:
            _refused(draft, refused)
    return _draft_page(request, draft, gathering, status_code=422)


# --- one gathering -------------------------------------------------------------------------------------------


async def _live(person: Acting, gathering_id: str) -> dict[str, Any]:
    training = await person.api("training")
    gathering, participants = await asyncio.gather(
        training.get(f"/v1/gatherings/{gathering_id}"), training.get(f"/v1/gatherings/{gathering_id}/participants")
    )
    return {"gathering": og.timed(gathering), "groups": og.grouped(participants),
            "certificates": og.certificates(participants), "signature": og.signature(gathering, participants),
            **_texts()}  # fmt: skip


@router.get("/organiser/gatherings/{gathering_id}", response_class=HTMLResponse)
async def one_gathering(
    request: Request, gathering_id: GatheringId, person: OrganiserPage, done: Done = None
) -> Response:
    """The gathering, its counts and participants (refreshed every few seconds), and what can be done."""
    context = await _live(person, gathering_id)
    return render(request, "organiser/gatherings_page.html", {**context, "done": og.done_message(done)})


@router.get("/organiser/gatherings/{gathering_id}/live", response_class=HTMLResponse)
async def live_fragment(
    request: Request, gathering_id: GatheringId, person: OrganiserPage, seen: Seen = None
) -> Response:
    """The counts and participants alone, for htmx's polling: 204 (nothing to swap, nothing to announce) while they
    are what the page shows (`seen`), else the new ones and a line for the live region."""
    context = await _live(person, gathering_id)
    if seen == context["signature"]:
        return secure(Response(status_code=204))
    return render(request, "organiser/gatherings_live.html", {**context, "fragment": True})


@router.get("/organiser/gatherings/{gathering_id}/participants.{fmt}")
async def participants_file(gathering_id: GatheringId, fmt: Format, person: OrganiserPage) -> Response:
    """Training's participant list as a file, fetched as the organiser."""
    training = await person.api("training")
    content, content_type = await training.get_bytes(f"/v1/gatherings/{gathering_id}/participants.{fmt}")
    disposition = f'attachment; filename="participants-{gathering_id}.{fmt}"'
    return secure(Response(content, media_type=content_type, headers={"Content-Disposition": disposition}))


# --- check-in ------------------------------------------------------------------------------------------------


def _check_in_page(request: Request, gathering: dict[str, Any], *, result: dict[str, Any] | None = None,
                   errors: dict[str, str] | None = None, status_code: int = 200) -> Response:  # fmt: skip
    context = {"gathering": gathering, "result": result, "errors": errors or {}}
    return render(request, "organiser/gatherings_check_in.html", context, status_code=status_code)


@router.get("/organiser/gatherings/{gathering_id}/check-in", response_class=HTMLResponse)
async def check_in_page(request: Request, gathering_id: GatheringId, person: OrganiserPage) -> Response:
    """The code field (and the camera, where the phone has one)."""
    return _check_in_page(request, await _gathering(person, gathering_id))


@router.post("/organiser/gatherings/{gathering_id}/check-in", response_class=HTMLResponse)
async def check_in(request: Request, gathering_id: GatheringId, person: OrganiserForm) -> Response:
    """Check the member in by their code; say who it was, or that they already were, or what was wrong."""
    typed = og.scanned_code(str((await request.form()).get("code", ""))[:200])
    training = await person.api("training")
    if not typed.strip():
        return _check_in_page(request, await _gathering(person, gathering_id),
                              errors={"code": N_("Type the member's check-in code.")}, status_code=422)  # fmt: skip
    try:
        response = await training.call("POST", f"/v1/gatherings/{gathering_id}/check-ins", json={"code": typed})
    except Refused as refused:
        if refused.status not in (404, 409, 422):
            raise
        message = N_("No one registered for this gathering has the code %(code)s. Check it and try again.")
        if refused.status == 409:
            message = N_("The member with the code %(code)s has no confirmed place, or check-in is not open.")
        return _check_in_page(request, await _gathering(person, gathering_id), errors={"code": message},
                              result={"code": og.display_code(typed)}, status_code=422)  # fmt: skip
    registration = response.json()
    gathering, name = await asyncio.gather(_gathering(person, gathering_id), _name(person, registration["member_id"]))
    result = {"name": name, "already": response.status_code == 200, "code": og.display_code(typed)}
    return _check_in_page(request, gathering, result=result)


async def _name(person: Acting, member_id: str) -> str | None:
    """The member's name in the organiser's roster (None where the roster does not show them)."""
    try:
        member = await (await person.api("ambassadors")).get(f"/v1/members/{member_id}")
    except Refused:
        return None
    return str(member.get("name") or "") or None


# --- publish, cancel, complete (each after a confirmation) ---------------------------------------------------

ACTIONS = {"publish": "published", "cancel": "cancelled", "complete": "completed"}


@router.get("/organiser/gatherings/{gathering_id}/{action}", response_class=HTMLResponse)
async def confirm_action(request: Request, gathering_id: GatheringId, action: str, person: OrganiserPage) -> Response:
    """Are you sure? What publishing, cancelling or completing does, and the button that does it."""
    if action not in ACTIONS:
        raise Refused(404, "no such page")
    gathering = await _gathering(person, gathering_id)
    return render(request, "organiser/gatherings_confirm.html",
                  {"gathering": gathering, "action": action, "errors": {}, "reason": ""})  # fmt: skip


@router.post("/organiser/gatherings/{gathering_id}/{action}", response_class=HTMLResponse)
async def do_action(request: Request, gathering_id: GatheringId, action: str, person: OrganiserForm) -> Response:
    """Publish, cancel (with a reason members are told) or complete."""
    if action not in ACTIONS:
        raise Refused(404, "no such page")
    training = await person.api("training")
    reason = str((await request.form()).get("reason", ""))[:1000].strip()
    errors: dict[str, str] = {}
    if action == "cancel" and not reason:
        errors["reason"] = N_("Say why the gathering is cancelled: members are told.")
    else:
        try:
            body = {"reason": reason} if action == "cancel" else None
            await training.post(f"/v1/gatherings/{gathering_id}/{action}", body)
            return _after(request, f"/organiser/gatherings/{gathering_id}?done={ACTIONS[action]}")
        except Refused as refused:
            if refused.status not in (409, 422):
                raise
            errors[og.form_field(next(iter(refused.fields), "reason"))] = (
                next(iter(refused.fields.values()), "") or refused.detail
            )
    gathering = await _gathering(person, gathering_id)
    return render(request, "organiser/gatherings_confirm.html",
                  {"gathering": gathering, "action": action, "errors": errors, "reason": reason},
                  status_code=422)  # fmt: skip
