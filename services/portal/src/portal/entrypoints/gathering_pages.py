"""Members' gatherings (phone first): the invitations and their deadlines, then the member's own gatherings; one
gathering with the register form (dietary and accessibility needs), the waiting-list place, the offered place with
its deadline and an accept button, withdrawing with a confirmation step, the check-in code as a QR code the
organiser scans, and after completion the proof of training (a printable page) with the address where anyone can
check it without signing in (`/bevis/{code}`, training's public check: the gathering, nothing about the person).

Mails link to `/samlinger/{id}` (nb), `/samlingar/{id}` (nn) and `/gatherings/{id}` (en): the same page. The pages
call training's members' API as the signed-in member; a GET never changes anything, every form posts and answers
with a redirect (303) to the gathering, which says what happened in the live region (`?done=`); a refusal
training gives (registration closed, an offer lapsed, the deadline passed) is said on the gathering's page.
"""

import re
from datetime import datetime
from typing import Annotated, Any

import httpx
import segno
from fastapi import Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from outreach_shared.municipalities import load_register
from portal import i18n
from portal.adapters.service_apis import Refused, Unavailable
from portal.entrypoints.browser import problem_page, redirect, settings_of
from portal.entrypoints.pages import render
from portal.entrypoints.web import Acting, MemberForm, MemberPage, web_router
from portal.i18n import N_

router = web_router()
GatheringId = Annotated[str, Path(description="The gathering's id; anything else is not found (a page, not a 422)")]
GATHERING_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
"""What a gathering id can look like (training checks the rest); anything else never leaves the portal."""
VERIFICATION_CODE = re.compile(r"[2-9A-HJ-NP-Za-hj-np-z]{4}(-?[2-9A-HJ-NP-Za-hj-np-z]{4}){3}")
"""What a proof of training's verification code can look like (training's alphabet, with or without dashes)."""
NEEDS_MAX = 1000
"""The longest dietary or accessibility note training accepts."""
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
KINDS = {
    "presentation_technique": N_("Presentation technique"),
    "storytelling": N_("Storytelling"),
    "slides": N_("Slides"),
    "experience_exchange": N_("Experience exchange"),
    "other": N_("Other"),
}
"""Training's kinds of agenda items, in words for people."""
STATES = {
    "invited": N_("Invited"),
    "registered": N_("You have a place"),
    "waitlisted": N_("On the waiting list"),
    "offered": N_("A place is offered to you"),
    "withdrawn": N_("Withdrawn"),
    "checked_in": N_("Checked in"),
    "trained": N_("Trained"),
}
"""The member's state at a gathering, as a short tag."""
DONE = {
    "registered": N_("Your registration is saved."),
    "waitlisted": N_("You are on the waiting list. We tell you by mail if a place becomes free."),
    "accepted": N_("You accepted the place. See you there!"),
    "withdrawn": N_("You have withdrawn. Your place goes to the next in line."),
}
"""What the page says in the live region after a form (`?done=`)."""
HOLDS_A_PLACE = frozenset({"registered", "checked_in", "trained"})
DATES = ("starts_at", "ends_at", "registration_opens", "registration_closes", "withdrawal_deadline",
         "offer_expires_at", "registered_at", "checked_in_at", "completed_at")  # fmt: skip


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def shown(gathering: dict[str, Any]) -> dict[str, Any]:
    """Training's gathering as the templates use it: dates as datetimes, the venue's municipality and the region's
    counties by name, agenda items with their kind in words, the member's state as a tag."""
    found = dict(gathering)
    for name in DATES:
        found[name] = _instant(found.get(name))
    register = load_register()
    venue = dict(found.get("venue") or {})
    place = register.by_number.get(str(venue.get("kommunenummer") or ""))
    venue["municipality"] = place.name if place else ""
    found["venue"] = venue
    counties = {m.county_number: m.county for m in register.by_number.values()}
    found["region_names"] = [counties.get(str(number), str(number)) for number in found.get("region") or []]
    found["sessions"] = [{**s, "starts_at": _instant(s.get("starts_at")), "ends_at": _instant(s.get("ends_at")),
                          "kind_text": i18n.gettext(KINDS.get(str(s.get("kind")), KINDS["other"]))}
                         for s in found.get("sessions") or []]  # fmt: skip
    found["state_text"] = i18n.gettext(STATES.get(str(found.get("my_state")), STATES["invited"]))
    found["deadline"] = deadline(found)
    return found


def deadline(gathering: dict[str, Any]) -> datetime | None:
    """What the member must answer by: an offered place's expiry, or an open invitation's registration close."""
    state = gathering.get("my_state")
    key = "offer_expires_at" if state == "offered" else "registration_closes"
    if state == "offered" or (state == "invited" and gathering.get("can_register")):
        value = gathering.get(key)
        return _instant(value) if isinstance(value, str) else value
    return None


def arranged(gatherings: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(what waits for the member's answer — open invitations and offered places — soonest deadline first;
    every other gathering in training's order, newest first)."""
    waiting = sorted((g for g in gatherings if g.get("deadline")), key=lambda g: g["deadline"])
    return waiting, [g for g in gatherings if not g.get("deadline")]


def qr_svg(code: str, label: str) -> Markup:
    """The check-in code as an inline SVG QR code (a full QR code, not a Micro QR, so any phone camera reads it;
    a white quiet zone around it; no inline style), labelled for screen readers."""
    qr = segno.make_qr(code, error="m")
    svg = qr.svg_inline(scale=1, border=4, omitsize=True, dark="#000", light="#fff", svgclass="gathering-qr",
                        lineclass=None, title=label)  # fmt: skip
    return Markup(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))


def needs_errors(given: dict[str, str]) -> dict[str, str]:
    """The needs training would refuse, by field, in words for people."""
    errors = {}
    for name, text in given.items():
        if len(text) > NEEDS_MAX:
            errors[name] = i18n.gettext("Write at most %(n)s characters.") % {"n": NEEDS_MAX}
        elif CONTROLS.search(text):
            errors[name] = i18n.gettext("Remove the special characters from the text.")
    return errors


def _valid(request: Request, gathering_id: str) -> Response | None:
    return None if GATHERING_ID.fullmatch(gathering_id) else problem_page(request, 404)


async def _mine(person: Acting, gathering_id: str) -> dict[str, Any]:
    training = await person.api("training")
    return shown(await training.get(f"/v1/me/gatherings/{gathering_id}"))


@router.get("/gatherings", response_class=HTMLResponse)
async def gatherings(request: Request, person: MemberPage) -> Response:
    """Invitations and offered places first with their deadline, then the member's own gatherings."""
    training = await person.api("training")
    found = [shown(g) for g in await training.get("/v1/me/gatherings")]
    waiting, mine = arranged(found)
    return render(request, "gathering_list.html", {"waiting": waiting, "mine": mine})


@router.get("/gatherings/{gathering_id}", response_class=HTMLResponse)
@router.get("/samlinger/{gathering_id}", response_class=HTMLResponse)
@router.get("/samlingar/{gathering_id}", response_class=HTMLResponse)
async def gathering(gathering_id: GatheringId, request: Request, person: MemberPage) -> Response:
    """The invitation and where the member stands: register, accept an offered place, withdraw, the code."""
    if (invalid := _valid(request, gathering_id)) is not None:
        return invalid
    found = await _mine(person, gathering_id)
    done = request.query_params.get("done") or ""
    if done == "registered" and found.get("my_state") == "waitlisted":
        done = "waitlisted"
    said = DONE.get(done)
    return _page(request, found, done=i18n.gettext(said) if said else None)


def _page(request: Request, gathering: dict[str, Any], *, done: str | None = None,
          errors: dict[str, str] | None = None, given: dict[str, Any] | None = None, refusal: str | None = None,
          status_code: int = 200) -> Response:  # fmt: skip
    """The gathering page; a refusal re-renders it with 200 and says why, so htmx swaps it in like any page."""
    context = {"gathering": gathering, "done": done, "errors": errors or {}, "given": given or {}, "refusal": refusal}
    return render(request, "gathering_page.html", context, status_code=status_code)


@router.post("/gatherings/{gathering_id}/register", response_class=HTMLResponse)
async def register(gathering_id: GatheringId, request: Request, person: MemberForm) -> Response:
    """Register with the member's needs; the form again with what to fix, or the gathering saying what happened."""
    if (invalid := _valid(request, gathering_id)) is not None:
        return invalid
    form = await request.form()
    given = {name: str(form.get(name) or "").strip().replace("\r\n", "\n") for name in ("dietary", "accessibility")}
    accommodation = form.get("needs_accommodation") == "yes"
    errors = needs_errors(given)
    refusal = None
    if not errors:
        body = {"dietary": given["dietary"] or None, "accessibility": given["accessibility"] or None,
                "needs_accommodation": accommodation}  # fmt: skip
        try:
            await (await person.api("training")).post(f"/v1/gatherings/{gathering_id}/registrations", json=body)
        except Refused as exc:
            if exc.status == 422:
                errors = {name: i18n.gettext("Check this text.") for name in exc.fields if name in given}
                errors = errors or {"dietary": i18n.gettext("Check this text.")}
            elif exc.status == 409:
                refusal = i18n.gettext("You cannot register for this gathering now: registration is closed, or "
                                       "you are already registered.")  # fmt: skip
            else:
                raise
        else:
            return redirect(f"/gatherings/{gathering_id}?done=registered")
    shown_given = {**given, "needs_accommodation": accommodation}
    return _page(request, await _mine(person, gathering_id), errors=errors, given=shown_given, refusal=refusal,
                 status_code=422 if errors else 200)  # fmt: skip


@router.post("/gatherings/{gathering_id}/accept", response_class=HTMLResponse)
async def accept(gathering_id: GatheringId, request: Request, person: MemberForm) -> Response:
    """Take the offered place; if it has lapsed, the gathering says so."""
    if (invalid := _valid(request, gathering_id)) is not None:
        return invalid
    try:
        await (await person.api("training")).post(f"/v1/gatherings/{gathering_id}/registrations/me/accept-offer")
    except Refused as exc:
        if exc.status != 409:
            raise
        refusal = i18n.gettext("The place can no longer be accepted: the offer has lapsed.")
        return _page(request, await _mine(person, gathering_id), refusal=refusal)
    return redirect(f"/gatherings/{gathering_id}?done=accepted")


@router.get("/gatherings/{gathering_id}/withdraw", response_class=HTMLResponse)
async def confirm_withdrawal(gathering_id: GatheringId, request: Request, person: MemberPage) -> Response:
    """Are you sure? (The button posts; this page changes nothing.)"""
    if (invalid := _valid(request, gathering_id)) is not None:
        return invalid
    found = await _mine(person, gathering_id)
    if not found.get("can_withdraw"):
        return redirect(f"/gatherings/{gathering_id}")
    return render(request, "gathering_withdraw.html", {"gathering": found})


@router.post("/gatherings/{gathering_id}/withdraw", response_class=HTMLResponse)
async def withdraw(gathering_id: GatheringId, request: Request, person: MemberForm) -> Response:
    """Give up the place (or the waiting-list place, or the offer) before the deadline."""
    if (invalid := _valid(request, gathering_id)) is not None:
        return invalid
    try:
        await (await person.api("training")).delete(f"/v1/gatherings/{gathering_id}/registrations/me")
    except Refused as exc:
        if exc.status not in (404, 409):
            raise
        refusal = i18n.gettext("You cannot withdraw now: the deadline has passed, or you hold no place.")
        return _page(request, await _mine(person, gathering_id), refusal=refusal)
    return redirect(f"/gatherings/{gathering_id}?done=withdrawn")


@router.get("/gatherings/{gathering_id}/check-in", response_class=HTMLResponse)
async def check_in_code(gathering_id: GatheringId, request: Request, person: MemberPage) -> Response:
    """The code to show at the door: a QR code the organiser scans, and the same code in large text."""
    if (invalid := _valid(request, gathering_id)) is not None:
        return invalid
    found = await _mine(person, gathering_id)
    code = found.get("check_in_code")
    if not code:
        return redirect(f"/gatherings/{gathering_id}")
    qr = qr_svg(code, i18n.gettext("QR code for the check-in code %(code)s") % {"code": code})
    return render(request, "gathering_check_in.html", {"gathering": found, "code": code, "qr": qr})


@router.get("/gatherings/{gathering_id}/certificate", response_class=HTMLResponse)
async def certificate(gathering_id: GatheringId, request: Request, person: MemberPage) -> Response:
    """The proof of training (printable), once the gathering is completed and the member was checked in."""
    if (invalid := _valid(request, gathering_id)) is not None:
        return invalid
    training = await person.api("training")
    try:
        proof = await training.get(f"/v1/me/gatherings/{gathering_id}/certificate")
    except Refused as exc:
        if exc.status not in (404, 409):
            raise
        return render(request, "gathering_no_certificate.html", {"gathering": await _mine(person, gathering_id)},
                      status_code=exc.status)  # fmt: skip
    check = f"{settings_of(request).public_url.rstrip('/')}/bevis/{proof['verification_code']}"
    context = {"proof": shown(proof), "name": await _name(person), "check": check}
    return render(request, "gathering_certificate.html", context)


@router.get("/bevis/{code}", response_class=HTMLResponse)
async def verify_certificate(code: str, request: Request) -> Response:
    """Anyone (an employer, a school) checks a proof of training by its code, without signing in: genuine, and
    for which gathering; nothing about the person."""
    if not VERIFICATION_CODE.fullmatch(code):
        return render(request, "gathering_verify.html", {"proof": None}, status_code=404)
    try:
        answer = await request.app.state.runtime.ports.apis.clients["training"].get(f"/v1/certificates/{code}")
    except httpx.HTTPError:
        return problem_page(request, 503)
    if answer.status_code == 404:
        return render(request, "gathering_verify.html", {"proof": None}, status_code=404)
    if answer.status_code != 200:
        return problem_page(request, 503)
    return render(request, "gathering_verify.html", {"proof": shown(answer.json())})


async def _name(person: Acting) -> str | None:
    """The member's name from the roster, if it answers (the proof is valid without it)."""
    try:
        me = await (await person.api("ambassadors")).get("/v1/me")
    except (Refused, Unavailable):  # the name is a courtesy: the proof stands on its verification code
        return None
    name = me.get("name") if isinstance(me, dict) else None
    return name if isinstance(name, str) else None
